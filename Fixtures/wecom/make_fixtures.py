"""Regenerates the WeCom adapter's fixture cases in this folder.

Everything is encrypted and signed here with Python's `cryptography` and hashlib, independently of
the Swift code under test, following WXBizMsgCrypt as platforms.md §1a.5 describes it; the app
text message and the AI-bot group message are the verified vectors of platforms.md §6.1 (the
script checks it reproduces them). Golden events are written from the wire rules in the
adapter's README. Run: python3 Fixtures/wecom/make_fixtures.py  (needs `pip install cryptography`)
"""
import base64, hashlib, hmac, json, os, shutil, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

os.chdir(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "QDG6eK"
AES_KEY = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
CORP = "wwfa6c0ffee1234567"
NOW = 1718000000
NONCE = "1372623149"
KEY = base64.b64decode(AES_KEY + "=")
APP, AIBOT = "wecom-app", "wecom-aibot"

def aes(data, decrypt=False):
    cipher = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16]))
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(data) + op.finalize()

def pad32(data):
    n = 32 - len(data) % 32
    return data + bytes([n]) * n

def encrypt(plain, receiveid, prefix=b"0123456789abcdef"):
    raw = prefix + struct.pack(">I", len(plain)) + plain + receiveid.encode()
    return base64.b64encode(aes(pad32(raw))).decode()

def sign(encrypt_value, ts=NOW, nonce=NONCE):
    return hashlib.sha1("".join(sorted([TOKEN, str(ts), nonce, encrypt_value])).encode()).hexdigest()

def deterministic(plain):
    """The prefix Switchboard uses for its answers: HMAC-SHA256(AES key, message)[:16]."""
    return hmac.new(KEY, plain, hashlib.sha256).digest()[:16]

def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

def sealed_reply(obj, ts=NOW, nonce=NONCE):
    """An AI-bot answer as Switchboard sends it: the encrypted JSON envelope."""
    plain = compact(obj).encode()
    enc = encrypt(plain, "", deterministic(plain))
    return compact({"encrypt": enc, "msgsignature": sign(enc, ts, nonce), "nonce": nonce, "timestamp": str(ts)})

def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"

AIBOT_WS = "wecom-aibot-ws"

for entry in os.listdir("."):
    if os.path.isdir(entry):
        shutil.rmtree(entry)

keys = {
    "body_signed": True,
    # The signature covers the encrypted value, not the envelope around it.
    "signed_part": {APP: "xml:Encrypt", AIBOT: "json:encrypt"},
    "bots": {
        APP: {"platform": "wecom", "mode": "app", "corp_id": CORP, "agent_id": 1000002, "secret": "fixture-app-secret-not-real",
              "token": TOKEN, "encoding_aes_key": AES_KEY, "api_base": "http://127.0.0.1:9"},
        AIBOT: {"platform": "wecom", "mode": "aibot", "token": TOKEN, "encoding_aes_key": AES_KEY, "bot_name": "AI助手"},
        AIBOT_WS: {"platform": "wecom", "mode": "aibot", "intake": "websocket", "bot_id": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012",
                   "secret": "fakeBotSecret0123456789", "ws_url": "ws://127.0.0.1:9", "bot_name": "AI助手", "welcome_text": "你好，我是 AI 助手"},
    },
}
# The long connection's frames are not signed (plain JSON inside TLS).
keys["body_signed"] = {AIBOT_WS: False}
open("keys.json", "w").write(dump(keys))

def case(name, bot, method="POST", query=None, body=None, events=None, response=None, content_type="text/xml"):
    os.makedirs(name)
    url = f"/webhooks/{bot}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    req = {"bot": bot, "method": method, "url": url, "headers": {}, "now": NOW}
    if body is not None:
        req["headers"]["Content-Type"] = content_type
        open(f"{name}/body.{'xml' if content_type == 'text/xml' else 'json'}", "wb").write(body)
        req["body_file"] = f"body.{'xml' if content_type == 'text/xml' else 'json'}"
    open(f"{name}/request.json", "w").write(dump(req))
    if events is not None:
        open(f"{name}/events.json", "w").write(dump(events))
    if response is not None:
        open(f"{name}/response.json", "w").write(dump(response))

