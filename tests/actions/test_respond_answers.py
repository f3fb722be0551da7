"""action_respond answers: short cited answers, honest fallback, follow-ups, routing when asked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.action_respond import ActionRespond
from actions.compose import answer_reply, answering_hits
from actions.resources import replies
from retrieval.errors import IndexNotBuiltError
from retrieval.hits import SearchResult
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import Status
from tests.actions.conftest import FakeSearcher, hit, make_tracker, shown

PLAN = (
    "鼓励企业开展知识产权质押融资，降低中小企业知识产权质押融资成本，"
    "对符合条件的企业给予贷款利率 50% 的贴息。"
    "鼓励企业开展知识产权金融保险业务。"
)


async def run(tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRespond().run(dispatcher, tracker, domain)
    return dispatcher, events


def slot(events: list[dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "<unset>"


@pytest.mark.anyio
async def test_answers_with_sentences_citation_and_sources(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([hit(PLAN)])
    tracker = make_tracker("知识产权质押贷款有贴息吗？贴多少？", c.ASK_QUESTION)
    dispatcher, events = await run(tracker, domain)
    [message] = shown(dispatcher)
    assert "50%" in message["text"] and "来源：" in message["text"] and "杨府发〔2024〕4号" in message["text"]
    assert "保险业务" not in message["text"]  # only the matching sentence, not the passage
    payload = message
    assert payload["fallback"] is False
    [source] = payload["sources"]
    assert source["number"] == "杨府发〔2024〕4号" and "50%" in source["snippet"]
    assert any(b["payload"] == "/request_human" for b in message["buttons"])
    assert slot(events, c.SLOT_TOPIC) == c.TOPIC_QUESTION
    assert slot(events, c.SLOT_LAST_QUESTION) == "知识产权质押贷款有贴息吗？贴多少？"
    assert slot(events, c.SLOT_NEED) == "融资"


@pytest.mark.anyio
async def test_a_tentative_match_is_answered_and_marked_as_such(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([hit(PLAN)], certain=False)
    dispatcher, _ = await run(make_tracker("质押贷款贴息是多少", c.ASK_QUESTION), domain)
    [message] = shown(dispatcher)
    assert message["text"].startswith("知识库中与您的问题最相关的内容如下") and "50%" in message["text"]
    assert message["fallback"] is False and message["sources"]
    use_searcher([hit(PLAN)])
    dispatcher, _ = await run(make_tracker("质押贷款贴息是多少", c.ASK_QUESTION), domain)
    assert not shown(dispatcher)[0]["text"].startswith("知识库中")


@pytest.mark.anyio
async def test_below_threshold_says_so_and_sets_fallback(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([hit("无关内容。")], answerable=False)
    dispatcher, _ = await run(make_tracker("知识产权这块的系统怎么操作？", c.ASK_QUESTION), domain)
    [message] = shown(dispatcher)
    assert message["fallback"] is True and message["tier"] == "none" and not message["sources"]
    assert "没有找到" in message["text"] and "公共服务中心" in message["text"]
    assert "来源" not in message["text"]


@pytest.mark.anyio
async def test_an_ip_question_without_an_answer_says_so_and_offers_the_bodies(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([hit("无关内容。")], answerable=False)
    dispatcher, _ = await run(make_tracker("商标续展要交多少钱？", c.ASK_QUESTION), domain)
    [message] = shown(dispatcher)
    assert message["text"].startswith("知识库里没有找到")
    assert {src["section"] for src in message["sources"]} == {s["name"] for s in message["stations"]}
    assert message["fallback"] is True and message["tier"] == "none"
    assert {s["type"] for s in message["stations"]} == {"trademark_station"}


@pytest.mark.anyio
async def test_search_errors_become_a_polite_fallback(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher(error=IndexNotBuiltError("no index"))
    dispatcher, _ = await run(make_tracker("贴息多少", c.ASK_QUESTION), domain)
    assert shown(dispatcher)[0]["fallback"] is True and not shown(dispatcher)[0]["sources"]
    assert "12345" in shown(dispatcher)[0]["text"]


@pytest.mark.anyio
async def test_follow_up_is_completed_with_the_previous_question(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    fake = use_searcher([hit(PLAN)])
    slots = {
        c.SLOT_TOPIC: c.TOPIC_QUESTION,
        c.SLOT_LAST_QUESTION: "商标注册有补贴吗？",
        c.SLOT_IP_TYPE: "版权",  # Rasa has already filled the slot from this message's entity
    }
    tracker = make_tracker("那版权呢？", c.INFORM, [{"entity": "ip_type", "value": "版权"}], slots)
    dispatcher, events = await run(tracker, domain)
    assert fake.queries == ["那版权呢？", "版权注册有补贴吗?"]  # alone, then completed by the last question
    assert shown(dispatcher)[0]["sources"]
    assert slot(events, c.SLOT_IP_TYPE) == "版权"


@pytest.mark.anyio
async def test_where_to_go_question_gets_an_answer_and_stations(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([hit("版权工作站提供著作权登记咨询。")])
    tracker = make_tracker("公司的软件著作权怎么登记，去哪里咨询？", c.ASK_QUESTION)
    dispatcher, events = await run(tracker, domain)
    answer, stations = shown(dispatcher)
    assert answer["sources"]
    assert {s["type"] for s in stations["stations"]} == {"copyright_station"}
    assert "街道或园区" in stations["text"]  # no form after an answer: the reply asks itself
    assert slot(events, c.SLOT_TOPIC) == c.TOPIC_ROUTE


@pytest.mark.anyio
async def test_where_to_go_without_an_answer_shows_only_stations(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    use_searcher([], answerable=False)
    tracker = make_tracker("被起诉侵权了谁能帮忙", c.ASK_QUESTION)
    dispatcher, _ = await run(tracker, domain)
    [stations] = shown(dispatcher)
    assert {s["type"] for s in stations["stations"]} <= {
        "protection_center",
        "regulator",
        "mediation",
    }


@pytest.mark.anyio
async def test_place_after_a_question_routes(
    use_searcher: Callable[..., FakeSearcher], use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    # d27 when the first turn was taken for a question: 我想咨询商标注册 / 我们公司在五角场
    use_searcher([hit(PLAN)])
    slots = {c.SLOT_TOPIC: c.TOPIC_QUESTION, c.SLOT_LAST_QUESTION: "我想咨询商标注册", c.SLOT_IP_TYPE: "商标"}
    tracker = make_tracker("我们公司在五角场", c.INFORM, [{"entity": "location", "value": "五角场"}], slots)
    dispatcher, events = await run(tracker, domain)
    assert len(shown(dispatcher)) == 1
    assert [s["id"] for s in shown(dispatcher)[0]["stations"]] == ["tm-wujiaochang"]
    assert slot(events, c.SLOT_LOCATION) == "五角场街道"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "date", "line"),
    [
        (Status.unknown, "2024-03-15", "现行状态未核实"),
        (Status.current, "2021-05", "信息来源于2021年"),
        (Status.current, "未注明", "未注明日期"),
        (Status.historical, "2021", None),  # the status label says 历史 already
    ],
)
async def test_an_unsure_or_old_source_adds_one_caution_line(
    use_searcher: Callable[..., FakeSearcher],
    use_directory: KnowledgeBase,
    domain: dict[str, Any],
    status: Status,
    date: str,
    line: str | None,
) -> None:
    use_searcher([hit(PLAN, status=status, date=date), hit(PLAN, status=status, date=date)])
    dispatcher, _ = await run(make_tracker("质押贷款贴息是多少", c.ASK_QUESTION), domain)
    text = shown(dispatcher)[0]["text"]
    if line is None:
        assert "提示：" not in text
    else:
        assert text.count("提示：") == 1 and line in text
        assert shown(dispatcher)[0]["sources"][0]["caution"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "intent", "form"),
    [("/request_human", c.REQUEST_HUMAN, c.HANDOVER_FORM), ("知识产权体检", c.START_CHECKUP, c.CHECKUP_FORM)],
)
async def test_a_form_plan_sets_the_slot_the_rules_start_the_form_on(
    text: str, intent: str, form: str, use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, events = await run(make_tracker(text, intent), domain)
    assert shown(dispatcher) == [] and slot(events, c.SLOT_NEXT_FORM) == form
    started = {c.SLOT_NEXT_FORM: form}
    dispatcher, events = await run(make_tracker("你好", c.GREET, slots=started), domain)
    assert slot(events, c.SLOT_NEXT_FORM) is None  # reset on the next message


def test_a_passage_scored_far_below_the_best_is_not_quoted() -> None:
    best = hit("发现侵权可以拨打12330维权援助热线。", kind="faq", score=1.0)
    far = hit("技知融是专利质押信贷产品，参考专利分析模块。", kind="faq", score=0.32)
    close = hit("也可以向区知识产权局投诉举报。", kind="faq", score=0.8)
    assert answering_hits([best, far, close]) == [best, close]
    reply = answer_reply("有人抄我们的专利产品咋办", [best, far], replies())
    assert "12330" in reply.text and "技知融" not in reply.text


@pytest.mark.anyio
async def test_a_follow_up_answered_by_the_same_sentence_gets_the_clause_it_asks_about(
    use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    plan = hit(
        "着力打造在线新经济、智能制造、创意设计等“三大千亿级”产业集群，"
        "前瞻布局科技服务、人工智能、生命健康、绿色低碳等四大新兴领域。"
    )
    use_searcher([plan])
    _, events = await run(make_tracker("杨浦三大千亿产业集群是哪些", c.ASK_QUESTION), domain)
    said = slot(events, c.SLOT_LAST_ANSWER)
    assert "在线新经济" in said
    state = {c.SLOT_LAST_ANSWER: said, c.SLOT_LAST_QUESTION: "杨浦三大千亿产业集群是哪些"}
    second, _ = await run(make_tracker("四大新兴领域呢", c.ASK_QUESTION, slots=state), domain)
    text = second.messages[0]["text"]
    assert "人工智能" in text and "在线新经济" not in text and text != said


def test_rules_of_the_level_of_government_asked_about_are_quoted_first() -> None:
    district = hit("类别：专利资助（杨浦区）\n标准与上限：每件最高4500元。", kind="rule", score=1.0)
    city = hit("类别：专利资助（上海市）\n申报方式：在一网通办在线申报。", kind="rule", score=0.7)
    far = hit("类别：专利资助（上海市）\n无关。", kind="rule", score=0.2)
    assert answering_hits([district, city, far]) == [district, city]
    assert answering_hits([district, city, far], "上海市") == [city, district]
    faq = hit("同一专利市级和区级不得重复资助。", kind="faq", score=0.9)
    assert answering_hits([faq, city, district], "杨浦区") == [faq, district, city]
    text = answer_reply("市里有资助吗 怎么申请", [district, city], replies(), level="上海市").text
    assert "一网通办" in text and ("4500" not in text or text.index("一网通办") < text.index("4500"))
    city_faq = hit("市级资助在一网通办申报。", kind="faq", score=0.95).model_copy(update={"level": "上海市"})
    assert answering_hits([city_faq, district], "杨浦区") == [district, city_faq]  # FAQs carry levels too


@pytest.mark.anyio
async def test_a_slow_search_does_not_hold_up_other_turns(
    monkeypatch: pytest.MonkeyPatch, use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    class SlowSearcher(FakeSearcher):
        def search(self, query: str, k: int = 5) -> Any:
            time.sleep(0.3)  # a blocking search, as the real one is
            return super().search(query, k)

    slow = SlowSearcher(SearchResult(hits=[], answerable=False))
    monkeypatch.setattr(resources, "get_searcher", lambda: slow)
    started = time.monotonic()
    await asyncio.gather(*(run(make_tracker(f"专利问题{i}", c.ASK_QUESTION), domain) for i in range(4)))
    assert time.monotonic() - started < 0.9  # four blocking searches in series would take 1.2 s


def test_only_the_best_entrys_headings_count_toward_its_sentences() -> None:
    targets = hit("每万人高价值发明专利拥有量达到65件，每万人有效发明专利拥有量达145件。", score=1.0)
    rule = hit(
        "适用对象：高价值专利拥有量处于全市前列的企业。\n资助内容：高价值专利升级培育项目。\n"
        "标准与上限：高价值专利支持标准未见公开来源。",
        kind="rule",
        title="高价值专利升级培育与资金支持",
        score=0.7,
    )
    rule = rule.model_copy(update={"doc_id": "high-value"})
    text = answer_reply("高价值的呢", [targets, rule], replies()).text
    assert "65" in text  # the rule's title must not crowd out the target asked for
