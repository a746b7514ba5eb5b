"""Feishu's official Python SDK (lark-oapi) on its long connection to a fake Feishu.

Usage: feishu_ws.py DOMAIN APP_ID APP_SECRET
The client asks DOMAIN/callback/ws/endpoint for the socket, pings, and acknowledges
im.message.receive_v1 events the SDK's way; it runs until killed. Nothing here changes what the
SDK sends: this is the SDK as a bot developer starts it.
"""
import sys

import lark_oapi as lark

domain, app_id, app_secret = sys.argv[1:4]
handler = lark.EventDispatcherHandler.builder("", "").register_p2_im_message_receive_v1(lambda data: None).build()
client = lark.ws.Client(app_id, app_secret, event_handler=handler, domain=domain, log_level=lark.LogLevel.DEBUG)
print("starting", flush=True)
client.start()
