"""Every sentence residents and helpers read in the chat, in one place for review (CONVERSATION.md).

One message, one question; numbered choices mean the same everywhere (0 back to the start, 9 ask the
helper to call); plain words; phones masked; every refusal says how to go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.models import AssistanceCategory, EntrustmentStatus

CHOICES = "回复 1 我要委托帮办　2 查询我的办件　3 了解救助政策　9 请帮办员给我打电话"

# The number a resident replies for each category, the same in the entrust and the policy questions.
CATEGORY_NUMBERS: dict[str, AssistanceCategory] = {
    "1": AssistanceCategory.MINIMUM_LIVING,
    "2": AssistanceCategory.EXTREME_POVERTY,
    "3": AssistanceCategory.TEMPORARY,
    "4": AssistanceCategory.MEDICAL,
    "5": AssistanceCategory.EMPLOYMENT,
    "6": AssistanceCategory.HOUSING,
    "7": AssistanceCategory.EDUCATION,
    "8": AssistanceCategory.DISASTER,
}

CATEGORY_LABELS: dict[AssistanceCategory, str] = {
    AssistanceCategory.MINIMUM_LIVING: "低保",
    AssistanceCategory.EXTREME_POVERTY: "特困供养",
    AssistanceCategory.TEMPORARY: "临时救助",
    AssistanceCategory.MEDICAL: "医疗救助",
    AssistanceCategory.EMPLOYMENT: "就业救助",
    AssistanceCategory.HOUSING: "住房救助",
    AssistanceCategory.EDUCATION: "教育救助",
    AssistanceCategory.DISASTER: "灾害救助",
    AssistanceCategory.UNDECIDED: "请帮办员确认",
}

# Words a resident may say (or WeChat may recognise from speech) for a category.
CATEGORY_WORDS: dict[AssistanceCategory, tuple[str, ...]] = {
    AssistanceCategory.MINIMUM_LIVING: ("低保", "最低生活保障"),
    AssistanceCategory.EXTREME_POVERTY: ("特困", "五保"),
    AssistanceCategory.TEMPORARY: ("临时",),
    AssistanceCategory.MEDICAL: ("医疗", "看病", "住院"),
    AssistanceCategory.EMPLOYMENT: ("就业", "工作", "找活"),
    AssistanceCategory.HOUSING: ("住房", "危房", "房子"),
    AssistanceCategory.EDUCATION: ("教育", "上学", "读书", "学费"),
    AssistanceCategory.DISASTER: ("灾害", "受灾", "洪水", "火灾"),
}


def category_label(category: AssistanceCategory) -> str:
    return CATEGORY_LABELS[category]


def category_title(category: AssistanceCategory) -> str:
    """The heading of a guide, where 低保 is explained once."""
    if category is AssistanceCategory.MINIMUM_LIVING:
        return "最低生活保障（低保）"
    return CATEGORY_LABELS[category]


def _category_list(numbers: Sequence[str]) -> str:
    first = {"1": "低保（最低生活保障）"}
    return "　".join(f"{n} {first.get(n, CATEGORY_LABELS[CATEGORY_NUMBERS[n]])}" for n in numbers)


# -- greeting and the start -------------------------------------------------------------------

WELCOME = (
    "您好，欢迎关注垫江社会救助！自己申请社会救助有困难的，村（社区）帮办代办员可以免费帮您办。\n" + CHOICES
)

MENU = "您好，这里是垫江社会救助。\n" + CHOICES

RESTART = "好的，回到开始。\n" + CHOICES

STALE = "上次没办完的委托已经超过30分钟没有继续，为了保护您的信息，已经清除了。请重新开始：\n" + CHOICES

NOT_HEARD = "没听清，请再说一遍，或回复数字选择。\n" + CHOICES

# Before the question a dialogue is waiting on, which itself says how to answer.
NOT_HEARD_AGAIN = "没听清，请再说一遍。"

MEDIA_HELP = "您好，这里能看懂文字和语音消息。\n" + CHOICES

PHOTO_LATER = (
    "照片先不用在这里发。提交委托后，可以在办件页面上传材料照片，帮办员上门时也会帮您收材料。"
)

NOT_UNDERSTOOD = "没看懂您的回复，请回复数字选择。"

# A question answered in words (a name, what happened) got a bare number or nothing.
NEED_WORDS = "这一步请直接说，打字或发语音都可以。"

NOT_READABLE = "这里只看得懂文字和语音。"

CONTINUE = "接着刚才的委托："

FINISH_FIRST = "您的委托还没提交。请先接着回答下面的问题，或回复 0 回到开始后再查。"


def helper_line(name: str, phone: str, *, secretary: bool = False) -> str:
    """A helper with their work phone in full: the plan's 公示 publishes it."""
    who = "村（社区）书记" if secretary else "帮办员"
    return f"{who}{name}（{phone}）" if phone else f"{who}{name}"


