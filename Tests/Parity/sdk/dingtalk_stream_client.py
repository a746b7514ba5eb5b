"""DingTalk's official Python SDK (dingtalk-stream) on Stream mode against a fake gateway.

Usage: dingtalk_stream_client.py GATEWAY CLIENT_ID CLIENT_SECRET
The SDK's only way to another gateway is its OPEN_CONNECTION_API constant, set here; everything
else is the SDK as a bot developer starts it: a chatbot handler that acknowledges each message.
"""
import sys

import dingtalk_stream
from dingtalk_stream import AckMessage
from dingtalk_stream.chatbot import ChatbotMessage

gateway, client_id, client_secret = sys.argv[1:4]
dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = gateway + "/v1.0/gateway/connections/open"


class Handler(dingtalk_stream.ChatbotHandler):
    async def process(self, callback):
        return AckMessage.STATUS_OK, "OK"


client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(client_id, client_secret))
client.register_callback_handler(ChatbotMessage.TOPIC, Handler())
print("starting", flush=True)
client.start_forever()
