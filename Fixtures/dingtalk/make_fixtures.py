"""Regenerates the DingTalk adapter's fixture cases in this folder.

Signatures are computed here with Python's hmac, independently of the Swift code under test, as
platforms.md §3a says (base64 HMAC-SHA256, key = app secret, message = timestamp_ms + "\\n" +
secret); the script checks the §6.3 vector first. The group message is platforms.md §3a's sample;
the Stream frames follow §3d. DingTalk signs only the timestamp, not the body: "body_signed" is
false. Golden events are written from the wire rules in Adapters/DingTalk/README.md.
Run: python3 Fixtures/dingtalk/make_fixtures.py
"""
import base64, hashlib, hmac, json, os, shutil

os.chdir(os.path.dirname(os.path.abspath(__file__)))
SECRET = "fixtureAppSecret-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
APP_KEY = "dingf0apw4ibx5u5ktba"
TS = 1718000000123
HTTP, STREAM = "dingtalk-http", "dingtalk-stream"
BOT_USER = "$:LWCP_v1:$01B/44e/ph+R21B/X+43WLnAcUVO5BKL"
GROUP = "cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM="
SESSION = "https://oapi.dingtalk.com/robot/sendBySession?session=3dc9981636af125faaf72220d6242ff7"

def sign(ts=TS, secret=SECRET):
    return base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()

assert sign() == "jgi4rdC90fRLOhQioM+Mzev8QeMqmKMc9MxaJNw9SPQ=", "the §6.3 vector does not reproduce"

def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"

def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

for entry in os.listdir("."):
    if os.path.isdir(entry):
        shutil.rmtree(entry)

common = {"platform": "dingtalk", "app_key": APP_KEY, "app_secret": SECRET, "api_base": "http://127.0.0.1:9", "gateway_base": "http://127.0.0.1:9"}
keys = {"body_signed": False, "signed_part": {HTTP: "header:sign"}, "bots": {HTTP: dict(common, mode="http"), STREAM: dict(common, mode="stream")}}
open("keys.json", "w").write(dump(keys))

def case(name, bot, body, headers=None, events=None, response=None, frame=False, now=TS / 1000):
    os.makedirs(name)
    req = {"bot": bot, "now": now, "body_file": "frame.json" if frame else "body.json"}
    if frame:
        req["stream_frame"] = True
    else:
        req.update({"method": "POST", "url": f"/webhooks/{bot}",
                    "headers": headers if headers is not None else {"Content-Type": "application/json", "timestamp": str(TS), "sign": sign()}})
    open(f"{name}/{req['body_file']}", "wb").write(body)
    open(f"{name}/request.json", "w").write(dump(req))
    if events is not None:
        open(f"{name}/events.json", "w").write(dump(events))
    open(f"{name}/response.json", "w").write(dump(response or {"status": 200}))

# platforms.md §3a, as given.
group_text = {
    "conversationId": GROUP, "conversationType": "2", "conversationTitle": "产品研发群",
    "atUsers": [{"dingtalkId": BOT_USER, "staffId": ""}],
    "chatbotCorpId": "dinge19e25c0b3f73fd635c2f4657eb6378f", "chatbotUserId": BOT_USER,
    "msgId": "msgBjXREkdlZkfTfrIiQomjAw==", "senderNick": "张三", "isAdmin": False,
    "senderStaffId": "032615015535634423", "sessionWebhookExpiredTime": 1718005400188, "createAt": 1718000000000,
    "senderCorpId": "dinge19e25c0b3f73fd635c2f4657eb6378f", "senderId": "$:LWCP_v1:$gzXDEXQDiM8piyLH4HRRcg==",
    "isInAtList": True, "sessionWebhook": SESSION, "robotCode": APP_KEY,
    "msgtype": "text", "text": {"content": " 帮我总结一下今天的会议"},
}

def event(bot, msg, ctype, text, segments, title=None, mentions=(), mentions_bot=False, staff="032615015535634423", conversation=GROUP):
    conv = {"id": conversation, "type": ctype}
    if title:
        conv["title"] = title
    address = {"conversation_id": conversation, "conversation_type": "2" if ctype == "group" else "1",
               "session_webhook": SESSION, "session_webhook_expires": "1718005400188", "robot_code": APP_KEY}
    if staff:
        address["sender_staff_id"] = staff
    return {"id": f"{bot}:{msg}", "platform": "dingtalk", "bot": bot, "kind": "message", "conversation": conv,
            "sender": {"id": staff or "$:LWCP_v1:$gzXDEXQDiM8piyLH4HRRcg==", "name": "张三", "is_bot": False},
            "text": text, "mentions_bot": mentions_bot, "mentions": list(mentions), "segments": segments,
            "message_id": msg, "timestamp": 1718000000000, "reply_address": address}