def quote(value):
    from urllib.parse import quote as q
    return q(value, safe="")

def signed_query(enc, ts=NOW, nonce=NONCE, signature=None):
    return [("msg_signature", signature or sign(enc, ts, nonce)), ("timestamp", str(ts)), ("nonce", nonce)]

# ---------------------------------------------------------------- self-built app (XML)

def envelope(enc, agent="1000002"):
    return f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt><AgentID><![CDATA[{agent}]]></AgentID></xml>".encode()

def app_message(name, xml, events, receiveid=CORP, prefix=b"0123456789abcdef", response=None):
    enc = encrypt(xml.encode(), receiveid, prefix)
    case(name, APP, query=signed_query(enc), body=envelope(enc), events=events, response=response or {"status": 200, "body": ""})
    return enc

def app_event(id, kind="message", text="", segments=None, message_id=None, ts=NOW, sender="zhangsan"):
    event = {"id": f"{APP}:{id}", "platform": "wecom", "bot": APP, "kind": kind,
             "conversation": {"id": sender, "type": "direct"}, "sender": {"id": sender, "is_bot": False},
             "text": text, "mentions_bot": False, "mentions": [], "segments": segments or [],
             "timestamp": ts * 1000, "reply_address": {}}
    if message_id:
        event["message_id"] = message_id
    return event

# URL verification: the §6.1 vector (echostr encrypted for the CorpID).
echostr = encrypt(b"8713452678653921067", CORP, b"fedcba9876543210")
assert echostr == "t08andYr7Zx5v+9ZNTWij3f7oOagb5mEteMmkR/0p8Idd6eLPnzmjH8C5hqWOiy421CpSfxWtK1ZZ3x6w8yH2A=="
case("app-url-verification", APP, method="GET", query=signed_query(echostr) + [("echostr", quote(echostr))],
     response={"status": 200, "body": "8713452678653921067"})

text_xml = ("<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            "<CreateTime>1718000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好，帮我查一下年假]]></Content>"
            "<MsgId>7382910456123456789</MsgId><AgentID>1000002</AgentID></xml>")
enc = app_message("app-text", text_xml, [app_event("7382910456123456789", text="你好，帮我查一下年假",
                  segments=[{"type": "text", "text": "你好，帮我查一下年假"}], message_id="7382910456123456789")])
assert enc.startswith("aew5qt4WEE28tWP2qy6oIuy9mbkqGSw/") and sign(enc) == "66127e616dc6c4af3518419eb04b3b819935baa6", "§6.1 vector"

# Tencent's sample decrypts to XML without CDATA; the reader takes both.
app_message("app-text-plain-values",
            "<xml><ToUserName>wwfa6c0ffee1234567</ToUserName><FromUserName>lisi</FromUserName><CreateTime>1718000010</CreateTime>"
            "<MsgType>text</MsgType><Content>报销 &amp; 发票</Content><MsgId>7382910456123456800</MsgId><AgentID>1000002</AgentID></xml>",
            [app_event("7382910456123456800", text="报销 & 发票", segments=[{"type": "text", "text": "报销 & 发票"}],
                       message_id="7382910456123456800", ts=1718000010, sender="lisi")])

app_message("app-image", """<xml>
  <ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName>
  <FromUserName><![CDATA[zhangsan]]></FromUserName>
  <CreateTime>1718000100</CreateTime>
  <MsgType><![CDATA[image]]></MsgType>
  <PicUrl><![CDATA[https://wework.qpic.cn/wwpic/123456_abcdef/0]]></PicUrl>
  <MediaId><![CDATA[2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0]]></MediaId>
  <MsgId>7382910456123456790</MsgId>
  <AgentID>1000002</AgentID>
</xml>""", [app_event("7382910456123456790", segments=[{"type": "image", "media_id": "2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0",
            "url": "https://wework.qpic.cn/wwpic/123456_abcdef/0"}], message_id="7382910456123456790", ts=1718000100)])

