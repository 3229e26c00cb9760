"""The workflow table of DESIGN §4, pair by pair: what each status allows, who may act, what is required."""

from __future__ import annotations

import itertools

import pytest

from app.auth.actor import ActorKind
from app.entrustments.workflow import RULES, Action, Clock, Flag, Gate, To, check, rule_for
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import EntrustmentStatus as S
from app.notifications.outbox import Kind

A = Action
# Written out from DESIGN §4 and the plan (issue #9: 一次性告知 supplied at the resident's pace, a second
# list only with the township's approval, termination on the resident's explicit word, extensions),
# independently of the table in the code, for a case on which every gate is open (see the tests below).
STOPPING = {A.REQUEST_TERMINATION, A.RECORD_TERMINATION_STATEMENT, A.CONFIRM_TERMINATION, A.TERMINATE, A.REASSIGN}
EXPECTED: dict[S | None, set[Action]] = {
    None: {A.SUBMIT},
    S.SUBMITTED: {A.ACCEPT, A.REQUEST_SUPPLEMENT, A.ALLOW_SECOND_SUPPLEMENT, A.DECLINE, *STOPPING},
    S.AWAITING_SUPPLEMENT: {A.SUPPLEMENT, A.CLOSE_SUPPLEMENT, *STOPPING},
    S.ACCEPTED: {A.FORWARD_TO_WINDOW, A.NOTE_PROGRESS, A.COMPLETE, A.REQUEST_EXTENSION, A.DECIDE_EXTENSION,
                 *STOPPING},
    S.IN_PROGRESS: {A.NOTE_PROGRESS, A.COMPLETE, A.REQUEST_EXTENSION, A.DECIDE_EXTENSION, *STOPPING},
    S.COMPLETED: {A.EVALUATE, A.ARCHIVE},
    S.EVALUATED: {A.ARCHIVE},
    S.ARCHIVED: set(),
    S.DECLINED: set(),
    S.TERMINATED: set(),
}
OPEN = [S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.ACCEPTED, S.IN_PROGRESS]
EVERYONE = frozenset(ActorKind)
ALL_GATES = frozenset(Gate)
FULL_FIELDS: dict[str, object] = {
    "village_code": "500231001001", "matter_code": "linshi-zhengwu", "description": "说明",
    "contact_phone": "13800138000", "missing_materials": ["户口簿"], "reason": "原因", "window_name": "窗口",
    "text": "进度", "result": "结果", "replied_at": "2026-11-28T10:00:00", "level": "满意",
    "source": "resident", "confirmed": True, "authorisation_evidence": "签字确认书", "handover_receiver": "李大妈",
    "handover_materials": ["户口簿"], "helper_id": 1, "cause": "委托人去世", "days": 15,
    "basis": "《最低生活保障审核确认办法》", "note": "同意",
}

PAIRS = list(itertools.product(list(EXPECTED), list(Action)))


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_each_status_allows_exactly_the_designed_actions(status: S | None, action: Action) -> None:
    if action in EXPECTED[status]:
        rule = check(status, action, EVERYONE, gates=ALL_GATES, fields=FULL_FIELDS)
        assert rule.action is action
    else:
        with pytest.raises(Conflict) as caught:
            check(status, action, EVERYONE, gates=ALL_GATES, fields=FULL_FIELDS)
        assert caught.value.status == 409


def test_forbidden_action_message_names_the_state_and_what_is_allowed() -> None:
    with pytest.raises(Conflict) as caught:
        check(S.ACCEPTED, A.ACCEPT, EVERYONE)
    message = caught.value.message
    assert "「已受理」" in message
    assert "送件到乡镇窗口" in message and "办结" in message and "反馈进度" in message
    assert caught.value.as_json()["allowed"] == [
        "forward_to_window", "note_progress", "complete", "request_termination", "record_termination_statement",
        "request_extension", "reassign"]


@pytest.mark.parametrize("status", OPEN)
def test_terminate_needs_the_residents_word_first(status: S) -> None:
    with pytest.raises(Conflict) as caught:
        check(status, A.TERMINATE, EVERYONE, gates=frozenset({Gate.STATEMENT_RECORDED}), fields=FULL_FIELDS)
    assert "申请终止" in caught.value.message
    only_authorised = frozenset({Gate.TERMINATION_AUTHORISED})
    assert check(status, A.TERMINATE, EVERYONE, gates=only_authorised, fields=FULL_FIELDS).target is S.TERMINATED