BOT = {"id": BOT_USER, "is_bot": True}
GROUP_EVENT = event(HTTP, "msgBjXREkdlZkfTfrIiQomjAw==", "group", "帮我总结一下今天的会议",
                    [{"type": "text", "text": "帮我总结一下今天的会议"}], title="产品研发群", mentions=[BOT], mentions_bot=True)
case("http-group-at-text", HTTP, compact(group_text).encode(), events=[GROUP_EVENT])

DIRECT = "cidp2pXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX="
def direct(msg, **fields):
    body = {k: v for k, v in group_text.items() if k not in ("conversationTitle", "atUsers", "isInAtList")}
    body.update({"conversationId": DIRECT, "conversationType": "1", "msgId": msg, "isInAtList": False})
    body.update(fields)
    return body

case("http-direct-text", HTTP, compact(direct("msgDirect001", text={"content": "年假怎么申请？"})).encode(),
     events=[event(HTTP, "msgDirect001", "direct", "年假怎么申请？", [{"type": "text", "text": "年假怎么申请？"}], conversation=DIRECT)])
rich = direct("msgRich001", msgtype="richText", content={"richText": [{"text": "请看这张图："}, {"pictureDownloadCode": "pic-code-1", "downloadCode": "dl-code-1", "type": "picture"}, {"text": "谢谢"}]})
rich.pop("text")
case("http-rich-text", HTTP, compact(rich).encode(),
     events=[event(HTTP, "msgRich001", "direct", "请看这张图：\n谢谢",
                   [{"type": "text", "text": "请看这张图："}, {"type": "image", "media_id": "dl-code-1"}, {"type": "text", "text": "谢谢"}], conversation=DIRECT)])
picture = direct("msgPic001", msgtype="picture", content={"downloadCode": "dl-pic-2", "pictureDownloadCode": "pic-2"})
picture.pop("text")
case("http-picture", HTTP, compact(picture).encode(),
     events=[event(HTTP, "msgPic001", "direct", "", [{"type": "image", "media_id": "dl-pic-2"}], conversation=DIRECT)])
audio = direct("msgAudio001", msgtype="audio", content={"duration": 3000, "downloadCode": "dl-audio-3", "recognition": "明天几点开会"})
audio.pop("text")
case("http-audio", HTTP, compact(audio).encode(),
     events=[event(HTTP, "msgAudio001", "direct", "明天几点开会", [{"type": "audio", "media_id": "dl-audio-3", "transcript": "明天几点开会"}], conversation=DIRECT)])
file = direct("msgFile001", msgtype="file", content={"downloadCode": "dl-file-4", "fileName": "季度报告.pdf", "spaceId": "21857", "fileId": "157463"})
file.pop("text")
case("http-file", HTTP, compact(file).encode(),
     events=[event(HTTP, "msgFile001", "direct", "", [{"type": "file", "media_id": "dl-file-4", "name": "季度报告.pdf"}], conversation=DIRECT)])
unknown = direct("msgCard001", msgtype="interactiveCard", content={"cardTemplateId": "x"})
unknown.pop("text")
case("http-unknown-type", HTTP, compact(unknown).encode(), events=[])

# Quotes (platforms-2.md §4: `text.isReplyMsg` + `text.repliedMsg.{msgId,msgType,content}` [3P]).
# In a group: @bot while quoting a colleague — reply_to and the quoted text.
quoting = dict(group_text, msgId="msgQuote001", text={"content": " 这个时间来得及吗？", "isReplyMsg": True,
               "repliedMsg": {"msgId": "msgColleague001", "msgType": "text", "senderId": "$:LWCP_v1:$colleague==", "content": {"text": "下周二上线"}}})
quote_event = event(HTTP, "msgQuote001", "group", "这个时间来得及吗？", [{"type": "text", "text": "这个时间来得及吗？"}],
                    title="产品研发群", mentions=[BOT], mentions_bot=True)
quote_event.update({"reply_to": "msgColleague001", "quote": "下周二上线"})
case("http-group-at-quoting-text", HTTP, compact(quoting).encode(), events=[quote_event])
# In a direct chat: a reply to the bot's own answer, its content as a JSON string (parsed defensively).
reply = direct("msgReply001", text={"content": "第二点再展开说说", "isReplyMsg": True,
               "repliedMsg": {"msgId": "msgBotAnswer001", "msgType": "markdown", "content": compact({"text": "1. 先申请\n2. 再审批"})}})
reply_event = event(HTTP, "msgReply001", "direct", "第二点再展开说说", [{"type": "text", "text": "第二点再展开说说"}], conversation=DIRECT)
reply_event.update({"reply_to": "msgBotAnswer001", "quote": "1. 先申请\n2. 再审批"})
case("http-direct-reply-to-bot", HTTP, compact(reply).encode(), events=[reply_event])