app_message("app-voice", "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            "<CreateTime>1718000200</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[1J03FqvqN_voice_media]]></MediaId>"
            "<Format><![CDATA[amr]]></Format><Recognition><![CDATA[明天上午开会吗]]></Recognition><MsgId>7382910456123456791</MsgId>"
            "<AgentID>1000002</AgentID></xml>",
            [app_event("7382910456123456791", text="明天上午开会吗", segments=[{"type": "audio", "media_id": "1J03FqvqN_voice_media",
             "transcript": "明天上午开会吗"}], message_id="7382910456123456791", ts=1718000200)])

app_message("app-location", "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            "<CreateTime>1718000300</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>39.9087</Location_X>"
            "<Location_Y>116.3975</Location_Y><Scale>15</Scale><Label><![CDATA[北京市东城区天安门]]></Label>"
            "<MsgId>7382910456123456792</MsgId><AgentID>1000002</AgentID></xml>",
            [app_event("7382910456123456792", text="北京市东城区天安门", segments=[{"type": "link", "url": "geo:39.9087,116.3975",
             "title": "北京市东城区天安门"}], message_id="7382910456123456792", ts=1718000300)])

app_message("app-link", "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            "<CreateTime>1718000400</CreateTime><MsgType><![CDATA[link]]></MsgType><Title><![CDATA[差旅报销制度]]></Title>"
            "<Description><![CDATA[2024 年修订版]]></Description><Url><![CDATA[https://intranet.example.com/policy/travel]]></Url>"
            "<PicUrl><![CDATA[https://intranet.example.com/p.png]]></PicUrl><MsgId>7382910456123456793</MsgId><AgentID>1000002</AgentID></xml>",
            [app_event("7382910456123456793", text="差旅报销制度\n2024 年修订版\nhttps://intranet.example.com/policy/travel",
             segments=[{"type": "link", "url": "https://intranet.example.com/policy/travel", "title": "差旅报销制度"}],
             message_id="7382910456123456793", ts=1718000400)])

def app_event_xml(event, key="", ts=1718000500):
    return (f"<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey><AgentID>1000002</AgentID></xml>")

app_message("app-event-enter-agent", app_event_xml("enter_agent"), [app_event("zhangsan:1718000500:enter_agent", kind="enter_chat", ts=1718000500)])
app_message("app-event-click", app_event_xml("click", "MENU_LEAVE_BALANCE", 1718000600),
            [app_event("zhangsan:1718000600:click", kind="menu_click", text="MENU_LEAVE_BALANCE", ts=1718000600)])
# Acknowledged and ignored: an event and a message kind the adapter does not handle.
app_message("app-event-unknown", app_event_xml("batch_job_result", ts=1718000700), [])
app_message("app-unknown-type", "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"
            "<CreateTime>1718000800</CreateTime><MsgType><![CDATA[miniprogram]]></MsgType><MsgId>7382910456123456794</MsgId>"
            "<AgentID>1000002</AgentID></xml>", [])

# Negative cases.
enc = encrypt(text_xml.encode(), CORP)
bad = sign(enc)
bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
case("app-wrong-signature", APP, query=signed_query(enc, signature=bad), body=envelope(enc),
     response={"status": 401, "body": "signature mismatch: check the bot's token"})
case("app-stale-timestamp", APP, query=signed_query(enc, ts=NOW - 3600), body=envelope(enc),
     response={"status": 401, "body": "stale timestamp: more than 300 s from server time"})
other = encrypt(text_xml.encode(), "wwWRONG")
case("app-wrong-receiveid", APP, query=signed_query(other), body=envelope(other),
     response={"status": 401, "body": "the message is encrypted for another corp: check corp_id"})
corrupt = "%%%" + enc[3:]
case("app-corrupted-base64", APP, query=signed_query(corrupt), body=envelope(corrupt),
     response={"status": 400, "body": "cannot decrypt the message: check encoding_aes_key"})
