"""Regenerates the Feishu adapter's fixture cases in this folder.

Everything is encrypted and signed here with Python's `cryptography` and hashlib, independently of
the Swift code under test, as platforms.md §2b describes it (key = SHA-256(Encrypt Key), body =
base64(iv ‖ AES-256-CBC), PKCS#7-16; X-Lark-Signature = hex SHA-256(timestamp + nonce + key + raw
body)). The group @-bot case is the verified vector of platforms.md §6.2, byte for byte (the script
checks that it decrypts to the §2a event and that its signature matches). Golden events are
written from the wire rules in Adapters/Feishu/README.md.
Run: python3 Fixtures/feishu/make_fixtures.py  (needs `pip install cryptography`)
"""
import base64, hashlib, json, os, shutil
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

os.chdir(os.path.dirname(os.path.abspath(__file__)))
ENCRYPT_KEY = "fixtureEncryptKey2024"
TOKEN = "v3rIfIcAtIoNtOkEnFaKe000"
APP_ID = "cli_a1b2c3d4e5f6a7b8"
BOT_OPEN_ID = "ou_bot0000000000000000000000000000"
USER = "ou_84aad35d084aa403a838cf73ee18467"
CHAT = "oc_5ce6d572455d361153b7xx51da133945"
NOW = 1718000000
NONCE = "fixture-nonce-42"
KEY = hashlib.sha256(ENCRYPT_KEY.encode()).digest()
APP, PLAIN, WS = "feishu-app", "feishu-plain", "feishu-ws"
ACK = {"status": 200, "body": '{"msg":"success"}'}

# platforms.md §6.2, exactly.
VECTOR_SIGNATURE = "e90c09c332d3d18ef4ee27f63f72a29d3adedf2ffd6cdb24c5c652fcd43776ac"

def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

def encrypt(plain, iv=bytes(range(16))):
    n = 16 - len(plain) % 16
    padded = plain + bytes([n]) * n
    enc = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()

def decrypt(value):
    raw = base64.b64decode(value)
    dec = Cipher(algorithms.AES(KEY), modes.CBC(raw[:16])).decryptor()
    plain = dec.update(raw[16:]) + dec.finalize()
    return plain[:-plain[-1]]

def signature(body, ts=NOW, nonce=NONCE):
    return hashlib.sha256(f"{ts}{nonce}{ENCRYPT_KEY}".encode() + body).hexdigest()

def signed_headers(body, ts=NOW, nonce=NONCE, sig=None):
    return {"Content-Type": "application/json; charset=utf-8", "X-Lark-Request-Timestamp": str(ts),
            "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": sig or signature(body, ts, nonce)}

def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"

for entry in os.listdir("."):
    if os.path.isdir(entry):
        shutil.rmtree(entry)

common = {"platform": "feishu", "app_id": APP_ID, "app_secret": "fakeAppSecretXXXXXXXXXXXXXXXXXXX",
          "verification_token": TOKEN, "bot_open_id": BOT_OPEN_ID, "host": "http://127.0.0.1:9"}
ws_bot = {k: v for k, v in common.items() if k != "verification_token"}
ws_bot["intake"] = "websocket"
keys = {"body_signed": {PLAIN: False, WS: False}, "signed_part": {APP: "json:encrypt"},
        "bots": {APP: dict(common, encrypt_key=ENCRYPT_KEY), PLAIN: dict(common), WS: ws_bot}}
open("keys.json", "w").write(dump(keys))

def case(name, bot, body, headers=None, events=None, response=None, now=NOW, signed=True):
    os.makedirs(name)
    req = {"bot": bot, "method": "POST", "url": f"/webhooks/{bot}", "now": now,
           "headers": headers or {"Content-Type": "application/json; charset=utf-8", "X-Lark-Request-Timestamp": str(NOW)},
           "body_file": "body.json"}
    if not signed:
        req["signed"] = False  # Feishu does not sign url_verification: the tamper rule leaves it out
    open(f"{name}/body.json", "wb").write(body)
    open(f"{name}/request.json", "w").write(dump(req))
    if events is not None:
        open(f"{name}/events.json", "w").write(dump(events))
    open(f"{name}/response.json", "w").write(dump(response or ACK))

