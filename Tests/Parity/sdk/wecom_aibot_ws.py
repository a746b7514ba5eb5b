"""WeCom's official Python SDK for AI bots (wecom-aibot-python-sdk) on its socket to a fake WeCom.

Usage: wecom_aibot_ws.py WS_URL BOT_ID SECRET HEARTBEAT_MS
A text message is answered with one finished stream frame carrying the text, as the SDK's own
example does. The SDK hands its TLS context to every connection, which a ws:// URL refuses, so
for the loopback fake the context is set to None — the one change, and not to what it sends.
"""
import asyncio
import sys

import aibot.ws
from aibot import WSClient, WSClientOptions, generate_req_id

url, bot_id, secret, heartbeat = sys.argv[1:5]
if url.startswith("ws://"):
    aibot.ws._SSL_CONTEXT = None

client = WSClient(WSClientOptions(bot_id=bot_id, secret=secret, ws_url=url, heartbeat_interval=int(heartbeat)))


@client.on("message.text")
async def answer(frame):
    text = frame["body"]["text"]["content"]
    await client.reply_stream(frame, generate_req_id("stream"), text, finish=True)


async def main():
    await client.connect()
    print("started", flush=True)
    while True:
        await asyncio.sleep(3600)


asyncio.run(main())
