#!/usr/bin/env python3
"""Writes a wrk script that POSTs one signed generic webhook (the same event each time: a
redelivery, so every request runs the whole accept path — verify, parse, route, dedup in the
store — without piling up jobs). Usage: signed-request.py SECRET BOT > request.lua"""
import hashlib, hmac, json, sys, time

secret, bot = sys.argv[1], sys.argv[2]
body = json.dumps({
    "id": "bench-1", "platform": "generic", "conversation": {"id": "chat-1", "type": "direct"},
    "sender": {"id": "u-1"}, "text": "hello", "timestamp": 1718000000000,
}, separators=(",", ":"))
ts = str(int(time.time()))
sig = "sha256=" + hmac.new(secret.encode(), (ts + "." + body).encode(), hashlib.sha256).hexdigest()
print(f'''wrk.method = "POST"
wrk.path = "/webhooks/{bot}"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Switchboard-Timestamp"] = "{ts}"
wrk.headers["X-Switchboard-Signature"] = "{sig}"''')
