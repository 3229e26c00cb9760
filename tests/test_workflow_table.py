"""The workflow table of DESIGN §4, pair by pair: what each status allows, who may act, what is required."""

from __future__ import annotations

import itertools

import pytest

from app.auth.actor import ActorKind
from app.entrustments.workflow import RULES, Action, Clock, Flag, To, check, rule_for
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import EntrustmentStatus as S
from app.notifications.outbox import Kind

A = Action
# Written out from DESIGN §4, independently of the table in the code, for a case whose resident
# has asked to terminate (terminate needs that flag; see the test below).
EXPECTED: dict[S | None, set[Action]] = {
    None: {A.SUBMIT},
    S.SUBMITTED: {A.ACCEPT, A.REQUEST_SUPPLEMENT, A.DECLINE, A.REQUEST_TERMINATION, A.TERMINATE, A.REASSIGN},
    S.AWAITING_SUPPLEMENT: {A.SUPPLEMENT, A.REQUEST_TERMINATION, A.TERMINATE, A.REASSIGN},
    S.ACCEPTED: {A.FORWARD_TO_WINDOW, A.NOTE_PROGRESS, A.COMPLETE, A.REQUEST_TERMINATION, A.TERMINATE,
                 A.REASSIGN},
    S.IN_PROGRESS: {A.NOTE_PROGRESS, A.COMPLETE, A.REQUEST_TERMINATION, A.TERMINATE, A.REASSIGN},
    S.COMPLETED: {A.EVALUATE, A.ARCHIVE},
    S.EVALUATED: {A.ARCHIVE},
    S.ARCHIVED: set(),
    S.DECLINED: set(),
    S.TERMINATED: set(),
}
OPEN = [S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.ACCEPTED, S.IN_PROGRESS]
EVERYONE = frozenset(ActorKind)
FULL_FIELDS: dict[str, object] = {
    "village_code": "500231001001", "matter_code": "linshi-zhengwu", "description": "说明",
    "contact_phone": "13800138000", "missing_materials": ["户口簿"], "reason": "原因", "window_name": "窗口",
    "text": "进度", "result": "结果", "replied_at": "2026-11-28T10:00:00", "level": "满意",
    "source": "resident", "confirmed": True, "authorisation_evidence": "签字确认书", "handover_receiver": "李大妈",
    "handover_materials": ["户口簿"], "helper_id": 1,
}

PAIRS = list(itertools.product(list(EXPECTED), list(Action)))


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_each_status_allows_exactly_the_designed_actions(status: S | None, action: Action) -> None:
    if action in EXPECTED[status]:
        rule = check(status, action, EVERYONE, flagged=True, fields=FULL_FIELDS)
        assert rule.action is action
    else:
        with pytest.raises(Conflict) as caught:
            check(status, action, EVERYONE, flagged=True, fields=FULL_FIELDS)
        assert caught.value.status == 409


def test_forbidden_action_message_names_the_state_and_what_is_allowed() -> None:
    with pytest.raises(Conflict) as caught:
        check(S.ACCEPTED, A.ACCEPT, EVERYONE)
    message = caught.value.message
    assert "「已受理」" in message
    assert "送件到乡镇窗口" in message and "办结" in message and "反馈进度" in message
    assert caught.value.as_json()["allowed"] == [
        "forward_to_window", "note_progress", "complete", "request_termination", "reassign"]


@pytest.mark.parametrize("status", OPEN)
def test_terminate_needs_the_residents_request_first(status: S) -> None:
    with pytest.raises(Conflict) as caught:
        check(status, A.TERMINATE, EVERYONE, fields=FULL_FIELDS)
    assert "申请终止" in caught.value.message
    assert check(status, A.TERMINATE, EVERYONE, flagged=True, fields=FULL_FIELDS).target is S.TERMINATED


@pytest.mark.parametrize("status", [S.COMPLETED, S.EVALUATED, S.ARCHIVED, S.DECLINED, S.TERMINATED])
def test_closed_cases_cannot_be_terminated_even_when_flagged(status: S) -> None:
    with pytest.raises(Conflict):
        check(status, A.TERMINATE, EVERYONE, flagged=True, fields=FULL_FIELDS)


