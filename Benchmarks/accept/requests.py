#!/usr/bin/env python3
"""Writes the wrk scripts for the accept benchmark (see Benchmarks/README.md):
  requests.py SECRET BOT DIR [COUNT]
DIR/redelivery.lua POSTs one signed generic webhook again and again (every request after the
first is a redelivery); DIR/accept.lua POSTs COUNT distinct signed events in turn (read from
DIR/accept.txt when wrk starts, one "timestamp signature body" line each), so each request is a
new message the server must make durable before it answers."""
import hashlib, hmac, json, os, sys, time

secret, bot, out = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 200_000
ts = str(int(time.time()))


def signed(event_id):
    body = json.dumps({
        "id": event_id, "platform": "generic", "conversation": {"id": f"chat-{event_id}", "type": "direct"},
        "sender": {"id": "u-1"}, "text": "hello", "timestamp": 1718000000000,
    }, separators=(",", ":"))
    return "sha256=" + hmac.new(secret.encode(), (ts + "." + body).encode(), hashlib.sha256).hexdigest(), body


sig, body = signed("bench-redelivery")
with open(os.path.join(out, "redelivery.lua"), "w") as f:
    f.write(f'''wrk.method = "POST"
wrk.path = "/webhooks/{bot}"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Switchboard-Timestamp"] = "{ts}"
wrk.headers["X-Switchboard-Signature"] = "{sig}"
''')

with open(os.path.join(out, "accept.txt"), "w") as f:
    for n in range(count):
        sig, body = signed(f"bench-{n}")
        f.write(f"{ts} {sig} {body}\n")
with open(os.path.join(out, "accept.lua"), "w") as f:
    f.write(f'''local requests = {{}}
local next = 1
init = function(args)
  for line in io.lines("{os.path.join(out, "accept.txt")}") do
    local ts, sig, body = line:match("^(%S+) (%S+) (.*)$")
    requests[#requests + 1] = wrk.format("POST", "/webhooks/{bot}", {{
      ["Content-Type"] = "application/json", ["X-Switchboard-Timestamp"] = ts, ["X-Switchboard-Signature"] = sig,
    }}, body)
  end
end
request = function()
  local r = requests[next]
  next = next % #requests + 1
  return r
end
''')
