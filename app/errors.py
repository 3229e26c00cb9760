"""Typed application errors, rendered in one place per channel (JSON here; HTML and WeChat text
renderers live with their channels and use ``message``)."""

from __future__ import annotations

from typing import Any

# What a refusal names for the audit log (``app.refusals``), never shown to the caller.
AUDIT_ONLY = frozenset({"object_type", "object_id"})


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra = extra

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                **{k: v for k, v in self.extra.items() if k not in AUDIT_ONLY}}


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooMany(AppError):
    """A sender past one of the limits of ``app.limits``; ``retry_after`` says in how many seconds it lifts."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class InvalidInput(AppError):
    """Input that parses but is wrong; ``field`` names what to fix."""

    status = 422
    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field = field
