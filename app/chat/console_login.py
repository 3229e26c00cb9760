"""Signing in to the staff console from the chat: a staff member's bound WeChat scans the sign-in page's
``login:<token>`` code, the chat asks them to reply 1, and on "1" the waiting browser may sign in
(``app.staff.qr_login``). The question is a short dialogue step: any other reply cancels it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.chat import dialogue
from app.chat.dialogue import Chat, choice
from app.chat.entrust import Step
from app.residents import service as resident_service
from app.staff import qr_login
from app.staff.qr_login import Refusal
from app.wechat.reply import Reply

FLOW = "console_login"
CONFIRM = "confirm"

ASK = ("您正在电脑上登录帮办代办工作台：{name}（{area}）。\n回复 1 确认登录。"
       "如果不是您本人正在电脑前操作，请不要回复。")
CONFIRMED = ("已确认登录，电脑上的工作台马上就会打开。\n"
             "如果不是您本人操作，请立即在工作台点“全部设备退出”，并联系县民政局。")
NOT_CONFIRMED = "没有确认，这次登录已取消。需要登录时，请在电脑上刷新登录页面，重新扫码。"
REFUSED = {
    Refusal.UNKNOWN_CODE: "这个登录二维码已经过期。请在电脑上刷新登录页面，扫描新的二维码。",
    Refusal.USED: "这个登录二维码已经用过了。需要登录时，请在电脑上刷新登录页面，扫描新的二维码。",
    Refusal.NOT_STAFF: ("您的微信没有登记为工作台的工作人员，不能用它登录。"
                        "如需开通，请联系县民政局登记您的微信。"),
    Refusal.OTHER_SCANNER: "这个登录二维码已经被另一位工作人员扫过了，请在电脑上刷新登录页面，重新扫码。",
    Refusal.NOT_SCANNED: "没有找到要确认的登录，请在电脑上刷新登录页面，重新扫码。",
}


def _chat(session: Session, openid: str) -> Chat:
    resident = resident_service.find_or_create(session, openid)
    state, _ = dialogue.load(session, openid)
    return Chat(session, openid, resident, state)


def scanned(session: Session, openid: str, token: str) -> Reply:
    """The code was scanned: ask the staff member it belongs to for their "1"."""
    result = qr_login.scan(session, token, openid)
    if result.refusal is not None or result.member is None:
        return Reply(REFUSED[result.refusal or Refusal.NOT_STAFF])
    chat = _chat(session, openid)
    dialogue.begin(chat, FLOW, CONFIRM, {"token": token})
    return Reply(ASK.format(name=result.member.name, area=result.area_name))


def _confirm(chat: Chat, text: str) -> Reply:
    token = str(chat.data.get("token", ""))
    dialogue.finish(chat)
    if choice(text) != "1":
        return Reply(NOT_CONFIRMED)
    result = qr_login.confirm(chat.session, token, chat.openid)
    if result.refusal is not None:
        return Reply(REFUSED[result.refusal])
    return Reply(CONFIRMED)


STEPS: dict[str, Step] = {CONFIRM: _confirm}
