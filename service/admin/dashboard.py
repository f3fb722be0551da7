"""Dashboard numbers: questions per day by outcome, top topics and stations, thumbs, check-ups."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.admin.models import aware
from service.admin.review import CHINA, Period, _within
from service.store import CheckupReportRow, FeedbackRow, ReferralRow, Store, TurnRow

# Topic of a question by its words; the first topic whose word occurs wins.
TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("质押融资", ("质押", "贷款", "融资", "贴息", "技知融")),
    ("资助补贴", ("资助", "补贴", "奖励", "补助", "申报")),
    ("海外维权", ("海外", "国外", "境外", "出口", "337")),
    ("侵权纠纷", ("侵权", "维权", "纠纷", "调解", "起诉", "法院", "盗用", "仿冒")),
    ("商标", ("商标", "品牌")),
    ("版权", ("版权", "著作权", "软著")),
    ("技术转移", ("技术转移", "成果转化", "转化", "技术交易", "许可")),
    ("专利", ("专利", "PCT", "发明")),
)
OTHER_TOPIC = "其他"

# What became of a question, from the turn log: the reply tier the bot recorded, or its fallback flag.
OUTCOMES = ("answered", "closest", "fallback", "other")


def outcome_of(fallback: bool, tier: str | None) -> str:
    """answered (certain), closest (answered as the closest match), fallback, or other: greetings,
    forms and turns logged before tiers were recorded."""
    if fallback or tier == "none":
        return "fallback"
    return {"certain": "answered", "closest": "closest"}.get(tier or "", "other")


def topic_of(question: str) -> str:
    upper = question.upper()
    for topic, words in TOPICS:
        if any(word in upper for word in words):
            return topic
    return OTHER_TOPIC


def dashboard(store: Store, today: date, days: int, station_names: dict[str, str]) -> dict[str, Any]:
    """All dashboard series for the `days` Shanghai days ending today."""
    first = today - timedelta(days=days - 1)
    period = Period(first, today)
    per_day: dict[date, Counter[str]] = {first + timedelta(days=n): Counter() for n in range(days)}
    topics: Counter[str] = Counter()
    fallback_topics: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    with Session(store.engine) as session:
        turns = session.execute(
            _within(
                select(TurnRow.created_at, TurnRow.fallback, TurnRow.tier, TurnRow.message),
                TurnRow.created_at,
                period,
            )
        ).all()
        ratings = (
            session.execute(_within(select(FeedbackRow.rating), FeedbackRow.created_at, period))
            .scalars()
            .all()
        )
        stations = (
            session.execute(_within(select(ReferralRow.station_id), ReferralRow.created_at, period))
            .scalars()
            .all()
        )
        reports = (
            session.execute(_within(select(CheckupReportRow.data), CheckupReportRow.created_at, period))
            .scalars()
            .all()
        )
    for created_at, fallback, tier, message in turns:
        outcome = outcome_of(bool(fallback), tier)
        totals[outcome] += 1
        day = aware(created_at).astimezone(CHINA).date()
        if day in per_day:
            per_day[day][outcome] += 1
        topic = topic_of(message)
        topics[topic] += 1
        if outcome == "fallback":
            fallback_topics[topic] += 1
    asked = totals["answered"] + totals["closest"] + totals["fallback"]  # questions for the knowledge base
    station_counts = Counter(s for s in stations if s)
    return {
        "days": days,
        "per_day": [
            {"date": day.isoformat(), "questions": sum(counts.values()), **{o: counts[o] for o in OUTCOMES}}
            for day, counts in sorted(per_day.items())
        ],
        "questions": len(turns),
        **{outcome: totals[outcome] for outcome in OUTCOMES},
        "answered_rate": round(totals["answered"] / asked, 3) if asked else None,
        "top_topics": [
            {"topic": topic, "questions": count, "fallback": fallback_topics[topic]}
            for topic, count in topics.most_common(8)
        ],
        "top_stations": [
            {"station_id": sid, "name": station_names.get(sid, sid), "referrals": count}
            for sid, count in station_counts.most_common(8)
        ],
        "thumbs": {"up": ratings.count("up"), "down": ratings.count("down")},
        "checkups": checkup_counts(reports),
    }


NOT_A_NEED = frozenset({"没有", "暂无"})


def checkup_counts(reports: Sequence[str]) -> dict[str, Any]:
    """Check-ups by industry and by need (plans, live disputes): the profile's choices, nothing personal."""
    industries: Counter[str] = Counter()
    needs: Counter[str] = Counter()
    for data in reports:
        profile = json.loads(data).get("profile") or {}
        industries.update(profile.get("industry") or ["未填"])
        chosen = [*profile.get("plans", []), *profile.get("dispute", [])]
        needs.update(need for need in chosen if need not in NOT_A_NEED)
    return {
        "total": len(reports),
        "by_industry": [{"industry": k, "checkups": v} for k, v in industries.most_common()],
        "by_need": [{"need": k, "checkups": v} for k, v in needs.most_common()],
    }