def village_hello(place: str, helpers: Sequence[str]) -> str:
    who = "、".join(helpers) if helpers else "村（社区）帮办代办员"
    return f"您好，这里是垫江社会救助。您所在的是【{place}】，{who}可以免费帮您申请社会救助。"


def welcome_village(place: str, helpers: Sequence[str]) -> str:
    return village_hello(place, helpers) + "\n" + CHOICES


# -- entrusting --------------------------------------------------------------------------------

ASK_CATEGORY = "请问办哪一类？" + _category_list(list(CATEGORY_NUMBERS)) + "　9 不清楚，请帮办员给我打电话"

CATEGORY_UNAVAILABLE = "这一类暂时不能在微信里委托。回复 9 请帮办员给您打电话，或回复其他数字选择。"

# The service refused what the dialogue held: the matter was withdrawn, the village removed.
MATTER_WITHDRAWN = "这一类暂时不能在微信里委托了。"

VILLAGE_WITHDRAWN = "您选的村（社区）现在找不到了。"

ASK_FOR_WHOM = "是为自己办，还是帮家里人办？1 自己　2 家里人"

def ask_beneficiary_name(relation: str | None) -> str:
    return f"请问您{relation}叫什么名字？" if relation else "请问您的家人叫什么名字？"


ASK_NAME = "请问怎么称呼您？（比如：李大妈、王建国）"

# A number where a name was asked: most often the phone, given one question early.
NAME_IS_PHONE = "这像是电话号码，电话等一下再问。这一步请说名字，比如：王建国。"

NAME_HAS_DIGITS = "名字里不能有数字，请说名字，比如：王建国。"

NAME_TOO_LONG = "名字最多32个字，请再发一次。前面填的都还在。"

RELATION_TOO_LONG = "关系最多16个字，用一两个词说就行，比如：父亲、母亲、老伴。"

RELATION_NOT_UNDERSTOOD = "没听懂是什么关系，用一两个词说就行，比如：父亲、母亲、老伴、儿子。"


def ask_relation(name: str) -> str:
    return f"请问{name}是您的什么人？（比如：父亲、母亲、老伴、儿子）"


def _for_example(example: str | None) -> str:
    return f"，比如：{example}" if example else ""


def ask_village(for_family: bool, example: str | None) -> str:
    """``example``: a real village of the resident's township (never one that does not exist)."""
    who = "您的家人" if for_family else "您"
    return f"请问{who}住在哪个村（社区）？请回复村（社区）的名字{_for_example(example)}"


def village_not_found(text: str, example: str | None) -> str:
    return (
        f"没有找到「{text[:20]}」。请再发一次村（社区）的名字，可以连乡镇一起说{_for_example(example)}。"
        "回复 0 回到开始。"
    )


def village_by_name(example: str | None) -> str:
    return f"请回复村（社区）的名字{_for_example(example)}。回复 0 回到开始。"


def village_too_many(example: str | None) -> str:
    return f"符合的村（社区）太多了，请连乡镇（街道）一起说{_for_example(example)}。"


def village_choices(places: Sequence[str]) -> str:
    lines = "\n".join(f"{n} {place}" for n, place in enumerate(places, start=1))
    return f"找到几个地方，请回复数字选择：\n{lines}"


def ask_description(for_family: bool) -> str:
    who = "您家人" if for_family else "您"
    return f"请简单说说{who}的情况（可以发语音）"


def description_too_long(length: int, limit: int) -> str:
    return f"情况说明最多{limit}个字，您发的有{length}个字。请说得简短一些再发一次，前面填的都还在。"


def confirm_phone(masked: str) -> str:
    return f"联系电话是 {masked} 吗？回复 1 是，或直接发新的号码"


ASK_PHONE = "请发一个能联系到您的电话号码（手机或座机都可以）"

BAD_PHONE = (
    "这个号码好像不对，请再发一次。手机是11位数字，比如 13800000000；座机带区号，比如 023-74221234。"
)


