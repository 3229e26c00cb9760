"""A resident's own submitted cases in the chat: cancelling one and rating one, through the use cases.

Cancelling is the resident's request to end the case (plan 终止情况): it is sent only after an explicit
"1 确认取消" to a message naming the case, never on a bare "是" or "嗯". Rating reads the level and the
resident's words back before it is recorded; a bad rating asks once what went wrong, which is what
the township's rectification needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from app.chat import dialogue, guides, places, residents, understand, wording
from app.chat.dialogue import FLOW_CANCEL, FLOW_RATE, Chat, choice
from app.chat.entrust import Step, who_calls
from app.entrustments import repository as cases
from app.entrustments import service
from app.entrustments.effects import RECTIFICATION_WORKING_DAYS
from app.entrustments.schemas import EvaluateIn, RequestTerminationIn
from app.entrustments.workflow import Action, allowed_actions
from app.errors import AppError
from app.models import Entrustment, RatingLevel, RatingSource
from app.wechat.reply import Reply

# Numbered choices stop at 8: 0 and 9 keep their meaning everywhere.
MAX_CHOICES = 8
REASON_LIMIT = 500
COMMENT_LIMIT = 500

RATING_NUMBERS: dict[str, RatingLevel] = dict(zip("12345", RatingLevel, strict=True))

_CONFIRM_CANCEL = frozenset({"确认取消", "确定取消", "确认", "确定", "取消办件", "确认取消办件"})
_KEEP = frozenset({"不取消", "不要取消", "别取消", "不用取消", "不了", "算了", "继续办"})


def _find(chat: Chat, case_id: object) -> Entrustment | None:
    found = [case for case in _own(chat) if case.id == case_id]
    return found[0] if found else None


def _own(chat: Chat) -> Sequence[Entrustment]:
    actor = residents.actor_for(chat.resident)
    listed, _ = service.list_page(chat.session, actor, limit=50)
    return listed


def _pick(chat: Chat, text: str, ask: str) -> Entrustment | Reply:
    """The case chosen by number from the list the resident was shown."""
    number = choice(text)
    ids: list[int] = list(chat.data.get("case_ids") or [])
    if number is not None and 1 <= int(number) <= len(ids):
        case = _find(chat, ids[int(number) - 1])
        if case is not None:
            return case
    return Reply(f"{wording.NOT_UNDERSTOOD}\n{ask}")


# -- cancelling ----------------------------------------------------------------------------------


def start_cancel(chat: Chat, said: str) -> Reply:
    """"不办了，帮我取消": name the case (or list them), then wait for "1 确认取消"."""
    open_cases = cases.open_for_resident(chat.session, chat.resident.id)
    cancellable = [c for c in open_cases if c.termination_requested_at is None
                   and Action.REQUEST_TERMINATION in allowed_actions(c.status)][:MAX_CHOICES]
    if not cancellable:
        dialogue.finish(chat)
        asked = [c for c in open_cases if c.termination_requested_at is not None]
        return Reply(wording.cancel_already(asked[0].number or "") if asked else wording.NOTHING_TO_CANCEL)
    reason = wording.cancel_reason(said)[:REASON_LIMIT]
    if len(cancellable) == 1:
        (case,) = cancellable
        dialogue.begin(chat, FLOW_CANCEL, "confirm", {"case_id": case.id, "reason": reason})
        return Reply(wording.confirm_cancel(residents.case_line(case)))
    dialogue.begin(chat, FLOW_CANCEL, "which", {"case_ids": [c.id for c in cancellable], "reason": reason})
    return Reply(wording.which_to_cancel([residents.case_line(c) for c in cancellable]))


def _cancel_list(chat: Chat) -> str:
    shown = [case for case in (_find(chat, i) for i in chat.data.get("case_ids") or []) if case]
    return wording.which_to_cancel([residents.case_line(case) for case in shown])


def on_cancel_which(chat: Chat, text: str) -> Reply:
    case = _pick(chat, text, _cancel_list(chat))
    if isinstance(case, Reply):
        return case
    dialogue.goto(chat, "confirm", case_id=case.id, case_ids=None)
    return Reply(wording.confirm_cancel(residents.case_line(case)))


def on_cancel_confirm(chat: Chat, text: str) -> Reply:
    case = _find(chat, chat.data.get("case_id"))
    if case is None:
        dialogue.finish(chat)
        return Reply(wording.NOTHING_TO_CANCEL)
    words = understand.normalise(text)
    if choice(text) == "2" or words in _KEEP or dialogue.is_no(text):
        dialogue.finish(chat)
        return Reply(wording.cancel_kept(case.number or ""))
    if choice(text) != "1" and words not in _CONFIRM_CANCEL:
        return Reply(f"{wording.NOT_UNDERSTOOD}\n{wording.confirm_cancel(residents.case_line(case))}")
    try:
        form = RequestTerminationIn(reason=str(chat.data.get("reason") or wording.cancel_reason("取消")),
                                    confirmed=True)
        with chat.session.begin_nested():
            case = service.transition(chat.session, residents.actor_for(chat.resident), case.id,
                                      Action.REQUEST_TERMINATION, form)
    except (AppError, ValidationError) as exc:
        dialogue.finish(chat)
        return Reply(wording.cancel_refused(exc.message if isinstance(exc, AppError) else wording.SUBMIT_INVALID))
    dialogue.finish(chat)
    return Reply(wording.cancel_requested(case.number or "", who_calls(case)))


# -- rating --------------------------------------------------------------------------------------


def _rateable(chat: Chat) -> list[Entrustment]:
    return [case for case in _own(chat) if Action.EVALUATE in allowed_actions(case.status)][:MAX_CHOICES]


def _case_words(case: Entrustment) -> str:
    helper = f"（帮办员{case.helper.name}）" if case.helper else ""
    return f" {case.number} {wording.category_label(case.matter.category)}{helper}"


def start_rating(chat: Chat, level: RatingLevel | None, comment: str | None) -> Reply:
    """"满意" or "不满意……": the case to rate (asked when there are several), then the level, then a
    word on what went wrong when it went wrong, then the read-back."""
    rateable = _rateable(chat)
    if not rateable:
        dialogue.finish(chat)
        return _nothing_to_rate(chat, level)
    data = {"level": level.value if level else None, "comment": comment[:COMMENT_LIMIT] if comment else None}
    data = {key: value for key, value in data.items() if value is not None}
    if len(rateable) == 1:
        dialogue.begin(chat, FLOW_RATE, "level", {**data, "case_id": rateable[0].id})
    else:
        dialogue.begin(chat, FLOW_RATE, "which", {**data, "case_ids": [c.id for c in rateable]})
    return _ask_next(chat)


def _nothing_to_rate(chat: Chat, level: RatingLevel | None) -> Reply:
    """No case to rate: a complaint about one still running goes where complaints go."""
    if not cases.open_for_resident(chat.session, chat.resident.id):
        return Reply(wording.NOTHING_TO_RATE)
    if level is None or not level.is_bad:
        return Reply(wording.NOT_RATEABLE_YET)
    place = places.village_by_id(chat.session, chat.resident.village_id)
    if place is None:
        return Reply(wording.NOT_RATEABLE_YET)
    return Reply(f"{wording.NOT_RATEABLE_YET}\n{guides.answer(chat, guides.WANT_COMPLAINT, place)}")


def _ask_next(chat: Chat) -> Reply:
    data = chat.data
    case = _find(chat, data.get("case_id")) if "case_id" in data else None
    if case is None:
        shown = [c for c in (_find(chat, i) for i in data.get("case_ids") or []) if c]
        if not shown:
            dialogue.finish(chat)
            return Reply(wording.NOTHING_TO_RATE)
        dialogue.goto(chat, "which")
        return Reply(wording.which_to_rate([residents.case_line(c) for c in shown]))
    if "level" not in data:
        dialogue.goto(chat, "level")
        return Reply(wording.ask_rating(_case_words(case)))
    level = RatingLevel(data["level"])
    if level.is_bad and "comment" not in data and not data.get("no_comment"):
        dialogue.goto(chat, "comment")
        return Reply(wording.ASK_RATING_COMMENT)
    dialogue.goto(chat, "confirm")
    return Reply(wording.rating_read_back(_case_words(case), level.value, data.get("comment")))


def on_rate_which(chat: Chat, text: str) -> Reply:
    number = choice(text)
    ids: list[int] = list(chat.data.get("case_ids") or [])
    if number is None or not 1 <= int(number) <= len(ids):
        return Reply(f"{wording.NOT_UNDERSTOOD}\n{_ask_next(chat).text}")
    dialogue.goto(chat, "level", case_id=ids[int(number) - 1], case_ids=None)
    return _ask_next(chat)


def on_rate_level(chat: Chat, text: str) -> Reply:
    number = choice(text)
    level = RATING_NUMBERS.get(number) if number is not None else understand.rating_from(text, asked=True)
    if level is None:
        return Reply(wording.ASK_RATING_AGAIN)
    comment = understand.rating_comment(text, level) if number is None else None
    dialogue.goto(chat, "level", level=level.value, comment=comment[:COMMENT_LIMIT] if comment else None)
    return _ask_next(chat)


def on_rate_comment(chat: Chat, text: str) -> Reply:
    if choice(text) == "1" or dialogue.is_no(text):
        dialogue.goto(chat, "comment", no_comment=True)
        return _ask_next(chat)
    comment = text.strip()
    if not understand.normalise(comment):
        return Reply(f"{wording.NEED_WORDS}\n{wording.ASK_RATING_COMMENT}")
    dialogue.goto(chat, "comment", comment=comment[:COMMENT_LIMIT])
    return _ask_next(chat)


def on_rate_confirm(chat: Chat, text: str) -> Reply:
    data = chat.data
    if choice(text) == "2" or dialogue.is_no(text):
        dialogue.goto(chat, "level", level=None, comment=None, no_comment=None)
        return _ask_next(chat)
    if not dialogue.is_yes(text):
        return Reply(f"{wording.NOT_UNDERSTOOD}\n{_ask_next(chat).text}")
    level = RatingLevel(data["level"])
    try:
        form = EvaluateIn(level=level, source=RatingSource.RESIDENT, comment=data.get("comment"))
        with chat.session.begin_nested():
            service.transition(chat.session, residents.actor_for(chat.resident), int(data["case_id"]),
                               Action.EVALUATE, form)
    except (AppError, ValidationError) as exc:
        dialogue.finish(chat)
        return Reply(wording.rate_refused(exc.message if isinstance(exc, AppError) else wording.SUBMIT_INVALID))
    dialogue.finish(chat)
    return Reply(wording.rated(level.is_bad, RECTIFICATION_WORKING_DAYS))


CANCEL_STEPS: dict[str, Step] = {"which": on_cancel_which, "confirm": on_cancel_confirm}
RATE_STEPS: dict[str, Step] = {"which": on_rate_which, "level": on_rate_level, "comment": on_rate_comment,
                               "confirm": on_rate_confirm}
