"""Regenerates the generic adapter's fixture cases in this folder.

The signatures are computed here with Python's hmac, independently of the Swift code under test,
and the golden events are written from the wire rules (bot filled in, id prefixed with the bot,
defaults for omitted fields). Run: python3 Fixtures/generic/make_fixtures.py
"""
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
import hmac, hashlib, json, os
SECRET = "fixture-generic-secret-0123456789"
BOT = "generic-demo"
NOW = 1718000000
def sign(ts, body): return "sha256=" + hmac.new(SECRET.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
def dump(obj): return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
json.dump({"bot": BOT, "body_signed": True, "config": {"platform": "generic", "secret": SECRET, "callback_url": "http://127.0.0.1:9/callback"}},
          open("keys.json", "w"), indent=2); open("keys.json","a").write("\n")

def case(name, body, ts=NOW, sig=None, method="POST", events=None, response=None):
    os.makedirs(name, exist_ok=True)
    headers = {"Content-Type": "application/json", "X-Switchboard-Timestamp": str(ts), "X-Switchboard-Signature": sig or sign(ts, body)}
    req = {"method": method, "url": f"/webhooks/{BOT}", "headers": headers, "now": NOW}
    if body:
        open(f"{name}/body.json", "wb").write(body); req["body_file"] = "body.json"
    open(f"{name}/request.json", "w").write(dump(req))
    if events is not None: open(f"{name}/events.json", "w").write(dump(events))
    if response is not None: open(f"{name}/response.json", "w").write(dump(response))

# A group message that @-mentions the bot, as an adapter in another language would send it.
msg = {"id": "msg-0001", "platform": "generic", "kind": "message",
       "conversation": {"id": "room-42", "type": "group", "title": "运维群"},
       "sender": {"id": "u-zhangsan", "name": "张三"},
       "text": "帮我查一下年假", "mentions_bot": True,
       "mentions": [{"id": "bot-switchboard", "name": "Switchboard", "is_bot": True}],
       "segments": [{"type": "mention", "id": "bot-switchboard", "name": "Switchboard", "is_bot": True}, {"type": "text", "text": "帮我查一下年假"}],
       "message_id": "msg-0001", "timestamp": 1717999999123, "reply_address": {"thread_ts": "1717999999.123"}}
body = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
golden = dict(msg, id=f"{BOT}:msg-0001", bot=BOT)
golden["sender"] = dict(msg["sender"], is_bot=False)
case("message", body, events=[golden], response={"status": 200, "body": "{\"ok\":true}"})

# Two events in one request (an array), minimal fields: defaults fill the rest.
a = {"id": "d-1", "platform": "generic", "conversation": {"id": "u-lisi", "type": "direct"}, "sender": {"id": "u-lisi"}, "text": "第一条", "timestamp": 1717999990000}
b = {"id": f"{BOT}:d-2", "platform": "generic", "bot": BOT, "conversation": {"id": "u-lisi", "type": "direct"}, "sender": {"id": "u-lisi"}, "text": "second", "timestamp": 1717999991000}
body = json.dumps([a, b], ensure_ascii=False).encode()
def full(e):
    return {"id": e["id"] if e["id"].startswith(BOT + ":") else f"{BOT}:{e['id']}", "platform": "generic", "bot": BOT, "kind": "message",
            "conversation": e["conversation"], "sender": dict(e["sender"], is_bot=False), "text": e["text"], "mentions_bot": False,
            "mentions": [], "segments": [], "timestamp": e["timestamp"], "reply_address": {}}
case("batch", body, events=[full(a), full(b)], response={"status": 200})

# One hex digit of the signature changed.
body = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
good = sign(NOW, body); bad = good[:-1] + ("0" if good[-1] != "0" else "1")
case("tampered-signature", body, sig=bad, response={"status": 401, "body": "signature mismatch: sign \"<timestamp>.<raw body>\" with HMAC-SHA256 and the bot's secret"})

# Correctly signed, but 10 000 s before the server's clock.
case("stale-timestamp", body, ts=NOW - 10000, response={"status": 401, "body": "stale timestamp: more than 300 s from server time; check the sender's clock"})

# Correctly signed, but not JSON.
case("malformed-json", b'{"id": "msg-0002", "platform": "generic", "text": ', response={"status": 400, "body": "malformed Event JSON: not valid JSON"})

# Correctly signed JSON that lacks a required field.
nosender = {k: v for k, v in msg.items() if k != "sender"}
case("missing-sender", json.dumps(nosender, ensure_ascii=False).encode(), response={"status": 400, "body": "malformed Event JSON: missing sender"})
# A reply to the bot's own message (no @) and an @-message quoting a colleague: `reply_to` is the
# platform id of the message answered, `quote` its text when the adapter has it.
reply = {"id": "msg-0003", "platform": "generic", "conversation": {"id": "room-42", "type": "group"}, "sender": {"id": "u-zhangsan"},
         "text": "第二点再展开说说", "message_id": "msg-0003", "timestamp": 1717999999500, "reply_to": "bot-msg-0001"}
quoting = {"id": "msg-0004", "platform": "generic", "conversation": {"id": "room-42", "type": "group"}, "sender": {"id": "u-zhangsan"},
           "text": "这个时间来得及吗？", "mentions_bot": True, "message_id": "msg-0004", "timestamp": 1717999999600,
           "reply_to": "msg-lisi-0002", "quote": "下周二上线"}
body = json.dumps([reply, quoting], ensure_ascii=False).encode()
def with_reply(e):
    out = full(e)
    out["mentions_bot"] = e.get("mentions_bot", False)
    out["message_id"] = e["message_id"]
    out.update({k: e[k] for k in ("reply_to", "quote") if k in e})
    return out
case("reply-and-quote", body, events=[with_reply(reply), with_reply(quoting)], response={"status": 200})
