"""Baseline: the protocol floor. Bare FastAPI and wechatpy: check the signature, decrypt, parse, and
answer with an encrypted echo. No database, no dialogue: what any safe-mode callback must do."""

import os

from fastapi import FastAPI, Request, Response
from wechatpy import create_reply, parse_message  # type: ignore[import-untyped]
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]

crypto = WeChatCrypto(os.environ["BENCH_TOKEN"], os.environ["BENCH_AES_KEY"], os.environ["BENCH_APP_ID"])
app = FastAPI()


@app.post("/wechat/callback")
async def callback(request: Request, msg_signature: str, timestamp: str, nonce: str) -> Response:
    xml = crypto.decrypt_message(await request.body(), msg_signature, timestamp, nonce)
    message = parse_message(xml)
    reply = create_reply(getattr(message, "content", "success"), message).render()
    return Response(crypto.encrypt_message(reply, nonce, timestamp), media_type="application/xml")