truncated = base64.b64encode(base64.b64decode(enc)[:-7]).decode()
case("app-truncated-ciphertext", APP, query=signed_query(truncated), body=envelope(truncated),
     response={"status": 400, "body": "cannot decrypt the message: check encoding_aes_key"})
raw = b"0123456789abcdef" + struct.pack(">I", 4) + b"abcd" + CORP.encode()
badpad = base64.b64encode(aes(raw + bytes([0]) * (64 - len(raw)))).decode()
case("app-bad-padding", APP, query=signed_query(badpad), body=envelope(badpad),
     response={"status": 400, "body": "cannot decrypt the message: check encoding_aes_key"})
# A correctly signed and encrypted message whose XML declares an external entity.
xxe = app_message("app-xxe", '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>'
                  'wwfa6c0ffee1234567</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1718000000</CreateTime>'
                  '<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId><AgentID>1000002</AgentID></xml>', None,
                  response={"status": 400, "body": "the decrypted message is not WeCom XML: XML with a document type or entity declaration is refused"})
# Billion laughs in the envelope itself.
laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) +
          f']><xml><ToUserName>{CORP}</ToUserName><Encrypt>&lol9;</Encrypt></xml>').encode()
case("app-billion-laughs", APP, query=signed_query("x"), body=laughs,
     response={"status": 400, "body": "XML with a document type or entity declaration is refused"})
oversized = envelope(enc).replace(b"<AgentID>", b"<Padding>" + b"A" * (70 * 1024) + b"</Padding><AgentID>")
case("app-oversized", APP, query=signed_query(enc), body=oversized, response={"status": 413, "body": "body larger than 65536 bytes"})

# ---------------------------------------------------------------- AI bot (JSON, streamed)

def aibot_message(name, obj, events, ack, plain=None):
    plain = plain or compact(obj).encode()
    enc = encrypt(plain, "", b"0123456789abcdef")
    body = json.dumps({"encrypt": enc}).encode()
    case(name, AIBOT, query=signed_query(enc), body=body, events=events,
         response={"status": 200, "body": sealed_reply(ack)} if ack is not None else None, content_type="application/json")
    return enc

def frame(stream_id, content="正在思考…", finish=False):
    return {"msgtype": "stream", "stream": {"id": stream_id, "finish": finish, "content": content}}

def aibot_event(msgid, text, segments, chat=None, ts=NOW, sender="zhangsan", response_url=None, stream_ts=None, kind="message"):
    group = chat is not None
    event = {"id": f"{AIBOT}:{msgid}", "platform": "wecom", "bot": AIBOT, "kind": kind,
             "conversation": {"id": chat if group else sender, "type": "group" if group else "direct"},
             "sender": {"id": sender, "is_bot": False}, "text": text, "mentions_bot": group,
             "mentions": [{"id": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "name": "AI助手", "is_bot": True}] if group else [],
             "segments": segments, "message_id": msgid, "timestamp": ts * 1000,
             "reply_address": {"stream_id": f"{ts if stream_ts is None else stream_ts}-{msgid}"} if kind == "message" else {}}
    if response_url:
        event["reply_address"]["response_url"] = response_url
    return event

RESPONSE_URL = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE"
aibot_echo = encrypt(b"8713452678653921067", "", b"fedcba9876543210")
case("aibot-url-verification", AIBOT, method="GET", query=signed_query(aibot_echo) + [("echostr", quote(aibot_echo))],
     response={"status": 200, "body": "8713452678653921067"})

# The §6.1 AI-bot vector, byte for byte. It has no create_time: the event's time is the time of
# receipt, and the stream id is `-<msgid>`, so that a redelivery is acked with the same stream.
vector = ('{"msgid":"f3d2a1b0c9e8d7c6b5a4f3e2d1c0b9a8","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w",'
          '"chattype":"group","from":{"userid":"zhangsan"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE",'
          '"msgtype":"text","text":{"content":"@AI助手 今天北京天气怎么样"}}')
