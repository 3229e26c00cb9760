"""Baseline: WeRoBot's echo robot with its default SQLite session, in safe mode, served by gunicorn.
Runs in its own virtualenv (``var/bench-peers``, made by ``bench/callback.py``); not part of Bangban."""

import os

import werobot  # type: ignore[import-not-found]

robot = werobot.WeRoBot(
    token=os.environ["BENCH_TOKEN"],
    encoding_aes_key=os.environ["BENCH_AES_KEY"],
    app_id=os.environ["BENCH_APP_ID"],
)


@robot.text
def echo(message, session):  # type: ignore[no-untyped-def]
    # Touch the session as a stateful robot would, so the default SQLite storage is read and written.
    session["last"] = message.content
    return message.content


application = robot.wsgi
