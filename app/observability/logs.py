"""One JSON object per log line, the same for ``bangban serve`` and ``bangban worker``.

Every line carries the request id of the HTTP request it was written in. Whatever a line says passes
through ``redact`` first: WeChat's access token rides in the query string of every API call (httpx
logs each URL at INFO), the OAuth exchange carries the AppSecret and the resident's code, and the
callback URL carries the sender's openid."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

REQUEST_ID: ContextVar[str | None] = ContextVar("bangban_request_id", default=None)


def current_request_id() -> str:
    """The id of the request being answered, as its log lines and its X-Request-ID header carry it: the
    number an error page shows is the one to look up in the logs."""
    return REQUEST_ID.get() or uuid.uuid4().hex[:16]

_SECRET_PARAMS = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(access_token|secret|appsecret|code|openid|token)=([^&\s\"'#<>]+)")
_SECRET_JSON = re.compile(r"""(?i)(["'](?:access_token|secret|appsecret|openid|code)["']\s*:\s*["'])[^"']*""")
# Last line of defence: a mobile number or an ID number that slipped into a message is masked.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# SQLAlchemy puts a failed statement's parameters (names, phones, message texts) into its error text.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is written as a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                               "color_message", "taskName"}


def redact(text: str) -> str:
    text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _SECRET_JSON.sub(lambda m: m.group(1) + REDACTED, text)
    text = _ID_NUMBER.sub("[id-number]", text)
    return _MOBILE.sub("[phone]", text)


def _field(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = _field(value)
        if record.exc_info:
            line["exception"] = redact("".join(traceback.format_exception(*record.exc_info)))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def logging_config(level: str = "INFO", stream: IO[str] | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` configuration; uvicorn applies it in each of its worker processes."""
    handler: dict[str, Any] = {"class": "logging.StreamHandler", "formatter": "json"}
    handler["stream"] = stream if stream is not None else "ext://sys.stderr"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "root": {"level": level.upper(), "handlers": ["default"]},
        "loggers": {
            # uvicorn's own handlers go; its lines reach ours. Requests are logged by our middleware
            # with the route template rather than the path and query.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    logging.config.dictConfig(logging_config(level, stream if stream is not None else sys.stderr))