WHO: dict[Action, set[ActorKind]] = {
    A.SUBMIT: {ActorKind.RESIDENT, ActorKind.HELPER, ActorKind.PLATFORM},
    A.ACCEPT: {ActorKind.HELPER},
    A.REQUEST_SUPPLEMENT: {ActorKind.HELPER},
    A.SUPPLEMENT: {ActorKind.RESIDENT, ActorKind.PLATFORM, ActorKind.HELPER},
    A.DECLINE: {ActorKind.HELPER},
    A.FORWARD_TO_WINDOW: {ActorKind.HELPER},
    A.NOTE_PROGRESS: {ActorKind.HELPER},
    A.COMPLETE: {ActorKind.HELPER},
    A.EVALUATE: {ActorKind.RESIDENT, ActorKind.PLATFORM, ActorKind.HELPER},
    A.ARCHIVE: {ActorKind.WORKER, ActorKind.STAFF},
    A.REQUEST_TERMINATION: {ActorKind.RESIDENT, ActorKind.PLATFORM, ActorKind.HELPER},
    A.TERMINATE: {ActorKind.HELPER},
    A.REASSIGN: {ActorKind.STAFF},
}
FIRST_STATUS = {action: next(s for s, allowed in EXPECTED.items() if action in allowed) for action in Action}
ACTOR_PAIRS = list(itertools.product(list(Action), list(ActorKind)))


@pytest.mark.parametrize(("action", "kind"), ACTOR_PAIRS, ids=[f"{a}-{k}" for a, k in ACTOR_PAIRS])
def test_only_the_designed_actors_may_act(action: Action, kind: ActorKind) -> None:
    status = FIRST_STATUS[action]
    if kind in WHO[action]:
        assert check(status, action, frozenset({kind}), flagged=True, fields=FULL_FIELDS).action is action
    else:
        with pytest.raises(Forbidden):
            check(status, action, frozenset({kind}), flagged=True, fields=FULL_FIELDS)


def test_read_only_actor_may_do_nothing() -> None:
    with pytest.raises(Forbidden):
        check(S.SUBMITTED, A.ACCEPT, frozenset())


@pytest.mark.parametrize(("action", "field"), [
    (A.REQUEST_SUPPLEMENT, "missing_materials"),
    (A.DECLINE, "reason"),
    (A.FORWARD_TO_WINDOW, "window_name"),
    (A.NOTE_PROGRESS, "text"),
    (A.COMPLETE, "result"),
    (A.COMPLETE, "replied_at"),
    (A.EVALUATE, "level"),
    (A.REQUEST_TERMINATION, "confirmed"),
    (A.TERMINATE, "authorisation_evidence"),
    (A.TERMINATE, "handover_materials"),
    (A.REASSIGN, "reason"),
])
def test_required_fields_are_named_when_missing(action: Action, field: str) -> None:
    fields = {**FULL_FIELDS, field: [] if field.endswith("materials") else None}
    with pytest.raises(InvalidInput) as caught:
        check(FIRST_STATUS[action], action, EVERYONE, flagged=True, fields=fields)
    assert caught.value.field == field
    assert caught.value.status == 422
    assert caught.value.message.startswith("请") or "请" in caught.value.message


