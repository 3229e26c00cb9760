"""The chat's reading rules against real phrasings, typed and as WeChat's voice recognition writes them
(with "。", "，", "？" and the filler words people say)."""

from __future__ import annotations

import pytest

from app.chat import understand
from app.chat.understand import NameProblem, Want
from app.models import AssistanceCategory, RatingLevel


@pytest.mark.parametrize(("said", "meant"), [
    ("确认提交。", True), ("确认提交", True), ("确认。", True), ("回复1确认提交", True), ("是", True),
    ("是的。", True), ("嗯，是的。", True), ("对", True), ("对的", True), ("对对对", True), ("好", True),
    ("好的好的", True), ("嗯", True), ("嗯嗯。", True), ("可以", True), ("行", True), ("没错", True),
    ("要得", True), ("那个，是的", True), ("没问题。", True), ("ＯＫ", True),
    ("不是", False), ("不是的。", False), ("不对", False), ("不", False), ("错了", False), ("不要", False),
    ("那个，不要。", False), ("不对，换个号", False), ("不行", False),
    ("1", None), ("2", None), ("在吗", None), ("我妈住院了", None), ("", None),
])
def test_yes_and_no_in_their_common_forms(said: str, meant: bool | None) -> None:
    assert understand.yes_no(said) is meant


@pytest.mark.parametrize(("said", "words"), [
    ("那个，我叫刘德福。", "我叫刘德福"), ("嗯，好的呀。", "好的"), ("嗯", "嗯"), ("１３８ ００１３", "1380013"),
    ("不办了，帮我取消。", "不办了帮我取消"), ("办到哪了？", "办到哪了"),
])
def test_normalise_drops_punctuation_spaces_and_fillers(said: str, words: str) -> None:
    assert understand.normalise(said) == words


@pytest.mark.parametrize(("said", "name"), [
    ("刘德福", "刘德福"), ("我叫刘德福", "刘德福"), ("我叫刘德福。", "刘德福"), ("我是刘德福", "刘德福"),
    ("那个，我的名字叫王建国。", "王建国"), ("叫我老刘就行", "老刘"), ("叫我老刘就行了。", "老刘"),
    ("我妈叫张秀英", "张秀英"), ("她叫张秀英。", "张秀英"), ("我姓王，叫王建国", "王建国"), ("李大妈", "李大妈"),
    ("本人刘德福", "刘德福"), ("我的名字是刘德福", "刘德福"),
])
def test_the_name_is_taken_out_of_what_was_said(said: str, name: str) -> None:
    assert understand.name_from(said) == name


@pytest.mark.parametrize(("said", "problem"), [
    ("13800138000", NameProblem.PHONE), ("138 0013 8000", NameProblem.PHONE),
    ("幺三八零零一三八零零零。", NameProblem.PHONE), ("023-74221234", NameProblem.PHONE),
    ("123", NameProblem.DIGITS), ("张3", NameProblem.DIGITS), ("。", NameProblem.EMPTY),
])
def test_a_name_of_digits_or_a_phone_number_is_no_name(said: str, problem: NameProblem) -> None:
    assert understand.name_from(said) is problem


@pytest.mark.parametrize(("said", "relation"), [
    ("她是我妈妈", "母亲"), ("她是我妈妈。", "母亲"), ("妈", "母亲"), ("妈妈", "母亲"), ("母亲", "母亲"),
    ("老妈", "母亲"), ("我亲妈", "母亲"), ("是我妈妈的", "母亲"), ("爸", "父亲"), ("父亲", "父亲"),
    ("他是我爸爸。", "父亲"), ("我老汉儿", "父亲"), ("老伴", "配偶"), ("爱人", "配偶"), ("老公", "配偶"),
    ("我老婆", "配偶"), ("我家老头子", "配偶"), ("是我的爱人。", "配偶"), ("儿子", "儿子"), ("他是我大儿子", "儿子"),
    ("女儿", "女儿"), ("闺女", "女儿"), ("爷爷", "爷爷"), ("奶奶", "奶奶"), ("外公", "外公"), ("姥姥", "外婆"),
    ("外婆", "外婆"), ("孙子", "孙子"), ("孙女", "孙女"), ("外孙女", "外孙女"), ("哥", "哥哥"), ("我妹妹", "妹妹"),
    ("兄弟姐妹", "兄弟姐妹"), ("那个，是我儿媳妇。", "儿媳"), ("邻居", "邻居"),
])
def test_relations_are_read_as_the_page_names_them(said: str, relation: str) -> None:
    assert understand.relation_from(said) == relation


@pytest.mark.parametrize("said", ["", "。", "12345", "她是我以前在老家一起干活的一个好朋友的妈妈"])
def test_nothing_usable_is_no_relation(said: str) -> None:
    assert understand.relation_from(said) is None


def test_only_table_relations_are_known_relations() -> None:
    assert understand.known_relation("我妈妈") == "母亲"
    assert understand.known_relation("家里人") is None


