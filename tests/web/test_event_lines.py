"""Every kind of timeline entry reads as words on the helper's and secretary's pages, never as an internal
code: a kind added to the workflow without wording fails here."""

from __future__ import annotations

import re

import pytest

from app.entrustments.workflow import EventKind
from app.models import EntrustmentEvent
from app.web import helper_texts

DETAILS = {
    EventKind.RECTIFICATION_CLOSED: {"outcome": "resolved", "callback_note": "已电话回访", "resolution": "补办完毕"},
    EventKind.MOVED: {"reason": "帮办员调离，转给新帮办员"},
    EventKind.REQUEST_EXTENSION: {"days": 5, "reason": "需补充入户调查"},
    EventKind.DECIDE_EXTENSION: {"approved": True, "note": "同意", "days": 5},
    EventKind.ALLOW_SECOND_SUPPLEMENT: {"reason": "政策调整需新材料"},
}


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_event_kind_reads_as_words(kind: EventKind) -> None:
    event = EntrustmentEvent(kind=kind.value, actor_name="王芳", actor_kind="helper", details=DETAILS.get(kind, {}))
    line = helper_texts.event_line(event)
    assert line and line != kind.value
    assert not re.search(r"[a-z]{3,}_[a-z]", line), line  # no snake_case code shows through


def test_an_extension_decision_says_which_way_it_went() -> None:
    for approved, words in ((True, "同意延期 5 个工作日"), (False, "不同意延期")):
        event = EntrustmentEvent(kind=EventKind.DECIDE_EXTENSION.value, actor_name="陈专班", actor_kind="staff",
                                 details={"approved": approved, "note": "", "days": 5})
        assert helper_texts.event_line(event) == f"陈专班{words}"


def test_a_closed_rectification_names_its_outcome() -> None:
    event = EntrustmentEvent(kind=EventKind.RECTIFICATION_CLOSED.value, actor_name="陈专班", actor_kind="staff",
                             details=DETAILS[EventKind.RECTIFICATION_CLOSED])
    assert "已整改" in helper_texts.event_line(event) and "已电话回访" in helper_texts.event_line(event)
