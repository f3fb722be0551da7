"""The shipped knowledge/ states what the 2026-12-01 fact-check found; every entry is honest about status."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from retrieval.knowledge import KnowledgeBase, load_knowledge
from retrieval.schema import UNSTATED, Faq, Rule, Station, Status

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
NOT_VERIFIED = "现行状态未核实，请以主管部门最新通知为准"


@cache
def base() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


def faq(ident: str) -> Faq:
    return next(f for f in base().faq if f.id == ident)


def rule(ident: str) -> Rule:
    return next(r for r in base().rules if r.id == ident)


def station(ident: str) -> Station:
    found = base().station(ident)
    assert found is not None
    return found


def all_text() -> str:
    return "\n".join(
        [f.model_dump_json() for f in base().faq]
        + [r.model_dump_json() for r in base().rules]
        + [s.model_dump_json() for s in base().stations]
    )


def test_12330_is_not_said_to_start_in_shanghai_in_2018() -> None:
    answer = faq("hotline-12330").answer
    assert "自2018年起" not in answer and "2018年起" not in all_text()
    assert "2018年5月的公开页面" in answer  # what the cited page does show
    assert "2018年起" not in station("hotline-12330").source


def test_mediation_figures_are_not_credited_to_the_june_2023_article() -> None:
    entry = faq("mediation-committee")
    assert "3387" in entry.answer and "约2023年10月" in entry.answer
    assert "后续报道" in entry.source and "2023-06-14（成立时间和所在地）" in entry.source
    committee = station("yp-ip-mediation-committee").source
    assert "3387件" in committee and "约2023年10月的后续报道" in committee
    june_article = committee.split("；")[0]  # what the 2023-06-14 article is cited for
    assert "2023-06-14" in june_article and "3387" not in june_article and "模范" not in june_article


def test_technology_exchange_was_established_in_1993_and_opened_in_2020() -> None:
    entry = faq("shanghai-technology-exchange")
    assert "技术交易所成立时间" in entry.alternatives
    assert "成立于1993年" in entry.answer
    assert "2020年10月28日是开业日期，不是成立日期" in entry.answer


def test_patent_subsidies_are_not_stated_as_current() -> None:
    measures = rule("yp-ip-subsidy-measures")
    assert "现行区级" not in measures.title and measures.status is Status.unknown
    assert NOT_VERIFIED in measures.notes and "2025年以前全部取消" in measures.notes
    for ident in ("sh-ip-special-fund-framework", "sh-foreign-invention-patent-subsidy"):
        entry = rule(ident)
        assert entry.status is Status.unknown, ident
        assert NOT_VERIFIED in entry.notes and "2025年以前全部取消" in entry.notes, ident
    assert faq("shanghai-foreign-patent").status is Status.unknown
    assert NOT_VERIFIED in faq("shanghai-foreign-patent").answer


def test_pledge_loan_subsidy_keeps_the_fact_but_hedges_its_status() -> None:
    entry = faq("pledge-loan-interest-subsidy")
    assert not entry.answer.startswith("有。")
    assert "50%" in entry.answer and NOT_VERIFIED in entry.answer  # dev set expects 50%
    assert "实施细则" in entry.answer and entry.status is Status.unknown
    pledge = rule("yp-ip-pledge-loan-interest-subsidy")
    assert "50%" in pledge.rate_and_cap and pledge.status is Status.unknown
    assert NOT_VERIFIED in pledge.notes


def test_the_plan_names_only_a_generic_public_service_centre() -> None:
    centre = station("yp-ip-public-service-center")
    assert not centre.name.startswith("杨浦区知识产权公共服务中心")
    assert "全称待核实" in centre.name and centre.status is Status.unknown
    assert not any("首选" in s for s in centre.services)
    # users are no longer sent to a body whose name and contacts are unsourced
    assert "杨浦区知识产权公共服务中心" not in all_text()
    assert "咨询区知识产权公共服务中心" not in all_text()


def test_overseas_centre_has_its_official_name() -> None:
    name = "国家海外知识产权纠纷应对指导中心上海分中心"
    assert station("shanghai-overseas-ip-dispute-guidance").name.startswith(name)
    assert name in faq("sued-overseas").answer


def test_fast_pre_examination_is_limited() -> None:
    services = "、".join(station("shanghai-ip-protection-center").services)
    assert "特定产业领域" in services and "外观设计" in services
    answer = faq("protection-center-yangpu").answer
    assert "特定产业领域" in answer and "并非所有专利" in answer


def test_copyright_stations_in_parks_are_not_asserted() -> None:
    answer = faq("copyright-where").answer
    assert "在园区设有版权工作站" not in answer
    assert "设在哪里、有几个" in answer and "演示数据" in answer


def test_city_ip_office_number_is_its_general_line() -> None:
    assert "运用促进处电话" not in all_text()
    assert "总机" in faq("shanghai-ipa-contact").answer
    assert "021-23110888" in faq("shanghai-ipa-contact").answer
    assert "总机" in station("shanghai-ipa").source


def test_dates_are_as_precise_as_their_sources() -> None:
    assert faq("ip-supervision-office").source_date == "约2023年"
    assert station("yp-ip-supervision-office").source_date == "约2023年"
    assert faq("parks").source_date == "约2019年"
    # a FAQ built on several sources is dated by its oldest dated one
    assert faq("infringed-patent").source_date == "2018-05"
    assert faq("tech-transfer-where").source_date == "2021"


def test_every_entry_states_source_date_and_status() -> None:
    for entry in [*base().rules, *base().faq, *base().stations]:
        assert entry.source.strip(), entry.id
        assert entry.source_date, entry.id
        if isinstance(entry, Rule | Faq) and entry.source_date == UNSTATED:
            assert entry.status is not Status.current, entry.id
        if isinstance(entry, Station) and entry.verified:
            assert entry.source_date != UNSTATED and not entry.demo, entry.id


def test_a_place_inside_a_body_name_is_not_the_enterprises_place() -> None:
    knowledge = base()
    assert knowledge.resolve_location("同济大学上海国际知识产权学院是何时成立的？") is None
    place = knowledge.resolve_location("我们在同济大学旁边，商标去哪注册")
    assert place is not None and place.name == "环同济知识经济圈"


def test_a_standard_and_its_cap_are_one_sentence() -> None:
    # an answer quotes the rule's standard line whenever it quotes the rule (actions/compose.py);
    # a cap after "；" became a sentence of its own and was left out ("贴息有上限吗")
    for entry in base().rules:
        assert not any(mark in entry.rate_and_cap.rstrip("。") for mark in "；;。"), entry.id
    assert "上限未见公开来源" in rule("yp-ip-pledge-loan-interest-subsidy").rate_and_cap


def test_subsidy_answers_about_one_level_of_government_say_which() -> None:
    assert faq("shanghai-foreign-patent").level == "上海市"
    assert faq("subsidy-2021-standards").level == "杨浦区"
    assert faq("national-subsidy-policy").level == "国家"
    assert faq("no-double-subsidy").level == ""  # about both levels
    assert "不得重复资助" in faq("no-double-subsidy").answer
