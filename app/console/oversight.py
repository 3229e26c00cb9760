"""Oversight (县纪委监委) in the console: it sees everything read-only, personal data masked, and its own reads
are audited.

- ``AUDITED``: a dependency of every console route (``app.console`` adds it to its router). Once a page or a
  download has been answered, a GET by an oversight member writes an audit entry ``read`` on ``console_page``
  naming the address, its query and its path parameters, in the request's own transaction (a page refused
  with an error writes its refusal instead).
- ``masked(html, user)``: the Jinja filter ``personal_masked`` that ``console/base.html`` wraps round every
  page's content: for a read-only member, every mobile number and ID number left on the page is masked, whatever
  page put it there (free text such as a case's description included).
- ``mask_text``: the same masking for a value, e.g. a spreadsheet cell of a download.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, Request
from markupsafe import Markup

from app import audit
from app.auth.deps import SessionDep
from app.privacy import mask_id_number, mask_phone
from app.web.pages import templates

# A mobile number or an ID number standing on its own (not inside a longer run of letters and digits, such as a
# form token or a link).
_MOBILE = re.compile(r"(?<![0-9A-Za-z_-])1[3-9]\d{9}(?![0-9A-Za-z_-])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z_-])\d{17}[\dXx](?![0-9A-Za-z_-])")
PAGE = "console_page"


def mask_text(text: str) -> str:
    """Mobile numbers as 138****8000, ID numbers keeping their region and their last four characters."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def is_read_only(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_read_only", False))


def masked(html: Any, user: Any) -> Any:
    """The page's content as it is, or with personal data masked for a read-only (oversight) member."""
    if not is_read_only(user):
        return html
    return Markup(mask_text(str(html)))


templates.env.filters["personal_masked"] = masked


def audit_oversight_reads(request: Request, session: SessionDep) -> Iterator[None]:
    """After the page has been made: an oversight member's GET is recorded as a read of that page."""
    yield
    user = getattr(request.state, "console_user", None)
    if user is None or not is_read_only(user) or request.method not in ("GET", "HEAD"):
        return
    audit.record(session, user.actor, "read", PAGE, None, page=request.url.path[:200],
                 query=request.url.query[:500] or None,
                 params={key: str(value)[:64] for key, value in request.path_params.items()} or None)


AUDITED = Depends(audit_oversight_reads, scope="function")