@pytest.mark.parametrize("status", OPEN)
def test_the_secretary_confirms_only_a_recorded_statement(status: S) -> None:
    with pytest.raises(Conflict) as caught:
        check(status, A.CONFIRM_TERMINATION, EVERYONE, fields=FULL_FIELDS)
    assert "终止声明" in caught.value.message
    assert check(status, A.CONFIRM_TERMINATION, EVERYONE, gates=frozenset({Gate.STATEMENT_RECORDED}),
                 fields=FULL_FIELDS).flag is Flag.SETS


@pytest.mark.parametrize("status", [S.ACCEPTED, S.IN_PROGRESS])
def test_the_township_decides_only_a_pending_extension(status: S) -> None:
    with pytest.raises(Conflict) as caught:
        check(status, A.DECIDE_EXTENSION, EVERYONE, fields=FULL_FIELDS)
    assert "延期" in caught.value.message


@pytest.mark.parametrize("status", [S.COMPLETED, S.EVALUATED, S.ARCHIVED, S.DECLINED, S.TERMINATED])
def test_closed_cases_cannot_be_terminated_even_when_flagged(status: S) -> None:
    with pytest.raises(Conflict):
        check(status, A.TERMINATE, EVERYONE, gates=ALL_GATES, fields=FULL_FIELDS)


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
    A.REQUEST_TERMINATION: {ActorKind.RESIDENT, ActorKind.PLATFORM},  # a helper alone can no longer end a case
    A.TERMINATE: {ActorKind.HELPER},
    A.REASSIGN: {ActorKind.STAFF},
    A.ALLOW_SECOND_SUPPLEMENT: {ActorKind.STAFF},
    A.CLOSE_SUPPLEMENT: {ActorKind.HELPER, ActorKind.WORKER},
    A.RECORD_TERMINATION_STATEMENT: {ActorKind.HELPER},
    A.CONFIRM_TERMINATION: {ActorKind.SECRETARY},
    A.REQUEST_EXTENSION: {ActorKind.HELPER},
    A.DECIDE_EXTENSION: {ActorKind.STAFF},
}
FIRST_STATUS = {action: next(s for s, allowed in EXPECTED.items() if action in allowed) for action in Action}
ACTOR_PAIRS = list(itertools.product(list(Action), list(ActorKind)))


@pytest.mark.parametrize(("action", "kind"), ACTOR_PAIRS, ids=[f"{a}-{k}" for a, k in ACTOR_PAIRS])
def test_only_the_designed_actors_may_act(action: Action, kind: ActorKind) -> None:
    status = FIRST_STATUS[action]
    if kind in WHO[action]:
        assert check(status, action, frozenset({kind}), gates=ALL_GATES, fields=FULL_FIELDS).action is action
    else:
        with pytest.raises(Forbidden):
            check(status, action, frozenset({kind}), gates=ALL_GATES, fields=FULL_FIELDS)


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
    (A.ALLOW_SECOND_SUPPLEMENT, "reason"),
    (A.RECORD_TERMINATION_STATEMENT, "cause"),
    (A.REQUEST_EXTENSION, "days"),
    (A.REQUEST_EXTENSION, "basis"),
    (A.DECIDE_EXTENSION, "note"),
])
def test_required_fields_are_named_when_missing(action: Action, field: str) -> None:
    fields = {**FULL_FIELDS, field: [] if field.endswith("materials") else None}
    with pytest.raises(InvalidInput) as caught:
        check(FIRST_STATUS[action], action, EVERYONE, gates=ALL_GATES, fields=fields)
    assert caught.value.field == field
    assert caught.value.status == 422
    assert caught.value.message.startswith("请") or "请" in caught.value.message


