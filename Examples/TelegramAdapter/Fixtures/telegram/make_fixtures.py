"""Regenerates the Telegram adapter's fixture cases in this folder.

Updates are the Bot API's real shapes (https://core.telegram.org/bots/api#update); the golden events
are written here from the adapter's rules, independently of the Swift code under test: the event id
is "<bot>:<update_id>", offsets of entities count UTF-16 units, the bot's @mention is cut from the
text, /command@bot becomes /command, a reply to the bot's message counts as addressed.
Run: python3 Fixtures/telegram/make_fixtures.py
"""
import json, os
os.chdir(os.path.dirname(os.path.abspath(__file__)))

BOT = "telegram-main"
TOKEN = "7000000001:AAfixture-token-not-real"
BOT_ID = 7000000001
USERNAME = "switchboard_fixture_bot"
SECRET = "fixture-telegram-secret"
NOW = 1733140860
DATE = 1733140800

def dump(obj): return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
open("keys.json", "w").write(dump({
    "bot": BOT, "body_signed": False, "signed_part": "header:X-Telegram-Bot-Api-Secret-Token",
    "config": {"platform": "telegram", "bot_token": TOKEN, "secret_token": SECRET, "bot_username": USERNAME, "api_base": "http://127.0.0.1:9"}}))

def u16(text): return len(text.encode("utf-16-le")) // 2

def case(name, update, events=None, status=200, body=None, secret=SECRET, raw=None):
    os.makedirs(name, exist_ok=True)
    headers = {"Content-Type": "application/json"}
    if secret is not None: headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = raw if raw is not None else json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()
    open(f"{name}/body.json", "wb").write(data)
    open(f"{name}/request.json", "w").write(dump({"method": "POST", "url": f"/webhooks/{BOT}", "headers": headers, "now": NOW, "body_file": "body.json"}))
    response = {"status": status}
    if body is not None: response["body"] = body
    open(f"{name}/response.json", "w").write(dump(response))
    if events is not None: open(f"{name}/events.json", "w").write(dump(events))

LI = {"id": 7261534098, "is_bot": False, "first_name": "Li", "last_name": "Wei", "username": "liwei_dev", "language_code": "zh-hans"}
ZHANG = {"id": 5120033417, "is_bot": False, "first_name": "张三", "language_code": "zh-hans"}
BOTUSER = {"id": BOT_ID, "is_bot": True, "first_name": "Switchboard", "username": USERNAME}
PRIVATE = {"id": 7261534098, "first_name": "Li", "last_name": "Wei", "username": "liwei_dev", "type": "private"}
GROUP = {"id": -4012345678, "title": "运维群", "type": "group"}
FORUM = {"id": -1002233445566, "title": "Platform team", "is_forum": True, "type": "supergroup"}
BOT_P = {"id": str(BOT_ID), "name": USERNAME, "is_bot": True}

def event(update_id, message, conversation, sender, text, mentions_bot, segments, mentions=(), address=None):
    e = {"id": f"{BOT}:{update_id}", "platform": "telegram", "bot": BOT, "kind": "message",
         "conversation": conversation, "sender": sender, "text": text, "mentions_bot": mentions_bot,
         "mentions": list(mentions), "segments": segments, "message_id": str(message["message_id"]),
         "timestamp": message["date"] * 1000,
         "reply_address": address or {"chat_id": str(message["chat"]["id"]), "message_id": str(message["message_id"])}}
    quoted = message.get("reply_to_message")
    if quoted:
        e["reply_to"] = str(quoted["message_id"])
        if quoted.get("text") or quoted.get("caption"):
            e["quote"] = quoted.get("text") or quoted.get("caption")
    return e

li = {"id": "7261534098", "name": "Li Wei", "is_bot": False}
zhang = {"id": "5120033417", "name": "张三", "is_bot": False}

# 1. A private chat: always addressed.
m = {"message_id": 112, "from": LI, "chat": PRIVATE, "date": DATE, "text": "年假怎么申请？"}
case("private-text", {"update_id": 640000101, "message": m},
     [event(640000101, m, {"id": "7261534098", "type": "direct"}, li, "年假怎么申请？", True, [{"type": "text", "text": "年假怎么申请？"}])])

# 2. A group @-mention after an emoji: the entity offset counts UTF-16 units (👋 is two).
text = f"👋 @{USERNAME} 帮我看看这个报错"
m = {"message_id": 4821, "from": ZHANG, "chat": GROUP, "date": DATE, "text": text,
     "entities": [{"offset": u16("👋 "), "length": u16("@" + USERNAME), "type": "mention"}]}
mention_case = {"update_id": 640000102, "message": m}
golden = [event(640000102, m, {"id": "-4012345678", "type": "group", "title": "运维群"}, zhang, "👋 帮我看看这个报错", True,
                [{"type": "text", "text": "👋"}, dict(BOT_P, type="mention"), {"type": "text", "text": "帮我看看这个报错"}], [BOT_P])]