# DESIGN §4's "to" column and its clock rules, written out again: the status each action leads to
# (None: it stays) and what it does to the clocks (acceptance within 1 working day from submission;
# paused while materials are missing; the time limit from acceptance; a progress report every few
# working days while handled; stopped at the end).
TARGET: dict[Action, S | None] = {
    A.SUBMIT: S.SUBMITTED, A.ACCEPT: S.ACCEPTED, A.REQUEST_SUPPLEMENT: S.AWAITING_SUPPLEMENT,
    A.SUPPLEMENT: S.SUBMITTED, A.DECLINE: S.DECLINED, A.FORWARD_TO_WINDOW: S.IN_PROGRESS, A.NOTE_PROGRESS: None,
    A.COMPLETE: S.COMPLETED, A.EVALUATE: S.EVALUATED, A.ARCHIVE: S.ARCHIVED, A.REQUEST_TERMINATION: None,
    A.TERMINATE: S.TERMINATED, A.REASSIGN: None,
}
CLOCK: dict[Action, Clock] = {
    A.SUBMIT: Clock.START_ACCEPTANCE, A.ACCEPT: Clock.START_PROCESSING, A.REQUEST_SUPPLEMENT: Clock.PAUSE,
    A.SUPPLEMENT: Clock.RESUME, A.DECLINE: Clock.STOP, A.FORWARD_TO_WINDOW: Clock.RESET_PROGRESS,
    A.NOTE_PROGRESS: Clock.RESET_PROGRESS, A.COMPLETE: Clock.STOP, A.EVALUATE: Clock.NONE, A.ARCHIVE: Clock.NONE,
    A.REQUEST_TERMINATION: Clock.NONE, A.TERMINATE: Clock.STOP, A.REASSIGN: Clock.NONE,
}
FLAG: dict[Action, Flag] = {A.REQUEST_TERMINATION: Flag.SETS, A.TERMINATE: Flag.REQUIRED}
# DESIGN §6 and CONVERSATION.md: who hears of each action.
NOTICES: dict[Action, set[tuple[To, Kind]]] = {
    A.SUBMIT: {(To.RESIDENT, Kind.RESIDENT_RECEIPT), (To.HOLDER, Kind.HELPER_NEW_CASE)},
    A.ACCEPT: {(To.RESIDENT, Kind.RESIDENT_ACCEPTED)},
    A.REQUEST_SUPPLEMENT: {(To.RESIDENT, Kind.RESIDENT_SUPPLEMENT_NEEDED)},
    A.SUPPLEMENT: {(To.HOLDER, Kind.HELPER_SUPPLEMENT_RECEIVED)},
    A.DECLINE: {(To.RESIDENT, Kind.RESIDENT_DECLINED)},
    A.FORWARD_TO_WINDOW: {(To.RESIDENT, Kind.RESIDENT_PROGRESS)},
    A.NOTE_PROGRESS: {(To.RESIDENT, Kind.RESIDENT_PROGRESS)},
    A.COMPLETE: {(To.RESIDENT, Kind.RESIDENT_COMPLETED), (To.RESIDENT, Kind.RESIDENT_EVALUATION_INVITATION)},
    A.EVALUATE: {(To.HOLDER, Kind.HELPER_BAD_RATING), (To.TASK_FORCE, Kind.TOWNSHIP_BAD_RATING)},
    A.ARCHIVE: set(),
    A.REQUEST_TERMINATION: {(To.HOLDER, Kind.HELPER_TERMINATION_REQUESTED)},
    A.TERMINATE: {(To.RESIDENT, Kind.RESIDENT_TERMINATED)},
    A.REASSIGN: {(To.HOLDER, Kind.HELPER_NEW_CASE)},
}


@pytest.mark.parametrize("action", list(Action))
def test_each_action_leads_to_the_designed_status(action: Action) -> None:
    assert rule_for(action).target is TARGET[action]


@pytest.mark.parametrize("action", list(Action))
def test_each_action_has_the_designed_clock_effect(action: Action) -> None:
    assert rule_for(action).clock is CLOCK[action]


@pytest.mark.parametrize("action", list(Action))
def test_only_termination_reads_or_sets_the_flag(action: Action) -> None:
    assert rule_for(action).flag is FLAG.get(action, Flag.ANY)


@pytest.mark.parametrize("action", list(Action))
def test_each_action_declares_whom_it_tells(action: Action) -> None:
    assert {(n.to, n.kind) for n in rule_for(action).notices} == NOTICES[action]


def test_one_rule_per_action_so_its_schema_and_notices_hold_from_every_status() -> None:
    assert sorted(rule.action for rule in RULES) == sorted(Action)


def test_only_a_bad_rating_tells_anyone_and_only_once() -> None:
    assert all(notice.when == "rectification_due_on" and notice.once for notice in rule_for(A.EVALUATE).notices)


def test_every_action_is_an_event_kind_of_its_own_name() -> None:
    from app.entrustments.workflow import EventKind

    assert {action.value for action in Action} <= {kind.value for kind in EventKind}