msgid = "f3d2a1b0c9e8d7c6b5a4f3e2d1c0b9a8"
enc = aibot_message("aibot-group-text", None, [aibot_event(msgid, "今天北京天气怎么样", [{"type": "text", "text": "今天北京天气怎么样"}],
                    chat="wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w", response_url=RESPONSE_URL, stream_ts="")], frame(f"-{msgid}"), plain=vector.encode())
assert sign(enc) == "450c7d0546cc053246fdb110812969a5be5fa496", "§6.1 AI-bot vector"

single = {"msgid": "a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
          "from": {"userid": "lisi"}, "create_time": 1717999990, "response_url": RESPONSE_URL, "msgtype": "text",
          "text": {"content": "帮我写一份周报提纲"}}
aibot_message("aibot-single-text", single, [aibot_event(single["msgid"], "帮我写一份周报提纲", [{"type": "text", "text": "帮我写一份周报提纲"}],
              ts=1717999990, sender="lisi", response_url=RESPONSE_URL)], frame(f"1717999990-{single['msgid']}"))

mixed = {"msgid": "c1c2c3c4c5c6c7c8c9c0d1d2d3d4d5d6", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chatid": "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w",
         "chattype": "group", "from": {"userid": "zhangsan"}, "create_time": 1717999995, "response_url": RESPONSE_URL, "msgtype": "mixed",
         "mixed": {"msg_item": [{"msgtype": "text", "text": {"content": "@AI助手 这张图里是什么？"}},
                                {"msgtype": "image", "image": {"url": "https://ww-aibot-img.example.com/enc/abc123"}}]}}
aibot_message("aibot-mixed", mixed, [aibot_event(mixed["msgid"], "这张图里是什么？", [{"type": "text", "text": "这张图里是什么？"},
              {"type": "image", "url": "https://ww-aibot-img.example.com/enc/abc123"}], chat=mixed["chatid"], ts=1717999995,
              response_url=RESPONSE_URL)], frame(f"1717999995-{mixed['msgid']}"))

image = {"msgid": "e1e2e3e4e5e6e7e8e9e0f1f2f3f4f5f6", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
         "from": {"userid": "zhangsan"}, "create_time": 1717999996, "msgtype": "image", "image": {"url": "https://ww-aibot-img.example.com/enc/def456"}}
aibot_message("aibot-image", image, [aibot_event(image["msgid"], "", [{"type": "image", "url": "https://ww-aibot-img.example.com/enc/def456"}],
              ts=1717999996)], frame(f"1717999996-{image['msgid']}"))

voice = {"msgid": "0a0b0c0d0e0f1a1b1c1d1e1f2a2b2c2d", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
         "from": {"userid": "zhangsan"}, "create_time": 1717999997, "msgtype": "voice", "voice": {"content": "今天有什么会议"}}
aibot_message("aibot-voice", voice, [aibot_event(voice["msgid"], "今天有什么会议", [{"type": "audio", "transcript": "今天有什么会议"}],
              ts=1717999997)], frame(f"1717999997-{voice['msgid']}"))

file = {"msgid": "9f9e9d9c9b9a8f8e8d8c8b8a7f7e7d7c", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
        "from": {"userid": "zhangsan"}, "create_time": 1717999998, "msgtype": "file", "file": {"url": "https://ww-aibot-file.example.com/enc/ghi789"}}
aibot_message("aibot-file", file, [aibot_event(file["msgid"], "", [{"type": "file", "url": "https://ww-aibot-file.example.com/enc/ghi789"}],
              ts=1717999998)], frame(f"1717999998-{file['msgid']}"))

# Quotes (§1c.1 `quote`): content only, no id of the quoted message. In a group, @bot quoting a
# colleague; in a single chat, quoting the bot's own (mixed) answer.
quoting = {"msgid": "q1q2q3q4q5q6q7q8q9q0r1r2r3r4r5r6", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chatid": "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w",
           "chattype": "group", "from": {"userid": "zhangsan"}, "create_time": 1717999999, "response_url": RESPONSE_URL, "msgtype": "text",
           "text": {"content": "@AI助手 这个说法对吗？"}, "quote": {"msgtype": "text", "text": {"content": "下周二全员上线新系统"}}}