@pytest.mark.parametrize(("said", "category", "for_family", "relation"), [
    ("帮我妈妈申请低保", AssistanceCategory.MINIMUM_LIVING, True, "母亲"),
    ("那个，帮我妈妈申请低保。", AssistanceCategory.MINIMUM_LIVING, True, "母亲"),
    ("给我爸办个临时救助", AssistanceCategory.TEMPORARY, True, "父亲"),
    ("替我老伴申请医疗救助", AssistanceCategory.MEDICAL, True, "配偶"),
    ("帮我家老人申请临时救助", AssistanceCategory.TEMPORARY, True, None),
    ("我自己申请医疗救助", AssistanceCategory.MEDICAL, False, None),
    ("我想申请低保", AssistanceCategory.MINIMUM_LIVING, None, None),
    ("我老伴走了，我想申请低保", AssistanceCategory.MINIMUM_LIVING, None, None),
    ("家里条件不好，想申请低保", AssistanceCategory.MINIMUM_LIVING, None, None),
    ("医保报销完还欠钱，申请医疗救助", AssistanceCategory.MEDICAL, None, None),
    ("我要委托", None, None, None),
])
def test_a_first_message_keeps_the_matter_and_for_whom(said: str, category: AssistanceCategory | None,
                                                       for_family: bool | None, relation: str | None) -> None:
    intent = understand.first_message_intent(said)
    assert (intent.want, intent.category, intent.for_family, intent.relation) == (
        Want.ENTRUST, category, for_family, relation)


@pytest.mark.parametrize(("said", "want"), [
    ("不办了，帮我取消", Want.CANCEL), ("不办了，帮我取消。", Want.CANCEL), ("取消", Want.CANCEL),
    ("我不想办了", Want.CANCEL), ("撤回委托", Want.CANCEL),
    ("进度", Want.PROGRESS), ("办到哪了？", Want.PROGRESS), ("嗯，我的低保办得怎么样了？", Want.PROGRESS),
    ("查一下", Want.PROGRESS),
    ("低保怎么申请？", Want.POLICY), ("申请临时救助要什么材料", Want.POLICY), ("救助政策", Want.POLICY),
    ("满意", Want.RATE), ("不满意……", Want.RATE), ("我要评价", Want.RATE),
    ("我想申请贷款做生意", Want.ELSEWHERE), ("创业担保贷款怎么申请", Want.ELSEWHERE), ("补办身份证", Want.ELSEWHERE),
    ("在吗", None), ("你好", None),
])
def test_what_a_first_message_asks_for(said: str, want: Want | None) -> None:
    assert understand.first_message_intent(said).want is want


def test_a_loan_is_answered_with_where_to_go_not_as_employment_assistance() -> None:
    intent = understand.first_message_intent("我想申请贷款做生意")
    assert intent.elsewhere is not None and intent.elsewhere.topic == "创业担保贷款"
    assert "人力社保" in intent.elsewhere.where


def test_a_business_that_failed_is_still_a_request_for_assistance() -> None:
    assert understand.first_message_intent("做生意亏了，家里揭不开锅，想申请临时救助").want is Want.ENTRUST


def test_a_lost_benefit_is_not_a_request_to_cancel() -> None:
    assert understand.first_message_intent("我的低保被取消了，想重新申请").want is Want.ENTRUST


@pytest.mark.parametrize(("said", "level"), [
    ("满意", RatingLevel.SATISFIED), ("满意。", RatingLevel.SATISFIED), ("非常满意", RatingLevel.VERY_SATISFIED),
    ("很满意！", RatingLevel.VERY_SATISFIED), ("基本满意", RatingLevel.BASICALLY_SATISFIED),
    ("不满意……", RatingLevel.DISSATISFIED), ("不太满意", RatingLevel.DISSATISFIED),
    ("不是很满意", RatingLevel.DISSATISFIED), ("非常不满意", RatingLevel.VERY_DISSATISFIED),
    ("很不满意，一直没人管", RatingLevel.VERY_DISSATISFIED),
])
def test_a_rating_in_its_common_forms(said: str, level: RatingLevel) -> None:
    assert understand.rating_from(said) is level


@pytest.mark.parametrize(("said", "level"), [("还行", RatingLevel.BASICALLY_SATISFIED),
                                             ("太差了", RatingLevel.VERY_DISSATISFIED),
                                             ("挺好的", RatingLevel.SATISFIED)])
def test_everyday_words_rate_only_in_answer_to_the_question(said: str, level: RatingLevel) -> None:
    assert understand.rating_from(said) is None
    assert understand.rating_from(said, asked=True) is level


def test_a_rating_keeps_the_residents_own_words_beyond_the_level() -> None:
    said = "不满意，帮办员一直不接电话。"
    assert understand.rating_comment(said, RatingLevel.DISSATISFIED) == "不满意，帮办员一直不接电话"
    assert understand.rating_comment("不满意……", RatingLevel.DISSATISFIED) is None


@pytest.mark.parametrize(("said", "want"), [("不办了", Want.CANCEL), ("进度？", Want.PROGRESS),
                                            ("孩子说学校不办了，学费交不起，家里实在困难", None),
                                            ("张秀英", None)])
def test_only_a_short_message_interrupts_a_dialogue(said: str, want: Want | None) -> None:
    assert understand.interrupts(said) is want