# Negatives.
case("http-wrong-sign", HTTP, compact(group_text).encode(),
     headers={"Content-Type": "application/json", "timestamp": str(TS), "sign": sign(secret="not-the-secret")},
     response={"status": 401, "body": "sign mismatch: check the bot's app_secret"})
old = TS - 2 * 3600 * 1000
case("http-stale-timestamp", HTTP, compact(group_text).encode(),
     headers={"Content-Type": "application/json", "timestamp": str(old), "sign": sign(ts=old)},
     response={"status": 401, "body": "stale timestamp: more than 3600 s from server time; check the clocks"})
case("http-not-json", HTTP, b"hello, not json", response={"status": 400, "body": "the body is not DingTalk's robot message JSON"})

# Stream frames (platforms.md §3d).
def ack(message_id, data, message="OK"):
    return json.dumps({"code": 200, "data": data, "headers": {"contentType": "application/json", "messageId": message_id}, "message": message},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)

callback = {"specVersion": "1.0", "type": "CALLBACK",
            "headers": {"appId": "fake-app-id", "connectionId": "c0ffee-conn", "contentType": "application/json", "messageId": "7e1a-42f0-b3c9",
                        "time": "1718000000123", "topic": "/v1.0/im/bot/messages/get"},
            "data": compact(group_text)}
stream_event = dict(GROUP_EVENT, id=f"{STREAM}:msgBjXREkdlZkfTfrIiQomjAw==", bot=STREAM)
case("stream-callback-frame", STREAM, compact(callback).encode(), frame=True, events=[stream_event],
     # Acked as the official SDK acks a message its handler took (docs/parity.md).
     response={"status": 200, "body": ack("7e1a-42f0-b3c9", '{"response":"OK"}', message="")})
# A click on an AI card's button: the CALLBACK topic /v1.0/card/instances/callback, its data the
# dingtalk-stream SDK's CardCallbackMessage (content and value are JSON strings).
clicked = {"cardPrivateData": {"actionIds": ["stop_button"], "params": {"action": "stop"}}}
card_callback = {"extension": "{}", "corpId": "dinge19e25c0b3f73fd635c2f4657eb6378f", "spaceType": "IM_GROUP", "userIdType": 1,
                 "type": "actionCallback", "userId": "032615015535634423", "content": compact(clicked), "spaceId": GROUP,
                 "outTrackId": "53d6dda444c74f5f17bf4534333c1a46", "value": compact(clicked)}
def card_frame(data, message_id="card-cb-1"):
    return {"specVersion": "1.0", "type": "CALLBACK",
            "headers": {"appId": "fake-app-id", "connectionId": "c0ffee-conn", "contentType": "application/json", "messageId": message_id,
                        "time": "1718000000123", "topic": "/v1.0/card/instances/callback"},
            "data": compact(data)}
card_event = {"id": f"{STREAM}:card:card-cb-1", "platform": "dingtalk", "bot": STREAM, "kind": "card_action",
              "conversation": {"id": GROUP, "type": "group"}, "sender": {"id": "032615015535634423", "is_bot": False},
              "text": json.dumps(clicked["cardPrivateData"], ensure_ascii=False, separators=(",", ":"), sort_keys=True),
              "mentions_bot": False, "mentions": [], "segments": [],
              "timestamp": 1718000000123,
              "reply_address": {"out_track_id": "53d6dda444c74f5f17bf4534333c1a46", "conversation_type": "2", "conversation_id": GROUP,
                                "sender_staff_id": "032615015535634423"}}
case("stream-card-callback-frame", STREAM, compact(card_frame(card_callback)).encode(), frame=True, events=[card_event],
     response={"status": 200, "body": ack("card-cb-1", '{"response":null}')})
no_track = {k: v for k, v in card_callback.items() if k != "outTrackId"}
case("stream-card-callback-no-track-frame", STREAM, compact(card_frame(no_track, "card-cb-2")).encode(), frame=True,
     response={"status": 400, "body": "the card callback has no outTrackId"})
ping = {"specVersion": "1.0", "type": "SYSTEM", "headers": {"messageId": "ping-1", "topic": "ping", "contentType": "application/json"}, "data": "{\"opaque\":\"8c0d\"}"}
case("stream-ping-frame", STREAM, compact(ping).encode(), frame=True, events=[],
     response={"status": 200, "body": ack("ping-1", "{\"opaque\":\"8c0d\"}")})
disconnect = {"specVersion": "1.0", "type": "SYSTEM", "headers": {"messageId": "dis-1", "topic": "disconnect", "contentType": "application/json"}, "data": "{}"}
case("stream-disconnect-frame", STREAM, compact(disconnect).encode(), frame=True, events=[],
     response={"status": 200, "body": ack("dis-1", "")})
case("stream-not-json-frame", STREAM, b"not a frame", frame=True,
     response={"status": 400, "body": "not a DingTalk Stream frame: expected JSON with type, headers and data"})
print("ok")