quote_event = aibot_event(quoting["msgid"], "这个说法对吗？", [{"type": "quote", "text": "下周二全员上线新系统"}, {"type": "text", "text": "这个说法对吗？"}],
                          chat=quoting["chatid"], ts=1717999999, response_url=RESPONSE_URL)
quote_event["quote"] = "下周二全员上线新系统"
aibot_message("aibot-group-quote", quoting, [quote_event], frame(f"1717999999-{quoting['msgid']}"))
quoting_bot = {"msgid": "s1s2s3s4s5s6s7s8s9s0t1t2t3t4t5t6", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
               "from": {"userid": "lisi"}, "create_time": 1717999999, "msgtype": "text", "text": {"content": "第二条展开说说"},
               "quote": {"msgtype": "mixed", "mixed": {"msg_item": [{"msgtype": "text", "text": {"content": "周报提纲：\n1. 本周进展\n2. 下周计划"}},
                                                                     {"msgtype": "image", "image": {"url": "https://ww-aibot-img.example.com/enc/q1"}}]}}}
quote_bot_event = aibot_event(quoting_bot["msgid"], "第二条展开说说",
                              [{"type": "quote", "text": "周报提纲：\n1. 本周进展\n2. 下周计划"}, {"type": "text", "text": "第二条展开说说"}],
                              ts=1717999999, sender="lisi")
quote_bot_event["quote"] = "周报提纲：\n1. 本周进展\n2. 下周计划"
aibot_message("aibot-single-quote-bot-answer", quoting_bot, [quote_bot_event], frame(f"1717999999-{quoting_bot['msgid']}"))

enter = {"msgid": "ev1718000300", "create_time": 1718000300 - 400, "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
         "from": {"userid": "zhangsan"}, "msgtype": "event", "event": {"eventtype": "enter_chat"}}
aibot_message("aibot-event-enter-chat", enter, [aibot_event("ev1718000300", "", [], ts=1718000300 - 400, kind="enter_chat")], {})

# A refresh poll for an answer not started yet (no store here): the thinking frame.
poll = {"msgid": "a1b2c3d4e5f6", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single", "from": {"userid": "lisi"},
        "msgtype": "stream", "stream": {"id": f"1717999990-{single['msgid']}"}}
aibot_message("aibot-stream-poll", poll, None, frame(f"1717999990-{single['msgid']}"))
# A poll for a stream this bot never made: finished and empty, so WeCom stops asking.
unknown = dict(poll, msgid="a1b2c3d4e5f7", stream={"id": "stream_7f3c9e2a"})
aibot_message("aibot-stream-poll-unknown", unknown, None, frame("stream_7f3c9e2a", "", True))

# Negative cases.
enc = encrypt(compact(single).encode(), "")
bad = sign(enc)
bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
case("aibot-wrong-signature", AIBOT, query=signed_query(enc, signature=bad), body=json.dumps({"encrypt": enc}).encode(),
     response={"status": 401, "body": "signature mismatch: check the bot's token"}, content_type="application/json")
corrupt = "!!" + enc[2:]
case("aibot-corrupted-base64", AIBOT, query=signed_query(corrupt), body=json.dumps({"encrypt": corrupt}).encode(),
     response={"status": 400, "body": "cannot decrypt the message: check encoding_aes_key"}, content_type="application/json")
case("aibot-not-json", AIBOT, query=signed_query(enc), body=b"encrypt=" + enc.encode(),
     response={"status": 401, "body": "no signed encrypt field in the body"}, content_type="application/json")