def encrypted_case(name, payload, **kw):
    body = compact({"encrypt": encrypt(compact(payload).encode())}).encode()
    case(name, APP, body, headers=signed_headers(body), **kw)

def plain_case(name, payload, **kw):
    case(name, PLAIN, compact(payload).encode(), **kw)

def header(event_id, event_type="im.message.receive_v1", token=TOKEN):
    return {"event_id": event_id, "event_type": event_type, "create_time": "1718000000123", "token": token,
            "app_id": APP_ID, "tenant_key": "2ca1d211f64f6438"}

def message_event(event_id, message_id, chat_type, message_type, content, mentions=None, token=TOKEN, **extra):
    message = {"message_id": message_id, "create_time": "1718000000000", "update_time": "1718000000000",
               "chat_id": CHAT if chat_type == "group" else "oc_p2p00000000000000000000000000001",
               "chat_type": chat_type, "message_type": message_type, "content": compact(content)}
    message.update(extra)
    if mentions:
        message["mentions"] = mentions
    return {"schema": "2.0", "header": header(event_id, token=token),
            "event": {"sender": {"sender_id": {"union_id": "on_8ed6aa67826108097d9ee143816345", "user_id": "e33ggbyz", "open_id": USER},
                                 "sender_type": "user", "tenant_key": "2ca1d211f64f6438"},
                      "message": message}}

def mention(key, open_id, name):
    return {"key": key, "id": {"union_id": "on_" + open_id[3:], "user_id": "", "open_id": open_id}, "name": name, "tenant_key": "2ca1d211f64f6438"}

BOT = {"id": BOT_OPEN_ID, "name": "AI助手", "is_bot": True}
ZHANG = {"id": "ou_zhangsan00000000000000000000001", "name": "张三", "is_bot": False}

def event(bot, message_id, chat, ctype, text, segments, mentions=(), mentions_bot=False, thread=None, kind="message", sender=USER, reply_to=None):
    conversation = {"id": chat, "type": ctype}
    if thread:
        conversation["thread"] = thread
    out = {"id": f"{bot}:{message_id}", "platform": "feishu", "bot": bot, "kind": kind, "conversation": conversation,
           "sender": {"id": sender, "is_bot": False}, "text": text, "mentions_bot": mentions_bot,
           "mentions": list(mentions), "segments": segments, "message_id": message_id,
           "timestamp": 1718000000000, "reply_address": {"message_id": message_id, "chat_id": chat}}
    if reply_to:
        out["reply_to"] = reply_to
    return out

def seg_mention(who):
    return dict(type="mention", **who)

# ------------------------------------------------------------------ url_verification
challenge = {"challenge": "ajls384kdjx98XX", "token": TOKEN, "type": "url_verification"}
plain_case("url-verification-plain", challenge, response={"status": 200, "body": '{"challenge":"ajls384kdjx98XX"}'})
body = compact({"encrypt": encrypt(compact(challenge).encode())}).encode()
case("url-verification-encrypted", APP, body, response={"status": 200, "body": '{"challenge":"ajls384kdjx98XX"}'}, signed=False)
plain_case("url-verification-wrong-token", dict(challenge, token="not-the-token"),
           response={"status": 401, "body": "verification token mismatch: check the bot's verification_token"})