# DESIGN §4's "to" column and its clock rules, written out again: the status each action leads to
# (None: it stays) and what it does to the clocks (acceptance within 1 working day from submission;
# paused while materials are missing; the time limit from acceptance; a progress report every few
# working days while handled; stopped at the end).
TARGET: dict[Action, S | None] = {
    A.SUBMIT: S.SUBMITTED, A.ACCEPT: S.ACCEPTED, A.REQUEST_SUPPLEMENT: S.AWAITING_SUPPLEMENT,
    A.SUPPLEMENT: None, A.CLOSE_SUPPLEMENT: S.SUBMITTED, A.ALLOW_SECOND_SUPPLEMENT: None,
    A.RECORD_TERMINATION_STATEMENT: None, A.CONFIRM_TERMINATION: None, A.REQUEST_EXTENSION: None,
    A.DECIDE_EXTENSION: None, A.DECLINE: S.DECLINED, A.FORWARD_TO_WINDOW: S.IN_PROGRESS, A.NOTE_PROGRESS: None,
    A.COMPLETE: S.COMPLETED, A.EVALUATE: S.EVALUATED, A.ARCHIVE: S.ARCHIVED, A.REQUEST_TERMINATION: None,
    A.TERMINATE: S.TERMINATED, A.REASSIGN: None,
}
CLOCK: dict[Action, Clock] = {
    A.SUBMIT: Clock.START_ACCEPTANCE, A.ACCEPT: Clock.START_PROCESSING, A.REQUEST_SUPPLEMENT: Clock.PAUSE,
    A.SUPPLEMENT: Clock.NONE, A.CLOSE_SUPPLEMENT: Clock.RESUME, A.ALLOW_SECOND_SUPPLEMENT: Clock.NONE,
    A.RECORD_TERMINATION_STATEMENT: Clock.NONE, A.CONFIRM_TERMINATION: Clock.NONE, A.REQUEST_EXTENSION: Clock.NONE,
    A.DECIDE_EXTENSION: Clock.EXTEND, A.DECLINE: Clock.STOP, A.FORWARD_TO_WINDOW: Clock.RESET_PROGRESS,
    A.NOTE_PROGRESS: Clock.RESET_PROGRESS, A.COMPLETE: Clock.STOP, A.EVALUATE: Clock.NONE, A.ARCHIVE: Clock.NONE,
    A.REQUEST_TERMINATION: Clock.NONE, A.TERMINATE: Clock.STOP, A.REASSIGN: Clock.NONE,
}
FLAG: dict[Action, Flag] = {A.REQUEST_TERMINATION: Flag.SETS, A.CONFIRM_TERMINATION: Flag.SETS}
NEEDS: dict[Action, Gate] = {A.TERMINATE: Gate.TERMINATION_AUTHORISED, A.CONFIRM_TERMINATION: Gate.STATEMENT_RECORDED,
                             A.DECIDE_EXTENSION: Gate.EXTENSION_PENDING}
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
    A.CLOSE_SUPPLEMENT: {(To.HOLDER, Kind.HELPER_SUPPLEMENT_COMPLETE)},
    A.ALLOW_SECOND_SUPPLEMENT: {(To.HOLDER, Kind.HELPER_SECOND_SUPPLEMENT_ALLOWED)},
    A.RECORD_TERMINATION_STATEMENT: {(To.SECRETARY, Kind.SECRETARY_TERMINATION_TO_CONFIRM)},
    A.CONFIRM_TERMINATION: {(To.HOLDER, Kind.HELPER_TERMINATION_REQUESTED)},
    A.REQUEST_EXTENSION: {(To.TASK_FORCE, Kind.TOWNSHIP_EXTENSION_REQUESTED)},
    A.DECIDE_EXTENSION: {(To.HOLDER, Kind.HELPER_EXTENSION_DECIDED), (To.RESIDENT, Kind.RESIDENT_DEADLINE_EXTENDED)},
}


@pytest.mark.parametrize("action", list(Action))
def test_each_action_leads_to_the_designed_status(action: Action) -> None:
    assert rule_for(action).target is TARGET[action]


@pytest.mark.parametrize("action", list(Action))
def test_each_action_has_the_designed_clock_effect(action: Action) -> None:
    assert rule_for(action).clock is CLOCK[action]


@pytest.mark.parametrize("action", list(Action))
def test_only_the_residents_word_sets_the_termination_flag(action: Action) -> None:
    assert rule_for(action).flag is FLAG.get(action, Flag.ANY)


@pytest.mark.parametrize("action", list(Action))
def test_each_action_waits_for_the_designed_gate(action: Action) -> None:
    assert rule_for(action).needs is NEEDS.get(action)


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
