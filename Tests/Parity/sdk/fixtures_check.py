"""Opens every signed or encrypted webhook case in Fixtures/ with the platform's own code, and the
sealed answers Switchboard gave to them (Fixtures/<platform>/<case>/response.json).

Usage: fixtures_check.py FIXTURES_DIR
Prints one JSON object a line: {"case", "verifier", "verdict": "opened"|"refused", "reason",
"plaintext", "answer": {"verdict", "plaintext"} or null}.

- WeCom app and AI bot: wechatpy's WeChatCrypto (signature, then AES with the receive id: the
  corp id for an app, "" for an AI bot) — the JSON AI-bot envelope is handed to the same
  _decrypt_message as a dict, as wechatpy's own XML is once parsed.
- Feishu: lark-oapi's EventDispatcherHandler.do — token, decryption and signature exactly as the
  SDK's webhook handler runs them, with a processor for each event type so that it answers 200.
- DingTalk HTTP: no DingTalk SDK checks a webhook's sign; it is computed here as DingTalk's
  documentation gives it (base64 HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret).
"""
import base64
import hashlib
import hmac
import json
import logging
import os
import sys
from urllib.parse import parse_qs, urlparse

import lark_oapi as lark
from lark_oapi.core.model import RawRequest
from wechatpy.crypto import PrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto

root = sys.argv[1]
# The SDK's own log goes to standard output; only the verdicts belong there.
logging.getLogger("Lark").setLevel(logging.CRITICAL)
lark.logger.setLevel(logging.CRITICAL)


def emit(**fields):
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def load(platform):
    keys = json.load(open(os.path.join(root, platform, "keys.json")))
    for name in sorted(os.listdir(os.path.join(root, platform))):
        folder = os.path.join(root, platform, name)
        request_file = os.path.join(folder, "request.json")
        if not os.path.isfile(request_file):
            continue
        request = json.load(open(request_file))
        if request.get("stream_frame"):
            continue
        body = open(os.path.join(folder, request["body_file"]), "rb").read() if request.get("body_file") else b""
        response_file = os.path.join(folder, "response.json")
        response = json.load(open(response_file)) if os.path.isfile(response_file) else None
        bot = request.get("bot") or next(iter(keys["bots"]))
        yield f"{platform}/{name}", keys["bots"][bot], request, body, response


def wecom():
    for case, bot, request, body, response in load("wecom"):
        if bot.get("mode") not in ("app", "aibot") or bot.get("intake") == "websocket":
            continue
        receive_id = bot.get("corp_id", "") if bot["mode"] == "app" else ""
        crypto = WeChatCrypto(bot["token"], bot["encoding_aes_key"], receive_id)
        query = {k: v[0] for k, v in parse_qs(urlparse(request["url"]).query).items()}
        verdict, reason, plaintext = "opened", "", None
        try:
            if request["method"] == "GET":
                plaintext = crypto.check_signature(query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])
            elif bot["mode"] == "app":
                plaintext = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
            else:
                envelope = json.loads(body)
                plaintext = crypto._decrypt_message({"Encrypt": envelope["encrypt"]}, query["msg_signature"], query["timestamp"], query["nonce"], PrpCrypto)
        except Exception as error:  # wechatpy says why in the type
            verdict, reason = "refused", f"{type(error).__name__}: {error}"
        answer = None
        if response and response.get("status") == 200 and bot["mode"] == "aibot" and request["method"] == "POST":
            try:
                sealed = json.loads(response["body"])
                opened = crypto._decrypt_message({"Encrypt": sealed["encrypt"]}, sealed["msgsignature"], sealed["timestamp"], sealed["nonce"], PrpCrypto)
                answer = {"verdict": "opened", "plaintext": opened}
            except Exception as error:
                answer = {"verdict": "refused", "plaintext": f"{type(error).__name__}: {error}"}
        emit(case=case, verifier="wechatpy", verdict=verdict, reason=reason, plaintext=plaintext, answer=answer)


class Anything(lark.EventDispatcherHandler):
    pass


def feishu():
    for case, bot, request, body, response in load("feishu"):
        if bot.get("intake") == "websocket":
            continue
        builder = lark.EventDispatcherHandler.builder(bot.get("encrypt_key", ""), bot.get("verification_token", ""))
        handler = builder.build()
        # A processor for whatever type the event has, so that the SDK answers 200 when it accepts.
        try:
            plain = handler._decrypt(body, bot.get("encrypt_key"))
            context = json.loads(plain)
            event_type = (context.get("header") or {}).get("event_type") or (context.get("event") or {}).get("type")
            if event_type:
                key = ("p2." if context.get("schema") else "p1.") + event_type
                handler._processorMap[key] = type("P", (), {"type": lambda self: dict, "do": lambda self, data: None})()
        except Exception:
            plain = None
        raw = RawRequest()
        raw.uri = urlparse(request["url"]).path
        raw.headers = dict(request.get("headers", {}))
        raw.body = body
        result = handler.do(raw)
        text = (result.content or b"").decode("utf-8")
        if result.status_code == 200:
            emit(case=case, verifier="lark-oapi", verdict="opened", reason="", plaintext=plain, answer={"verdict": "answered", "plaintext": text})
        else:
            emit(case=case, verifier="lark-oapi", verdict="refused", reason=text, plaintext=None, answer=None)


def dingtalk():
    for case, bot, request, body, response in load("dingtalk"):
        if bot.get("mode") != "http":
            continue
        headers = {k.lower(): v for k, v in request.get("headers", {}).items()}
        secret = bot["app_secret"]
        expected = base64.b64encode(hmac.new(secret.encode(), f"{headers.get('timestamp', '')}\n{secret}".encode(), hashlib.sha256).digest()).decode()
        ok = hmac.compare_digest(expected, headers.get("sign", ""))
        emit(case=case, verifier="hmac (DingTalk's documented algorithm)", verdict="opened" if ok else "refused",
             reason="" if ok else "sign does not match", plaintext=body.decode("utf-8", "replace") if ok else None, answer=None)


wecom()
feishu()
dingtalk()