# ------------------------------------------------------------------ §6.2: encrypted group @bot
vector = ('{"encrypt":"ABEiM0RVZneImaq7zN3u/w1zKfKS1qyAfUz17UnL7l7hUrusd+wVjTh3Tt+OKK4q+/HacvSzC4XYhQyLgKjfe3SP1q4OKlhDzuX/ra/SrlVYwwxbf7j3HTLFK57WJAJSibk8+z7sehJ+/jZ6O03mv3QKd+7qZjg34QJG9eUeZ1/Y3FkAAISwX6Zf4+ZbZVsor4E1I4575kLYsuQZpakLPGMcPJ0tsUlev6UC+cKKs93iJSCkbaS6kjsGGhOSIQrqZqSxs8BQ5R0U0EoMGyO1/exJzqa8hS1MbmWW2Ml6pigKMZN/DBdd3rMBU2Ew/JRprvI2uDTTEzI4zUDK2PsBbdk98hJ+wcDZlOsREoqxqhxf3Afr9bttMPULeRGGLiwLTSt5ZHypxmLIHgC1h6YqXjShT/MpJia6GF8liIRQ2ybsQ1onkZ8QUGDVrUxE981YCvcSDKmvYWx9E/+6oyinchALXhGsS8YJOVsj8hfx3Y+PZ71Blz14HIowdQrSj/N6PjgGHLHyug0eXceNyEupCfUd/LL3+m62Tgu4KGPeqzLfmPX+AZtStdbWzModAbA2NccTv8tHGVhQ3VwHU9NapAn0Uq8ZbWvemJKXXitsQGm+jSscr+usSCgvcNauJ3rrhnvbcM62tiL2Pmr6MVes9IATR94xTHmF8ANOca9yBX0Gj3s0NJqepg0Q2PIYGFCbhDKsUeseE6rg7yKlU/KvFdlA8kk5e2B3rHOyCduiouviPsc1icrcC4QuDBQPQH4GHyiltFcYUdE+Q7iJE6PDZaKHfKLb/XsnCEjPgWzu14fkR1A8PbSqv90xL+ZrLzYhbH/uWlAhSW0akA8qYFX2vjA0u6TB1+0OesI6YGKgROIfY63tOzSFQ+dx3fy0seql3P3VO855+hfzIUfzruDOFsr3BVNNYuNf3nhx5puklbojekR09atLOfUuKt5Vmrf+l68llx+ElivSiU7ZE1S/v8e9Ih82Wv1913HvrXvxhP1kkVIeI+Rda2vW4uDlZFpRGiVVVPGgfQB7xrS0L2iuSv/Uob6s2nMYDnNZP6tn8XBIv515gi0Co0If6zvbXev8ve6P+LNInuZ2Rkd2D7J047BVhPdAeC/3EYXtJ1+0juToVWiTguuod/k6BsyRk2Q6jdUTfu6i67q4xbqKUobLqEo4S2rqC/noWid67FSfzoob8QoLqW6ImSCHJ0vpROn1uMgNzQ7ndyGNGyhoHN88kQ=="}').encode()
assert signature(vector) == VECTOR_SIGNATURE, "the §6.2 signature does not reproduce"
inner = json.loads(decrypt(json.loads(vector)["encrypt"]))
message = inner["event"]["message"]
assert inner["header"]["token"] == TOKEN and inner["header"]["event_id"] == "5e3702a84e847582be8db7fb73283c02"
assert message["message_id"] == "om_5ce6d572455d361153b7cb51da133945" and message["chat_id"] == CHAT and message["chat_type"] == "group"
assert json.loads(message["content"]) == {"text": "@_user_1 帮我总结一下"}
assert message["mentions"][0]["id"]["open_id"] == BOT_OPEN_ID and inner["event"]["sender"]["sender_id"]["open_id"] == USER
VECTOR_EVENT = event(APP, "om_5ce6d572455d361153b7cb51da133945", CHAT, "group", "帮我总结一下",
                     [seg_mention(BOT), {"type": "text", "text": " 帮我总结一下"}], mentions=[BOT], mentions_bot=True)
case("group-at-bot-encrypted", APP, vector, headers=signed_headers(vector, sig=VECTOR_SIGNATURE), events=[VECTOR_EVENT])

# ------------------------------------------------------------------ more messages
plain_case("group-at-bot-in-thread-plain",
           message_event("e-0002", "om_0002", "group", "text", {"text": "@_user_1 继续说"}, [mention("@_user_1", BOT_OPEN_ID, "AI助手")],
                         root_id="om_root01", thread_id="omt_thread01"),
           events=[event(PLAIN, "om_0002", CHAT, "group", "继续说", [seg_mention(BOT), {"type": "text", "text": " 继续说"}],
                         mentions=[BOT], mentions_bot=True, thread="omt_thread01")])