# ── The AI bot's long connection (platforms-2.md §2.4): frames as WeCom pushes them, golden events
# written from the rules (id = bot:msgid, the push's req_id kept for the reply, group @-prefix cut).
def ws_case(name, frame, events, reply=None):
    os.makedirs(name)
    open(f"{name}/frame.json", "w").write(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
    open(f"{name}/request.json", "w").write(dump({"bot": AIBOT_WS, "now": 1718000000, "body_file": "frame.json", "stream_frame": True}))
    open(f"{name}/events.json", "w").write(dump(events))
    response = {"status": 200}
    if reply is not None: response["body"] = reply
    open(f"{name}/response.json", "w").write(dump(response))

ws_push = {"cmd": "aibot_msg_callback", "headers": {"req_id": "REQ_ID_FROM_SERVER"},
           "body": {"msgid": "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012",
                    "chatid": "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w", "chattype": "group", "from": {"userid": "zhangsan"},
                    "create_time": 1718000000, "msgtype": "text", "text": {"content": "@AI助手 今天北京天气怎么样"}}}
ws_case("aibot-ws-group-text-frame", ws_push, [{
    "id": f"{AIBOT_WS}:CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", "platform": "wecom", "bot": AIBOT_WS, "kind": "message",
    "conversation": {"id": "wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w", "type": "group"}, "sender": {"id": "zhangsan", "is_bot": False},
    "text": "今天北京天气怎么样", "mentions_bot": True,
    "mentions": [{"id": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "name": "AI助手", "is_bot": True}],
    "segments": [{"type": "text", "text": "今天北京天气怎么样"}], "message_id": "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=",
    "timestamp": 1718000000000,
    "reply_address": {"stream_id": "1718000000-CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=", "req_id": "REQ_ID_FROM_SERVER"}}])
# An image over the long connection carries its own per-URL aeskey (platforms-2.md §4.2; the key of §5.2).
ws_image = {"cmd": "aibot_msg_callback", "headers": {"req_id": "REQ_ID_IMAGE"},
            "body": {"msgid": "CAIQ-image-0001", "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
                     "from": {"userid": "zhangsan"}, "create_time": 1718000100, "msgtype": "image",
                     "image": {"url": "https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/BHgsdbIp/7Ac3vd4f", "aeskey": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"}}}
ws_case("aibot-ws-image-frame", ws_image, [{
    "id": f"{AIBOT_WS}:CAIQ-image-0001", "platform": "wecom", "bot": AIBOT_WS, "kind": "message",
    "conversation": {"id": "zhangsan", "type": "direct"}, "sender": {"id": "zhangsan", "is_bot": False},
    "text": "", "mentions_bot": False, "mentions": [],
    "segments": [{"type": "image", "url": "https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/BHgsdbIp/7Ac3vd4f",
                  "decryption_key": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"}],
    "message_id": "CAIQ-image-0001", "timestamp": 1718000100000,
    "reply_address": {"stream_id": "1718000100-CAIQ-image-0001", "req_id": "REQ_ID_IMAGE"}}])
ws_enter = {"cmd": "aibot_event_callback", "headers": {"req_id": "REQ_ID_EVENT"},
            "body": {"msgid": "CAIQ-enter-0001", "create_time": 1718000300, "aibotid": "aibAbCdEfGhIjKlMnOpQrStUvWxYz012", "chattype": "single",
                     "from": {"userid": "zhangsan", "corpid": "wpxxxx"}, "msgtype": "event", "event": {"eventtype": "enter_chat"}}}
ws_case("aibot-ws-enter-chat-frame", ws_enter, [{
    "id": f"{AIBOT_WS}:CAIQ-enter-0001", "platform": "wecom", "bot": AIBOT_WS, "kind": "enter_chat",
    "conversation": {"id": "zhangsan", "type": "direct"}, "sender": {"id": "zhangsan", "is_bot": False}, "text": "",
    "mentions_bot": False, "mentions": [], "segments": [], "message_id": "CAIQ-enter-0001", "timestamp": 1718000300000,
    "reply_address": {"req_id": "REQ_ID_EVENT"}}],
    reply=json.dumps({"body": {"msgtype": "text", "text": {"content": "你好，我是 AI 助手"}}, "cmd": "aibot_respond_welcome_msg",
                      "headers": {"req_id": "REQ_ID_EVENT"}}, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
ws_case("aibot-ws-ping-ack-frame", {"headers": {"req_id": "ping_1718000030000_0f1e2d3c"}, "errcode": 0, "errmsg": "ok"}, [])