case("group-mention", mention_case, golden)
# 3. The same update again (a redelivery): the same event id, so it is dropped as a duplicate.
case("redelivery", mention_case, golden)

# 4. /reset@bot in a group: addressed, and read as /reset (the built-in command).
text = f"/reset@{USERNAME}"
m = {"message_id": 4822, "from": ZHANG, "chat": GROUP, "date": DATE, "text": text,
     "entities": [{"offset": 0, "length": u16(text), "type": "bot_command"}]}
case("group-command", {"update_id": 640000103, "message": m},
     [event(640000103, m, {"id": "-4012345678", "type": "group", "title": "运维群"}, zhang, "/reset", True, [{"type": "text", "text": "/reset"}])])

# 5. A command for another bot in the same group: not addressed to this one.
text = "/start@other_helper_bot"
m = {"message_id": 4823, "from": ZHANG, "chat": GROUP, "date": DATE, "text": text,
     "entities": [{"offset": 0, "length": u16(text), "type": "bot_command"}]}
case("command-for-another-bot", {"update_id": 640000104, "message": m},
     [event(640000104, m, {"id": "-4012345678", "type": "group", "title": "运维群"}, zhang, text, False, [{"type": "text", "text": text}])])

# 6. A reply to the bot's own message, without @: addressed; the quoted text is a segment.
m = {"message_id": 4830, "from": ZHANG, "chat": GROUP, "date": DATE, "text": "那周末呢？",
     "reply_to_message": {"message_id": 4825, "from": BOTUSER, "chat": GROUP, "date": DATE - 60, "text": "工作日 9:00–18:00 有人值班。"}}
case("reply-to-bot", {"update_id": 640000105, "message": m},
     [event(640000105, m, {"id": "-4012345678", "type": "group", "title": "运维群"}, zhang, "那周末呢？", True,
            [{"type": "quote", "text": "工作日 9:00–18:00 有人值班。", "message_id": "4825"}, {"type": "text", "text": "那周末呢？"}])])

# 7. A forum topic: message_thread_id is the thread, and kept for the answer.
text = f"@{USERNAME} 这个服务怎么部署？"
m = {"message_id": 9120, "message_thread_id": 77, "is_topic_message": True, "from": LI, "chat": FORUM, "date": DATE, "text": text,
     "entities": [{"offset": 0, "length": u16("@" + USERNAME), "type": "mention"}]}
case("forum-topic", {"update_id": 640000106, "message": m},
     [event(640000106, m, {"id": "-1002233445566", "type": "group", "title": "Platform team", "thread": "77"}, li, "这个服务怎么部署？", True,
            [dict(BOT_P, type="mention"), {"type": "text", "text": "这个服务怎么部署？"}], [BOT_P],
            {"chat_id": "-1002233445566", "message_id": "9120", "message_thread_id": "77"})])

# 8. A photo with a caption: the largest size's file_id, the caption as text.
m = {"message_id": 4840, "from": ZHANG, "chat": GROUP, "date": DATE, "caption": f"@{USERNAME} 这个弹窗什么意思",
     "caption_entities": [{"offset": 0, "length": u16("@" + USERNAME), "type": "mention"}],
     "photo": [{"file_id": "AgACAgUAAxkBAAIBsmall", "file_unique_id": "AQADsmall", "file_size": 1843, "width": 90, "height": 60},
               {"file_id": "AgACAgUAAxkBAAIBlarge", "file_unique_id": "AQADlarge", "file_size": 88213, "width": 1280, "height": 853}]}
case("photo-caption", {"update_id": 640000107, "message": m},
     [event(640000107, m, {"id": "-4012345678", "type": "group", "title": "运维群"}, zhang, "这个弹窗什么意思", True,
            [{"type": "image", "media_id": "AgACAgUAAxkBAAIBlarge"}, dict(BOT_P, type="mention"), {"type": "text", "text": "这个弹窗什么意思"}], [BOT_P])])

# 9. An edit of an earlier message: acknowledged, not answered again.
m = {"message_id": 112, "from": LI, "chat": PRIVATE, "date": DATE, "edit_date": DATE + 30, "text": "年假怎么申请？（正式员工）"}
case("edited-message", {"update_id": 640000108, "edited_message": m}, [])

# 10. A wrong secret, and none: refused before the body is read.
case("wrong-secret", {"update_id": 640000109, "message": {"message_id": 1, "from": LI, "chat": PRIVATE, "date": DATE, "text": "hi"}},
     status=401, secret="not-the-configured-secret",
     body="X-Telegram-Bot-Api-Secret-Token does not match bots.telegram-main.secret_token")
case("missing-secret", {"update_id": 640000110, "message": {"message_id": 1, "from": LI, "chat": PRIVATE, "date": DATE, "text": "hi"}},
     status=401, secret=None,
     body="missing X-Telegram-Bot-Api-Secret-Token: call setWebhook with secret_token set to bots.telegram-main.secret_token")

# 11. A body that is not an Update.
case("malformed-json", None, status=400, raw=b'{"update_id": 640000111, "message": ', body="not a Telegram Update: malformed JSON")