plain_case("group-at-other-user-plain",
           message_event("e-0003", "om_0003", "group", "text", {"text": "@_user_1 请看 a@b.com 的邮件"}, [mention("@_user_1", ZHANG["id"], "张三")]),
           events=[event(PLAIN, "om_0003", CHAT, "group", "@张三 请看 a@b.com 的邮件", [seg_mention(ZHANG), {"type": "text", "text": " 请看 a@b.com 的邮件"}],
                         mentions=[ZHANG])])
# A reply to the bot's own answer, without @: `parent_id` ▸ reply_to (the engine decides it is
# addressed to the bot; the adapter cannot know whose message it was).
plain_case("group-reply-to-bot-plain",
           message_event("e-0014", "om_0014", "group", "text", {"text": "那第二点呢？"}, parent_id="om_bot_answer0001", root_id="om_bot_answer0001"),
           events=[event(PLAIN, "om_0014", CHAT, "group", "那第二点呢？", [{"type": "text", "text": "那第二点呢？"}], reply_to="om_bot_answer0001")])
# @bot while replying to someone else's message: the quoted message is read when the job runs.
encrypted_case("group-at-bot-quoting-encrypted",
               message_event("e-0015", "om_0015", "group", "text", {"text": "@_user_1 这个说法对吗？"}, [mention("@_user_1", BOT_OPEN_ID, "AI助手")],
                             parent_id="om_zhangsan_said01", root_id="om_zhangsan_said01"),
               events=[event(APP, "om_0015", CHAT, "group", "这个说法对吗？", [seg_mention(BOT), {"type": "text", "text": " 这个说法对吗？"}],
                             mentions=[BOT], mentions_bot=True, reply_to="om_zhangsan_said01")])
P2P = "oc_p2p00000000000000000000000000001"
encrypted_case("p2p-text-encrypted", message_event("e-0004", "om_0004", "p2p", "text", {"text": "年假怎么申请？"}),
               events=[event(APP, "om_0004", P2P, "direct", "年假怎么申请？", [{"type": "text", "text": "年假怎么申请？"}])])
post = {"title": "周报", "content": [[{"tag": "at", "user_id": "@_user_1", "user_name": "AI助手"}, {"tag": "text", "text": " 总结 "},
                                      {"tag": "a", "href": "https://example.com/pr/12", "text": "PR #12"}],
                                     [{"tag": "text", "text": "第二段"}], [{"tag": "img", "image_key": "img_v2_0001"}]]}
encrypted_case("post-encrypted", message_event("e-0005", "om_0005", "group", "post", post, [mention("@_user_1", BOT_OPEN_ID, "AI助手")]),
               events=[event(APP, "om_0005", CHAT, "group", "周报\n 总结 PR #12 (https://example.com/pr/12)\n第二段",
                             [{"type": "text", "text": "周报\n"}, seg_mention(BOT), {"type": "text", "text": " 总结 "},
                              {"type": "link", "url": "https://example.com/pr/12", "title": "PR #12"}, {"type": "text", "text": "\n第二段\n"},
                              {"type": "image", "media_id": "img_v2_0001"}],
                             mentions=[BOT], mentions_bot=True)])
encrypted_case("image-encrypted", message_event("e-0006", "om_0006", "p2p", "image", {"image_key": "img_v2_abcdef"}),
               events=[event(APP, "om_0006", P2P, "direct", "", [{"type": "image", "media_id": "img_v2_abcdef"}])])
encrypted_case("file-encrypted", message_event("e-0012", "om_0012", "p2p", "file", {"file_key": "file_v2_9a3c1e", "file_name": "季度报告.pdf"}),
               events=[event(APP, "om_0012", P2P, "direct", "", [{"type": "file", "media_id": "file_v2_9a3c1e", "name": "季度报告.pdf"}])])
encrypted_case("audio-encrypted", message_event("e-0013", "om_0013", "p2p", "audio", {"file_key": "file_v2_audio01", "duration": 2000}),
               events=[event(APP, "om_0013", P2P, "direct", "", [{"type": "audio", "media_id": "file_v2_audio01"}])])
