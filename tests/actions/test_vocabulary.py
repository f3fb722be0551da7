"""Finding IP types, needs, place cues and follow-ups in messages."""

from __future__ import annotations

import pytest

from actions.vocabulary import Vocabulary, find_terms, get_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return get_vocabulary()


def test_longer_words_win(vocab: Vocabulary) -> None:
    assert find_terms({"维权": ("被起诉",), "诉讼": ("起诉",)}, "我们被起诉了") == ["维权"]
    assert vocab.find_needs("想起诉对方") == ["诉讼"]


@pytest.mark.parametrize(
    ("text", "needs", "ip_types"),
    [
        ("我们在美国被起诉专利侵权了，谁能帮忙？", ["海外", "维权"], ["专利"]),
        ("公司LOGO被人山寨了", ["维权"], ["商标"]),
        ("軟件著作權怎麼登記", ["注册"], ["版权"]),  # traditional characters
        ("想做专利质押贷款", ["融资"], ["专利"]),
        ("PCT申请有补贴吗", ["资助"], ["专利"]),  # applying for a subsidy is a subsidy
        ("我想申请商标", ["注册"], ["商标"]),  # applying for an IP right is a registration
        ("怎么申请", [], []),  # no object: the last question's
        ("申请贷款贴息", ["融资"], []),
        ("今天天气怎么样", [], []),
    ],
)
def test_finds_canonical_values(vocab: Vocabulary, text: str, needs: list[str], ip_types: list[str]) -> None:
    assert vocab.find_needs(text) == needs
    assert vocab.find_ip_types(text) == ip_types


def test_canonical_values_of_entities(vocab: Vocabulary) -> None:
    assert vocab.canonical_ip_type("软著") == "版权"
    assert vocab.canonical_need("质押贷款") == "融资"
    assert vocab.canonical_need(None) is None
    assert vocab.canonical_ip_type("天气") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("那版权呢？", True),
        ("在哪里？", True),
        ("电话多少", True),
        ("商标的呢", True),
        ("我们公司的商标被别人抢注了怎么办", False),
        ("想注册商标", False),
        ("", False),
    ],
)
def test_follow_up(vocab: Vocabulary, text: str, expected: bool) -> None:
    assert vocab.is_follow_up(text) is expected


def test_place_cues(vocab: Vocabulary) -> None:
    assert vocab.has_place_cue("软著登记去哪里咨询")
    assert not vocab.has_place_cue("质押贷款贴息多少")


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("设计的图案被人抄了。我们想先把自己的作品登记版权，去哪里办？", ["注册"]),
        ("前员工把核心代码带走了，涉及商业秘密，应该找哪个部门？", ["维权"]),
        ("我们在美国被起诉专利侵权了，谁能帮忙？", ["海外", "维权"]),
        ("知识产权方面问题很多，不知道该找哪个部门", ["咨询"]),
    ],
)
def test_the_need_is_read_from_the_clause_that_asks(text: str, needs: list[str]) -> None:
    assert get_vocabulary().find_focus_needs(text) == needs


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("不想打官司", []),
        ("不想打官司，想先调解看看", ["调解"]),
        ("知识产权纠纷有没有地方可以调解？", ["维权", "调解"]),
    ],
)
def test_a_need_said_not_to_be_wanted_is_not_one(text: str, needs: list[str]) -> None:
    assert get_vocabulary().find_focus_needs(text) == needs


def test_the_level_of_government_a_question_names() -> None:
    vocab = get_vocabulary()
    assert vocab.asked_level("我们在美国拿到了发明专利授权 市里有资助吗") == "上海市"
    assert vocab.asked_level("区里还有补贴吗") == "杨浦区"
    assert vocab.asked_level("同一个专利市里资助过了，区里还能再拿吗") == ""  # both named
    assert vocab.asked_level("专利资助怎么申请") == ""


@pytest.mark.parametrize(
    ("rest", "only_where"),
    [("我们公司就在", True), ("", True), ("我们在，", True), ("面积", False), ("原来是什么厂", False)],
)
def test_words_that_only_say_where_the_enterprise_is(rest: str, only_where: bool) -> None:
    assert get_vocabulary().says_only_where(rest) is only_where
