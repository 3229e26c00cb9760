"""What a resident means, typed or spoken: a small table of rules, no model and no network.

WeChat's voice recognition writes what it heard with punctuation ("确认提交。", "嗯，是的。") and the
filler words people say ("那个", "嗯"); typed replies use full-width digits and spaces. Every function
here is pure, so the tables can be tested against real phrasings one line each (tests/chat).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from app.chat import elsewhere
from app.chat.elsewhere import Elsewhere
from app.chat.wording import CATEGORY_WORDS
from app.models import AssistanceCategory, RatingLevel

_WIDE = str.maketrans("０１２３４５６７８９－（）ＯＫｏｋ", "0123456789-()OKok")
_PUNCTUATION = re.compile(r"[\s。，,.!！?？、~～…·:：;；\"'“”‘’（）()\-－—_]+")
# Said before the words that matter ("那个，我叫刘德福"), never meaningful on their own at the start.
_LEADING_FILLERS = ("那个", "这个", "就是说", "就是", "我说", "请问", "你好", "您好", "喂", "呃", "额", "嗯", "哦",
                    "噢", "啊")
# Said after them ("是的呀", "好吧"); "了" stays: "不办了" and "错了" need it.
_TRAILING_PARTICLES = ("啊", "呀", "吧", "哈", "啦", "嘛", "哦", "呢", "噢", "哟")

SPOKEN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")


def normalise(text: str) -> str:
    """The words without punctuation, spaces or fillers; full-width letters and digits made plain.
    A filler that is the whole reply stays ("嗯" is a yes)."""
    words = _PUNCTUATION.sub("", text.translate(_WIDE))
    changed = True
    while changed:
        changed = False
        for filler in _LEADING_FILLERS:
            if words.startswith(filler) and len(words) > len(filler):
                words, changed = words[len(filler):], True
        for particle in _TRAILING_PARTICLES:
            if words.endswith(particle) and len(words) > len(particle) + 1:
                words, changed = words[: -len(particle)], True
    return words


# -- yes and no -----------------------------------------------------------------------------------

# "1" is not here: what a number means is the prompt's business, not this table's.
_YES = frozenset({
    "是", "是的", "是啊", "对", "对的", "对头", "对了", "好", "好的", "好嘞", "嗯", "嗯嗯", "可以", "行", "没错",
    "没问题", "确认", "确定", "确认提交", "确定提交", "提交", "确认无误", "没错提交", "同意", "要得", "要", "就是",
    "就是这个", "是这个", "是这个号", "是这个号码", "就是这个号", "就是这个号码", "都对", "对的没错", "ok", "OK",
})
_NO = frozenset({
    "不是", "不是的", "不对", "不", "不要", "不行", "不好", "不用", "不可以", "不同意", "不确认", "错了", "错", "没有",
    "否", "搞错了", "弄错了", "要不得", "不得行", "不是这个", "不是这个号", "不是这个号码", "换一个", "换个号",
    "换号码", "不对的",
})


_YES_FIRST = ("是的", "对的", "好的", "确认", "没错", "没问题")
_NO_FIRST = ("不是", "不对", "错了", "不要", "不行")


def _repeated(words: str) -> str:
    """"对对对" → "对", "好的好的" → "好的": people repeat a yes for emphasis."""
    for size in range(1, len(words) // 2 + 1):
        unit = words[:size]
        if len(words) % size == 0 and unit * (len(words) // size) == words:
            return unit
    return words


def yes_no(text: str) -> bool | None:
    """True for yes in its common forms, False for no, None for anything else (a number included)."""
    words = _repeated(normalise(text))
    if words.startswith("回复"):
        words = words[2:]
    if words[:1] in ("1", "一") and words[1:] in _YES:
        # "回复1确认提交" read out as the prompt words it.
        words = words[1:]
    if words in _YES:
        return True
    if words in _NO:
        return False
    # "不对，换个号", "是的，就是这个": a clear yes or no first, then more.
    if words.startswith(_NO_FIRST):
        return False
    if words.startswith(_YES_FIRST):
        return True
    return None


# -- names ----------------------------------------------------------------------------------------

_NAME_PREFIX = re.compile(r"^(?:(?:我|俺|她|他|本人)的?(?:名字|姓名)?是|(?:名字|姓名)是?|本人|我姓|姓)(?=.)")
_NAME_SUFFIXES = ("就行了", "就可以了", "就好了", "就行", "就好", "就可以", "就是了")
_DIGITS = re.compile(r"[0-9]")
_SPOKEN_NUMBER = re.compile(r"^[零〇一二三四五六七八九幺两]{5,}$")


class NameProblem(enum.Enum):
    EMPTY = "empty"
    DIGITS = "digits"
    PHONE = "phone"


def name_from(text: str) -> str | NameProblem:
    """The name in "我叫刘德福" / "我是刘德福" / "叫我老刘就行", or why there is none: a number
    (a phone most likely) is not a name."""
    words = normalise(text)
    if "叫我" in words:
        words = words.rsplit("叫我", 1)[1]
    elif "叫" in words:
        # "我妈叫张秀英", "我姓王，叫王建国": the name follows 叫.
        words = words.split("叫", 1)[1].removeprefix("做")
    else:
        words = _NAME_PREFIX.sub("", words, count=1)
    for suffix in _NAME_SUFFIXES:
        if words.endswith(suffix) and len(words) > len(suffix):
            words = words[: -len(suffix)]
    if not words:
        return NameProblem.EMPTY
    plain = words.translate(SPOKEN_DIGITS)
    if _DIGITS.search(words) or _SPOKEN_NUMBER.match(words):
        return NameProblem.PHONE if len(re.sub(r"\D", "", plain)) >= 7 else NameProblem.DIGITS
    return words


# -- relations ------------------------------------------------------------------------------------

# What a resident calls a family member → the word the page and the helper read ("您的家人张秀英（母亲）").
# Spouses are 配偶 whatever they are called: the word of the application forms and of the H5 page's
# own list, the same for a young couple and an old one; 老伴 or 老公 said in chat reads as 配偶.
RELATIONS: dict[str, str] = {
    **dict.fromkeys(("妈", "妈妈", "母亲", "老妈", "娘", "老娘", "阿妈", "妈咪", "亲妈", "母"), "母亲"),
    **dict.fromkeys(("爸", "爸爸", "父亲", "老爸", "爹", "老爹", "阿爸", "老汉", "老汉儿", "亲爸", "父"), "父亲"),
    **dict.fromkeys(("老伴", "老伴儿", "爱人", "老公", "老婆", "丈夫", "妻子", "媳妇", "媳妇儿", "对象", "配偶",
                     "老头", "老头子", "老头儿", "老太婆", "先生", "太太"), "配偶"),
    **dict.fromkeys(("儿子", "儿", "崽", "大儿子", "二儿子", "小儿子", "幺儿"), "儿子"),
    **dict.fromkeys(("女儿", "闺女", "女", "大女儿", "二女儿", "小女儿", "幺女", "姑娘"), "女儿"),
    **dict.fromkeys(("孩子", "小孩", "娃", "娃儿", "子女", "儿女"), "子女"),
    **dict.fromkeys(("爷爷", "爷", "祖父"), "爷爷"),
    **dict.fromkeys(("奶奶", "祖母"), "奶奶"),
    **dict.fromkeys(("外公", "姥爷", "外祖父", "家公"), "外公"),
    **dict.fromkeys(("外婆", "姥姥", "外祖母", "家婆"), "外婆"),
    **dict.fromkeys(("孙子", "孙儿"), "孙子"),
    **dict.fromkeys(("孙女", "孙女儿"), "孙女"),
    **dict.fromkeys(("外孙", "外孙子"), "外孙"),
    **dict.fromkeys(("外孙女",), "外孙女"),
    **dict.fromkeys(("哥", "哥哥", "大哥", "二哥"), "哥哥"),
    **dict.fromkeys(("弟", "弟弟", "小弟", "兄弟"), "弟弟"),
    **dict.fromkeys(("姐", "姐姐", "大姐", "二姐"), "姐姐"),
    **dict.fromkeys(("妹", "妹妹", "小妹"), "妹妹"),
    **dict.fromkeys(("兄弟姐妹", "兄妹", "姐妹", "姐弟"), "兄弟姐妹"),
    **dict.fromkeys(("儿媳", "儿媳妇"), "儿媳"),
    **dict.fromkeys(("女婿",), "女婿"),
    **dict.fromkeys(("岳父", "丈人", "老丈人"), "岳父"),
    **dict.fromkeys(("岳母", "丈母娘"), "岳母"),
    **dict.fromkeys(("公公",), "公公"),
    **dict.fromkeys(("婆婆",), "婆婆"),
}
_BY_LENGTH = sorted(RELATIONS, key=len, reverse=True)
_RELATION_PREFIX = re.compile(r"^(?:[她他]?(?:是|就是))?(?:我们?|俺|咱)?(?:家里?的?|家)?(?:的)?")
_RELATION_SUFFIX = re.compile(r"(?:的)?$")
RELATION_WORDS_LIMIT = 6


def relation_from(text: str) -> str | None:
    """The relation in "她是我妈妈" (母亲) or "老伴" (配偶); a relation not in the table is kept as said
    when it is a word or two ("邻居"); None when nothing usable is left."""
    words = _RELATION_SUFFIX.sub("", _RELATION_PREFIX.sub("", normalise(text), count=1), count=1)
    if words.startswith("亲") and words[1:] in RELATIONS:
        words = words[1:]
    if words in RELATIONS:
        return RELATIONS[words]
    if len(words) > RELATION_WORDS_LIMIT:
        return None
    for said in _BY_LENGTH:
        if len(said) >= 2 and said in words:
            return RELATIONS[said]
    if not words or _DIGITS.search(words):
        return None
    return words


def known_relation(text: str) -> str | None:
    """A relation from the table only: "我妈妈" is 母亲, "家里人" says nothing about which."""
    relation = relation_from(text)
    return relation if relation in RELATIONS.values() else None


_FOR_FAMILY = re.compile(r"(?:帮|给|替|为|代)(?:我|俺)(?:们)?(?:家)?(?:的)?(?:亲)?(" + "|".join(_BY_LENGTH) + ")")
_FOR_SOMEONE_AT_HOME = re.compile(r"(?:帮|给|替|为|代)(?:我|俺)?(?:们)?(?:家的?)?(?:家里人|家里|家人|亲人|老人)")
_FOR_SELF = ("我自己", "给自己", "为自己", "帮自己", "本人")


def for_whom(text: str) -> tuple[bool | None, str | None]:
    """(True, "母亲") for "帮我妈妈申请低保", (False, None) for "我自己申请", (None, None) when unsaid:
    "我老伴走了，想申请低保" names a relation but is for the speaker."""
    words = normalise(text)
    found = _FOR_FAMILY.search(words)
    if found:
        return True, RELATIONS[found.group(1)]
    if _FOR_SOMEONE_AT_HOME.search(words):
        return True, None
    if any(word in words for word in _FOR_SELF):
        return False, None
    return None, None


# -- the category ---------------------------------------------------------------------------------

def category_from(text: str) -> AssistanceCategory | None:
    words = normalise(text)
    for category, said in CATEGORY_WORDS.items():
        if any(word in words for word in said):
            return category
    return None


# The category named by what it is called, not by what happened ("看病" is not "医疗救助").
_NAMED = ("低保", "最低生活保障", "特困", "五保", "救助")


# -- ratings --------------------------------------------------------------------------------------

# Checked in this order, so "非常不满意" is not read as "不满意" and "不满意" not as "满意".
_LEVELS: tuple[tuple[RatingLevel, tuple[str, ...]], ...] = (
    (RatingLevel.VERY_DISSATISFIED, ("非常不满意", "很不满意", "特别不满意", "十分不满意", "太不满意", "极不满意",
                                     "非常差", "太差", "很差", "极差")),
    (RatingLevel.DISSATISFIED, ("不满意", "不太满意", "不大满意", "不是很满意", "不是太满意", "不怎么满意", "差评")),
    (RatingLevel.BASICALLY_SATISFIED, ("基本满意", "比较满意", "还算满意", "还满意", "一般般", "还行", "还可以",
                                       "一般")),
    (RatingLevel.VERY_SATISFIED, ("非常满意", "很满意", "特别满意", "十分满意", "太满意", "非常好", "很好", "好评")),
    (RatingLevel.SATISFIED, ("满意", "挺好", "不错")),
)
# Words that are a rating only in answer to "满意吗？", never in a first message ("还行" is also a yes).
_ONLY_WHEN_ASKED = frozenset({"一般般", "还行", "还可以", "一般", "非常好", "很好", "挺好", "不错", "非常差", "太差",
                              "很差", "极差"})


def rating_from(text: str, *, asked: bool = False) -> RatingLevel | None:
    words = normalise(text)
    for level, said in _LEVELS:
        if any(word in words for word in said if asked or word not in _ONLY_WHEN_ASKED):
            return level
    return None


def rating_comment(text: str, level: RatingLevel) -> str | None:
    """What the resident said beyond the rating itself, kept in their words; None for a bare "不满意"."""
    words = normalise(text)
    bare = {word for said_level, said in _LEVELS if said_level is level for word in said}
    if words in bare or not words:
        return None
    return text.strip().strip("。，,.…") or None


# -- what a message is for ------------------------------------------------------------------------


class Want(enum.Enum):
    ENTRUST = "entrust"
    PROGRESS = "progress"
    CANCEL = "cancel"
    RATE = "rate"
    POLICY = "policy"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class Intent:
    """What a first message asks for, and everything it already said, so nothing is asked twice."""

    want: Want | None
    category: AssistanceCategory | None = None
    for_family: bool | None = None
    relation: str | None = None
    rating: RatingLevel | None = None
    comment: str | None = None
    elsewhere: Elsewhere | None = None


_CANCEL = ("不办了", "不想办了", "不要办了", "别办了", "不用办了", "不申请了", "不想申请了", "不要了", "撤回", "撤销",
           "取消委托", "取消办件", "取消申请", "帮我取消", "我要取消", "要取消", "想取消", "取消吧", "给我取消")
_PROGRESS = ("进度", "办到哪", "到哪一步", "到哪了", "办得怎么样", "办的怎么样", "怎么样了", "查询", "查一下", "查查",
             "我的办件", "有结果了吗", "有结果没", "批下来", "批了没", "办好了没", "办好没", "办好了吗", "什么时候办好",
             "什么时候能办好")
_RATE = ("评价", "打分", "评个分")
_POLICY = ("政策", "什么条件", "申请条件", "条件是什么", "怎么申请", "如何申请", "怎样申请", "需要什么", "要什么材料",
           "哪些材料", "什么材料",
           "能不能申请", "能申请吗", "可以申请吗", "能不能办", "能办吗", "符合", "什么是")
_ENTRUST = ("委托", "申请", "我要办", "想办", "要办", "帮我办", "办个", "办一下", "办理")


def _has(words: str, phrases: tuple[str, ...]) -> bool:
    return any(phrase in words for phrase in phrases)


def first_message_intent(text: str) -> Intent:
    """What a message sent outside any dialogue asks for. Cancelling and rating come first: "不办了" and
    "不满意" are short and must not start anything; a matter outside social assistance is answered
    with where to go, unless a category is named as such ("医保报销完还欠钱，申请医疗救助")."""
    words = normalise(text)
    if not words:
        return Intent(None)
    if _has(words, _CANCEL) or words == "取消":
        return Intent(Want.CANCEL)
    rating = rating_from(words)
    if rating is not None or _has(words, _RATE):
        return Intent(Want.RATE, rating=rating, comment=rating_comment(text, rating) if rating else None)
    category = category_from(words)
    topic = elsewhere.topic_in(words)
    if topic is not None and not _has(words, _NAMED):
        return Intent(Want.ELSEWHERE, elsewhere=topic)
    if _has(words, _POLICY):
        return Intent(Want.POLICY, category=category)
    if _has(words, _PROGRESS):
        return Intent(Want.PROGRESS)
    family, relation = for_whom(words)
    if _has(words, _ENTRUST) or (category is not None and family is not None):
        return Intent(Want.ENTRUST, category=category, for_family=family, relation=relation)
    return Intent(None, category=category)


# A message longer than this is a story, not a command: "儿子不办了学上不起" is what happened.
COMMAND_LIMIT = 12


def interrupts(text: str) -> Want | None:
    """Progress or cancelling asked for in the middle of a dialogue, in a short message of its own."""
    words = normalise(text)
    if len(words) > COMMAND_LIMIT:
        return None
    if _has(words, _CANCEL):
        return Want.CANCEL
    if _has(words, _PROGRESS):
        return Want.PROGRESS
    return None