plain_case("unknown-type-plain", message_event("e-0007", "om_0007", "p2p", "share_chat", {"chat_id": "oc_other"}), events=[])
bot_added = {"schema": "2.0", "header": header("e-0008", "im.chat.member.bot.added_v1"),
             "event": {"chat_id": CHAT, "operator_id": {"union_id": "on_8ed6aa67826108097d9ee143816345", "user_id": "e33ggbyz", "open_id": USER},
                       "external": False, "operator_tenant_key": "2ca1d211f64f6438", "name": "产品讨论群"}}
encrypted_case("bot-added-encrypted", bot_added,
               events=[{"id": f"{APP}:e-0008", "platform": "feishu", "bot": APP, "kind": "bot_added",
                        "conversation": {"id": CHAT, "type": "group", "title": "产品讨论群"}, "sender": {"id": USER, "is_bot": False},
                        "text": "", "mentions_bot": False, "mentions": [], "segments": [], "timestamp": 1718000000123,
                        "reply_address": {"chat_id": CHAT}}])
legacy = {"uuid": "41b5f371157e3d5341b38b20396e77a3", "token": TOKEN, "ts": "1718000000.123", "type": "event_callback",
          "event": {"type": "message", "app_id": APP_ID, "tenant_key": "2ca1d211f64f6438", "root_id": "", "parent_id": "",
                    "open_chat_id": CHAT, "chat_type": "group", "msg_type": "text", "open_id": USER, "employee_id": "e33ggbyz",
                    "union_id": "on_8ed6aa67826108097d9ee143816345", "open_message_id": "om_0009", "is_mention": True,
                    "text": "<at open_id=\"ou_bot0000000000000000000000000000\">@AI助手</at> 旧版事件", "text_without_at_bot": " 旧版事件"}}
legacy_event = event(PLAIN, "om_0009", CHAT, "group", "旧版事件", [{"type": "text", "text": "旧版事件"}], mentions=[{"id": BOT_OPEN_ID, "is_bot": True}], mentions_bot=True)
legacy_event["timestamp"] = 1718000000123
plain_case("v1-message-plain", legacy, events=[legacy_event])

# ------------------------------------------------------------------ negatives
p2p = compact({"encrypt": encrypt(compact(message_event("e-0010", "om_0010", "p2p", "text", {"text": "hi"})).encode())}).encode()
case("wrong-signature", APP, p2p, headers=signed_headers(p2p, sig="0" * 64),
     response={"status": 401, "body": "signature mismatch: check the bot's encrypt_key"})
wrong_token = compact({"encrypt": encrypt(compact(message_event("e-0011", "om_0011", "p2p", "text", {"text": "hi"}, token="wrong")).encode())}).encode()
case("wrong-token", APP, wrong_token, headers=signed_headers(wrong_token),
     response={"status": 401, "body": "verification token mismatch: check the bot's verification_token"})
case("stale-timestamp", APP, p2p, headers=signed_headers(p2p, ts=NOW - 7200),
     response={"status": 401, "body": "stale timestamp: more than 3600 s from server time; check the clocks"})
altered = p2p.replace(b'"encrypt":"', b'"encrypt":"A', 1)
case("body-altered-after-signing", APP, altered, headers=signed_headers(p2p),
     response={"status": 401, "body": "signature mismatch: check the bot's encrypt_key"})
case("not-json", PLAIN, b"hello, not json", response={"status": 400, "body": "the body is not a Feishu event JSON"})
not_base64 = b'{"encrypt":"!!!this is not base64!!!"}'
case("encrypt-not-base64", APP, not_base64, headers=signed_headers(not_base64),
     response={"status": 400, "body": "cannot decrypt the event: check the bot's encrypt_key"})
case("encrypted-without-signature", APP, p2p,
     response={"status": 401, "body": "missing X-Lark-Signature: with an encrypt_key every event must be signed"})
# ── The long connection (platforms-2.md §1, vectors §5.1): protobuf frames, encoded here by hand
# (proto2 pbbp2.Frame), checked byte for byte against the vectors the official SDK produced.
def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])

def field(number, value):
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value

def frame(seq, log, service, method, headers, payload=None):
    out = field(1, seq) + field(2, log) + field(3, service) + field(4, method)
    for key, value in headers:
        out += field(5, field(1, key.encode()) + field(2, value.encode()))
    if payload is not None:
        out += field(8, payload)
    return out