# The read-back shows the whole description up to this length: a reply must stay within WeChat's
# 2048 bytes, and the helper reads the rest on the case page.
READ_BACK_DESCRIPTION = 300


def read_back(matter: str, beneficiary: str | None, relation: str | None, name: str, place: str,
              description: str, masked_phone: str) -> str:
    """Every answer, one a line, before anything is sent."""
    for_whom = f"您的家人{beneficiary}（{relation}）" if beneficiary else "您自己"
    shown = description if len(description) <= READ_BACK_DESCRIPTION else description[:READ_BACK_DESCRIPTION] + "…"
    return (
        f"请核对：\n办理：{matter}\n为谁办：{for_whom}\n您的称呼：{name}\n地点：{place}\n情况：{shown}\n"
        f"电话：{masked_phone}\n回复 1 确认提交，回复 2 修改"
    )


ASK_CHANGE = "要改哪一项？1 办哪一类　2 为谁办　3 村（社区）　4 情况说明　5 电话　6 您的称呼"


def contact_line(helper_name: str | None, masked_phone: str, *, secretary: bool) -> str:
    if helper_name is None:
        return "乡镇（街道）工作人员"
    return helper_line(helper_name, masked_phone, secretary=secretary)


def submitted(number: str, who: str, days: int) -> str:
    return f"已提交，编号 {number}。{who}会在{days}个工作日内联系您。回复 2 可随时查询进度。"


def callback_requested(number: str, who: str, days: int, masked_phone: str) -> str:
    return (
        f"好的，已请帮办员给您打电话，编号 {number}。{who}会在{days}个工作日内打 {masked_phone} 联系您。"
        "回复 2 可随时查询进度。"
    )


def callback_pending(number: str, who: str, masked_phone: str) -> str:
    return f"您已经请过帮办员打电话（编号 {number}），{who}会尽快打 {masked_phone} 联系您，请留意接听。"


def submit_refused(message: str) -> str:
    return f"{message}\n您填的内容都还在：回复 1 再提交一次，回复 2 修改，或回复 9 请帮办员给您打电话。"


def call_refused(message: str) -> str:
    return f"{message}\n您说的都还在：回复 9 再试一次，或回复 0 回到开始。"


SUBMIT_INVALID = "有一项内容没填对，没能提交。"


def callback_description(category: str | None, said: str | None) -> str:
    """What the helper reads on a case the resident created with 9."""
    parts = ["委托人在微信中选择“请帮办员给我打电话”，请电话联系了解情况，确认要办的事项。"]
    if category:
        parts.append(f"委托人选过：{category}。")
    if said:
        parts.append(f"委托人说：{said}")
    return "".join(parts)


# -- progress ----------------------------------------------------------------------------------

NO_OPEN_CASES = "您目前没有正在办理的办件。\n回复 1 我要委托帮办"

PROGRESS_FOOT = "有问题可以回复 9 请帮办员给您打电话。"


def day(value: date) -> str:
    return f"{value.month}月{value.day}日"


# After a date counted through a year whose holidays the State Council has not published yet.
PROVISIONAL = "（暂按法定节假日推算，以国务院公布为准）"


def case_state(status: EntrustmentStatus, *, termination_requested: bool, acceptance_due: date | None,
               due: date | None, missing: Sequence[str], provisional: bool = False) -> str:
    mark = PROVISIONAL if provisional else ""
    if termination_requested:
        return "您申请了不再办理，等帮办员确认"
    if status is EntrustmentStatus.SUBMITTED:
        return f"已提交，帮办员预计{day(acceptance_due)}前联系您{mark}" if acceptance_due else "已提交，等帮办员联系您"
    if status is EntrustmentStatus.AWAITING_SUPPLEMENT:
        shown = "、".join(missing[:2]) + (f"等{len(missing)}项" if len(missing) > 2 else "")
        return f"还需要补材料：{shown}，请准备好交给帮办员" if shown else "还需要补材料，帮办员会告诉您缺什么"
    if status is EntrustmentStatus.ACCEPTED:
        return f"帮办员已受理，预计{day(due)}前办结{mark}" if due else "帮办员已受理，正在办理"
    if status is EntrustmentStatus.IN_PROGRESS:
        return f"已送乡镇窗口，预计{day(due)}前办结{mark}" if due else "已送乡镇窗口，正在办理"
    return "正在办理"


