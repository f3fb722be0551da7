"""/admin/api/search: hit testing (命中测试) — ranked chunks with scores from the draft or the live index."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from service.admin.deps import StaffDep, StateDep
from service.admin.indexing import HitTest, search_live
from service.admin.kinds import label_of

router = APIRouter(prefix="/admin/api", tags=["admin"])

# What the bot does with the result, as staff read it.
TIER_LABELS = {
    "certain": "可以直接回答",
    "closest": "只有最接近的内容：机器人会注明“以下是最接近的信息”",
    "none": "没有可靠内容：机器人会建议转人工",
}


def percent(value: float) -> int:
    return round(max(0.0, min(1.0, value)) * 100)


def hit_body(test: HitTest, target: str) -> dict[str, Any]:
    result = test.result
    tier = "certain" if result.certain else "closest" if result.answerable else "none"
    return {
        "target": target,
        "build": test.build,
        "rebuilt": test.rebuilt,
        "answerable": result.answerable,
        "tier": tier,
        "tier_label": TIER_LABELS[tier],
        "confidence_percent": percent(result.probability),
        "signals": result.signals.model_dump(),
        "hits": [
            {
                "rank": rank,
                "score": round(hit.score, 4),
                "score_percent": percent(hit.score),  # fused score: 100 is the best match of this question
                "kind": hit.kind,
                "kind_label": label_of(hit.kind),
                "doc_id": hit.doc_id,
                "title": hit.title,
                "section": hit.section,
                "text": hit.text,
                "source": hit.source.model_dump(mode="json"),
            }
            for rank, hit in enumerate(result.hits, start=1)
        ],
    }


@router.get("/search")
def search(
    _: StaffDep,
    state: StateDep,
    q: str = Query(min_length=1, max_length=500),
    k: int = Query(default=5, ge=1, le=20),
    target: Literal["draft", "live"] = "draft",
) -> dict[str, Any]:
    """The draft index is rebuilt first when the draft changed since the last hit test."""
    if target == "live":
        test = search_live(state.settings.index_dir, state.encoder(), q, k, state.live_searchers)
    else:
        test = state.draft.search(q, k, state.store.revision(), state.export)
    return hit_body(test, target)