VECTOR_PING = "0800100018d93620002a0c0a0474797065120470696e67"
VECTOR_EVENT = ("0805100718f681801020012a0d0a047479706512056576656e742a1f0a0a6d6573736167655f696412116531623563376432"
  "2d6d73672d303030312a080a0373756d1201312a080a037365711201302a130a0874726163655f6964120774722d30303031"
  "2a1a0a0974696d657374616d70120d3137313830303030303031323342b1047b22736368656d61223a22322e30222c226865"
  "61646572223a7b226576656e745f6964223a2235653337303261383465383437353832626538646237666237333238336330"
  "32222c226576656e745f74797065223a22696d2e6d6573736167652e726563656976655f7631222c226372656174655f7469"
  "6d65223a2231373138303030303030313233222c22746f6b656e223a22222c226170705f6964223a22636c695f6131623263"
  "3364346535663661376238222c2274656e616e745f6b6579223a2232636131643231316636346636343338227d2c22657665"
  "6e74223a7b2273656e646572223a7b2273656e6465725f6964223a7b226f70656e5f6964223a226f755f3834616164333564"
  "3038346161343033613833386366373365653138343637227d2c2273656e6465725f74797065223a2275736572222c227465"
  "6e616e745f6b6579223a2232636131643231316636346636343338227d2c226d657373616765223a7b226d6573736167655f"
  "6964223a226f6d5f3563653664353732343535643336313135336237636235316461313333393435222c226372656174655f"
  "74696d65223a2231373138303030303030303030222c22636861745f6964223a226f635f3563653664353732343535643336"
  "313135336237787835316461313333393435222c22636861745f74797065223a22703270222c226d6573736167655f747970"
  "65223a2274657874222c22636f6e74656e74223a227b5c22746578745c223a5c2268695c227d227d7d7d")
VECTOR_RESPONSE = ("0805100718f681801020012a0d0a047479706512056576656e742a1f0a0a6d6573736167655f6964121165316235633764322d"
  "6d73672d303030312a080a0373756d1201312a080a037365711201302a130a0874726163655f6964120774722d303030312a1a0a0974696d65"
  "7374616d70120d313731383030303030303132332a0b0a0662697a5f7274120130420d7b22636f6465223a203230307d")
VECTOR_PONG = ("0800100018d93620002a0c0a04747970651204706f6e6742547b2250696e67496e74657276616c223a3132302c225265636f6e6e6563"
  "74436f756e74223a2d312c225265636f6e6e656374496e74657276616c223a3132302c225265636f6e6e6563744e6f6e6365223a33307d")

EVENT_PAYLOAD = compact({"schema": "2.0", "header": {"event_id": "5e3702a84e847582be8db7fb73283c02", "event_type": "im.message.receive_v1",
    "create_time": "1718000000123", "token": "", "app_id": APP_ID, "tenant_key": "2ca1d211f64f6438"},
    "event": {"sender": {"sender_id": {"open_id": USER}, "sender_type": "user", "tenant_key": "2ca1d211f64f6438"},
              "message": {"message_id": "om_5ce6d572455d361153b7cb51da133945", "create_time": "1718000000000", "chat_id": CHAT,
                          "chat_type": "p2p", "message_type": "text", "content": compact({"text": "hi"})}}}).encode()
HEADERS = [("type", "event"), ("message_id", "e1b5c7d2-msg-0001"), ("sum", "1"), ("seq", "0"), ("trace_id", "tr-0001"), ("timestamp", "1718000000123")]
assert frame(0, 0, 7001, 0, [("type", "ping")]).hex() == VECTOR_PING
assert frame(5, 7, 33554678, 1, HEADERS, EVENT_PAYLOAD).hex() == VECTOR_EVENT, "the event vector"
assert frame(5, 7, 33554678, 1, HEADERS + [("biz_rt", "0")], b'{"code": 200}').hex() == VECTOR_RESPONSE, "the response vector"
pong_config = b'{"PingInterval":120,"ReconnectCount":-1,"ReconnectInterval":120,"ReconnectNonce":30}'
assert frame(0, 0, 7001, 0, [("type", "pong")], pong_config).hex() == VECTOR_PONG