def progress(lines: Sequence[str], more: int) -> str:
    head = f"您正在办理的有{len(lines) + more}件：\n"
    tail = f"\n还有{more}件，请在办件页面查看。" if more else ""
    return head + "\n".join(lines) + tail + "\n" + PROGRESS_FOOT


# -- cancelling and rating a case in the chat ------------------------------------------------

DRAFT_DROPPED = "好的，刚才没提交的委托不办了，您填的内容已经清除。\n" + CHOICES

NOTHING_TO_CANCEL = "您目前没有可以取消的办件。\n" + CHOICES


def cancel_already(number: str) -> str:
    return f"您已经申请过取消 {number}，不用再申请。帮办员会和您联系，把您交给他的材料原样还给您。"


def which_to_cancel(lines: Sequence[str]) -> str:
    listed = "\n".join(f"{n} {line}" for n, line in enumerate(lines, start=1))
    return f"要取消哪一件？请回复数字：\n{listed}\n回复 0 不取消"


def confirm_cancel(line: str) -> str:
    return (f"要取消的是：{line}。取消后帮办员不再为您办理，交给他的材料会原样还给您。\n"
            "回复 1 确认取消，回复 2 不取消")


def cancel_kept(number: str) -> str:
    return f"好的，不取消，{number} 继续办理。"


def cancel_reason(said: str) -> str:
    """What the helper reads as the reason: the resident's own words from the chat."""
    return f"委托人在微信中说：{said.strip()}"


def cancel_requested(number: str, who: str) -> str:
    return f"已申请取消 {number}。{who}会和您联系，把您交给他的材料原样还给您。回复 2 可查询进度。"


def cancel_refused(message: str) -> str:
    return f"{message}\n没能取消。回复 9 请帮办员给您打电话。"


NOTHING_TO_RATE = "您目前没有办结待评价的办件。办好以后，回复“满意”或“不满意”就可以评价。"

NOT_RATEABLE_YET = "您的办件还没有办结，办好以后才能评价。"

RATING_CHOICES = "1 非常满意　2 满意　3 基本满意　4 不满意　5 非常不满意"


def which_to_rate(lines: Sequence[str]) -> str:
    listed = "\n".join(f"{n} {line}" for n, line in enumerate(lines, start=1))
    return f"要评价哪一件？请回复数字：\n{listed}"


def ask_rating(case: str) -> str:
    return f"您对{case}的帮办服务满意吗？请回复数字：\n{RATING_CHOICES}"


ASK_RATING_AGAIN = f"请回复数字选一个评价：{RATING_CHOICES}"

ASK_RATING_COMMENT = "请说说哪里不满意（可以发语音），乡镇（街道）会督促帮办员整改。不想说请回复 1"


def rating_read_back(case: str, level: str, comment: str | None) -> str:
    said = f"\n您说：{comment}" if comment else ""
    return f"您对{case}的评价：{level}。{said}\n回复 1 确认提交，回复 2 重新选"


def rated(bad: bool, rectification_days: int) -> str:
    if bad:
        return (f"谢谢您的评价，已经记下。您对这次服务不满意，乡镇（街道）工作专班会查看，"
                f"督促帮办员在 {rectification_days} 个工作日内整改。")
    return "谢谢您的评价！您的评价已经记下，乡镇（街道）会定期查看。"


def rate_refused(message: str) -> str:
    return f"{message}\n没能提交评价。回复 9 请帮办员给您打电话。"


# -- requests that are not social assistance ---------------------------------------------------


def elsewhere(topic: str, where: str) -> str:
    return (f"{topic}不属于社会救助，这里不能办：{where}。\n"
            "如果家里生活有困难，回复 1 请帮办员帮您申请社会救助，回复 3 了解救助政策。")


# -- guides, helpers of a village, complaints --------------------------------------------------

ASK_POLICY = "想了解哪一类救助？回复数字：" + _category_list(list(CATEGORY_NUMBERS))

ASK_POLICY_OTHER = "想了解哪一类救助？回复数字：" + _category_list(["5", "6", "7", "8"])

# No numbered steps: beside the numbered choices a "1." would mean two things in one message.
GUIDE = (
    "帮办代办全程免费：您说要办什么，帮办员1个工作日内联系您，缺什么材料一次讲清楚，"
    "再替您把材料送到乡镇（街道）窗口，随时告诉您进度，办完请您评价。不用在这里发身份证号。\n" + CHOICES
)


def _sentences(text: str, limit: int) -> str:
    """Whole sentences from the start, up to about ``limit`` characters."""
    shown = ""
    for sentence in text.split("。"):
        if not sentence:
            continue
        if shown and len(shown) + len(sentence) + 1 > limit:
            break
        shown += sentence + "。"
    return shown if len(shown) <= limit else shown[:limit] + "…"


def policy_guide(label: str, conditions: str, materials: Sequence[str], time_limit_days: int) -> str:
    shown = _sentences(conditions, 80)
    listed = "、".join(materials[:4]) + ("等" if len(materials) > 4 else "")
    lines = [f"【{label}】", f"谁可以申请：{shown}"]
    if listed:
        lines.append(f"主要材料：{listed}（帮办员会一次讲清楚还缺什么）")
    lines.append(f"一般{time_limit_days}个工作日内办结，全程免费。")
    lines.append("回复 1 请帮办员帮您办，回复 3 看其他救助，回复 0 回到开始")
    return "\n".join(lines)


POLICY_UNAVAILABLE = "这一类的说明还在整理。回复 9 请帮办员给您打电话讲清楚，或回复 0 回到开始。"


def village_helpers(place: str, helpers: Sequence[str], notice_link: str) -> str:
    """The village's helpers, and its public notice (公示) with offices, the matter guide and the
    supervision phones."""
    notice = f"本村（社区）公示（办公地点、办事指南、监督电话）：{notice_link}"
    if not helpers:
        return f"【{place}】暂时还没有登记帮办代办员。\n{notice}\n回复 9 请工作人员给您打电话。"
    return (
        f"【{place}】的帮办代办员：\n" + "\n".join(helpers) + "\n"
        "他们免费帮您申请社会救助。\n" + notice + "\n"
        "回复 1 我要委托帮办，回复 9 请帮办员给您打电话"
    )


def complaint(place: str, phone: str | None) -> str:
    line = f"{place}监督电话：{phone}" if phone else f"请打电话到{place}社会事务办公室反映。"
    return (
        "对帮办代办服务不满意，或者遇到收费、刁难、拖着不办的，都可以投诉：\n"
        f"{line}\n"
        "办结后也可以在办件页面给服务评价，不满意的会有专人整改。"
    )


def supervision_phone(place: str, phone: str | None) -> str:
    if phone:
        return f"{place}监督电话：{phone}\n对帮办代办服务有意见，欢迎打电话反映。"
    return f"{place}暂时没有登记监督电话，请打电话到{place}社会事务办公室反映。"


# -- helpers -----------------------------------------------------------------------------------


def helper_queue(total: int, due_today: Sequence[str], overdue: Sequence[str], workbench_url: str) -> str:
    if total == 0:
        return "您目前没有待办的委托。有新委托时会在这里通知您。"
    parts = []
    if overdue:
        parts.append(f"{len(overdue)} 件已超期（{'、'.join(overdue[:3])}）")
    if due_today:
        parts.append(f"{len(due_today)} 件今天到期（{'、'.join(due_today[:3])}）")
    detail = "：" + "，".join(parts) if parts else ""
    return f'您有 {total} 件待办{detail}。<a href="{workbench_url}">点此打开工作台</a>'


def helper_case(resident_name: str, category: str) -> str:
    return f"{resident_name} {category}"


def bound(name: str, place: str) -> str:
    return (
        f"绑定成功！您是【{place}】的帮办代办员{name}。有新的委托会在这里通知您，"
        "给我们发任意消息可以查看待办。"
    )


def bind_already(name: str, place: str) -> str:
    return f"您的微信已经绑定了：【{place}】帮办代办员{name}。给我们发任意消息可以查看待办。"


BIND_UNKNOWN = "这个绑定二维码无效。请联系乡镇（街道）工作人员重新生成。"

BIND_USED = "这个绑定二维码已经用过了，每个二维码只能用一次。请联系乡镇（街道）工作人员重新生成。"

BIND_EXPIRED = "这个绑定二维码已经过期了。请联系乡镇（街道）工作人员重新生成。"


def bind_inactive(name: str) -> str:
    return f"帮办代办员{name}已不在岗，不能绑定。请联系乡镇（街道）工作人员。"


def bind_other_helper(name: str, place: str) -> str:
    return (
        f"您的微信已经绑定了帮办代办员{name}（{place}），一个微信只能绑定一名帮办员。"
        "如需更换，请联系乡镇（街道）工作人员。"
    )