def frame_case(name, data, events=None, response=None):
    os.makedirs(name)
    open(f"{name}/frame.bin", "wb").write(data)
    open(f"{name}/request.json", "w").write(dump({"bot": WS, "now": 1718000000.123, "body_file": "frame.bin", "stream_frame": True}))
    if events is not None: open(f"{name}/events.json", "w").write(dump(events))
    if response is not None: open(f"{name}/response.json", "w").write(dump(response))

message_id = "om_5ce6d572455d361153b7cb51da133945"
frame_case("ws-event-frame", bytes.fromhex(VECTOR_EVENT), events=[{
    "id": f"{WS}:{message_id}", "platform": "feishu", "bot": WS, "kind": "message",
    "conversation": {"id": CHAT, "type": "direct"}, "sender": {"id": USER, "is_bot": False},
    "text": "hi", "mentions_bot": False, "mentions": [], "segments": [{"type": "text", "text": "hi"}],
    "message_id": message_id, "timestamp": 1718000000000, "reply_address": {"message_id": message_id, "chat_id": CHAT}}],
    response={"status": 200, "body_hex": VECTOR_RESPONSE})
# Control frames and the legacy `card` callback are answered with nothing.
frame_case("ws-pong-frame", bytes.fromhex(VECTOR_PONG), events=[], response={"status": 200})
frame_case("ws-legacy-card-frame", frame(9, 9, 33554678, 1, [("type", "card")] + HEADERS[1:], b'{"open_id":"ou_x","action":{"value":{}}}'),
           events=[], response={"status": 200})
# A fragment alone cannot be decoded: the connection puts fragments together first.
frame_case("ws-fragment-frame", frame(6, 8, 33554678, 1, [("type", "event"), ("message_id", "e1b5c7d2-msg-0002"), ("sum", "2"), ("seq", "1"),
           ("trace_id", "tr-0002"), ("timestamp", "1718000000123")], EVENT_PAYLOAD[280:]),
           response={"status": 400, "body": "fragment 1 of 2: fragments are put together before they are decoded"})
frame_case("ws-not-protobuf", b'{"type":"event"}', response={"status": 400})
# A click on a card button (card.action.trigger): a card_action event; the answer's data is
# base64 of {} (the card stays as it is). create_time is in microseconds.
card_action = compact({"schema": "2.0", "header": {"event_id": "f7a1c0de0000000000000000000000aa", "token": "c-fake", "create_time": "1718000000123456",
    "event_type": "card.action.trigger", "tenant_key": "2ca1d211f64f6438", "app_id": APP_ID},
    "event": {"operator": {"tenant_key": "2ca1d211f64f6438", "open_id": USER, "union_id": "on_fake0000"},
              "token": "c-update-token", "action": {"value": {"action": "stop", "job": "42"}, "tag": "button"},
              "host": "im_message", "context": {"open_message_id": "om_card0000000000000000000000001", "open_chat_id": CHAT}}}).encode()
card_headers = [("type", "event"), ("message_id", "e1b5c7d2-msg-0003"), ("sum", "1"), ("seq", "0"), ("trace_id", "tr-0003"), ("timestamp", "1718000000123")]
frame_case("ws-card-action-frame", frame(11, 12, 33554678, 1, card_headers, card_action), events=[{
    "id": f"{WS}:f7a1c0de0000000000000000000000aa", "platform": "feishu", "bot": WS, "kind": "card_action",
    "conversation": {"id": CHAT, "type": "group"}, "sender": {"id": USER, "is_bot": False},
    "text": compact({"action": "stop", "job": "42"}), "mentions_bot": False, "mentions": [], "segments": [],
    "message_id": "om_card0000000000000000000000001", "timestamp": 1718000000123,
    "reply_address": {"chat_id": CHAT, "message_id": "om_card0000000000000000000000001"}}],
    response={"status": 200, "body_hex": frame(11, 12, 33554678, 1, card_headers + [("biz_rt", "0")],
              b'{"code": 200, "data": "' + base64.b64encode(b"{}") + b'"}').hex()})
print("ok")
