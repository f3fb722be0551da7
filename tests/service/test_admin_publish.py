"""Publishing the draft (fake encoder): progress, switch, deleted content gone, failures leave live alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from retrieval.errors import ModelNotFoundError
from retrieval.searcher import Searcher
from retrieval.store import current_target, load_index
from service.admin.state import AdminState
from tests.service.test_admin_helpers import FAKE_ENCODER, STATION, Staff

pytest_plugins = ["tests.service.test_admin_helpers"]


def publish(staff: Staff, state: AdminState) -> dict[str, Any]:
    started = staff.post("/admin/api/publish")
    assert started.status_code == 202, started.text
    state.publisher.wait(timeout=120)
    return dict(staff.get(f"/admin/api/publish/{started.json()['id']}").json())


def live_doc_ids(index_dir: Path) -> set[str]:
    return {chunk.doc_id for chunk in load_index(index_dir).chunks}


def test_publish_builds_checks_and_switches_with_progress(boss: Staff, state: AdminState) -> None:
    result = publish(boss, state)
    assert result["status"] == "succeeded", result
    assert (result["stage"], result["stage_label"], result["progress"]) == ("done", "已完成", 1.0)
    assert result["duration_s"] is not None and "已上线" in result["message"]
    index_dir = state.settings.index_dir
    target = current_target(index_dir)
    assert target is not None and target.name == result["build_id"]
    assert {"north-station", "copyright-desk", "demo-plan", "pledge-faq"} <= live_doc_ids(index_dir)
    assert "021-11112222" in (target / "knowledge" / "stations.yml").read_text(encoding="utf-8")
    overview = boss.get("/admin/api/publish").json()
    assert overview["live_build"] == result["build_id"] and overview["unpublished_changes"] is False
    assert overview["live_is_last_publish"] is True
    assert overview["history"][0]["id"] == result["id"]
    assert not list(state.publisher.config.work_dir.glob("publish-*"))  # staging cleaned up


def test_before_any_edit_nothing_is_unpublished(boss: Staff) -> None:
    """The draft was seeded from knowledge/, which the live index was built from."""
    overview = boss.get("/admin/api/publish").json()
    assert overview["unpublished_changes"] is False and overview["changes"] == []


def test_the_publish_page_lists_exactly_what_changed_since_the_live_version(
    boss: Staff, editor: Staff, state: AdminState
) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-55556666"})
    assert editor.post("/admin/api/stations", json=STATION).status_code == 201
    assert editor.delete("/admin/api/stations/copyright-desk").status_code == 200
    faq = editor.get("/admin/api/faq/pledge-faq").json()["data"]  # changed and changed back: not listed
    editor.put("/admin/api/faq/pledge-faq", json={**faq, "answer": "改过"})
    editor.put("/admin/api/faq/pledge-faq", json=faq)
    changes = {c["key"]: c for c in boss.get("/admin/api/publish").json()["changes"]}
    assert set(changes) == {"north-station", "south-station", "copyright-desk"}
    north, south, desk = changes["north-station"], changes["south-station"], changes["copyright-desk"]
    assert (north["change_label"], north["fields"]) == ("修改", ["电话"])
    assert (south["change_label"], south["title"]) == ("新增", "南区商标品牌指导站")
    assert (desk["change_label"], desk["title"]) == ("删除", "版权工作站")
    assert {c["author"] for c in changes.values()} == {"editor"}

    assert publish(boss, state)["status"] == "succeeded"
    assert boss.get("/admin/api/publish").json()["changes"] == []
    editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-99990000"})
    [after] = boss.get("/admin/api/publish").json()["changes"]  # compared with the published version
    assert (after["key"], after["fields"]) == ("north-station", ["电话"])


def test_running_readers_switch_to_new_content_and_deleted_content_is_gone(
    boss: Staff, editor: Staff, state: AdminState
) -> None:
    publish(boss, state)
    reader = Searcher(state.settings.index_dir, FAKE_ENCODER)  # stands in for the action server
    assert all(h.doc_id != "south-station" for h in reader.search("南区商标品牌指导站", k=10).hits)
    assert editor.post("/admin/api/stations", json=STATION).status_code == 201
    assert editor.delete("/admin/api/stations/copyright-desk").status_code == 200
    assert boss.get("/admin/api/publish").json()["unpublished_changes"] is True
    assert publish(boss, state)["status"] == "succeeded"
    hits = reader.search("南区商标品牌指导站 电话", k=3).hits
    assert hits[0].doc_id == "south-station" and "021-33334444" in hits[0].text
    assert "copyright-desk" not in {c.doc_id for c in reader.index().chunks}


def test_rollback_restores_the_old_phone_number_live(boss: Staff, editor: Staff, state: AdminState) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-77778888"})
    publish(boss, state)
    reader = Searcher(state.settings.index_dir, FAKE_ENCODER)
    assert "021-77778888" in reader.search("北区商标品牌指导站 电话", k=1).hits[0].text
    seed = editor.get("/admin/api/versions", params={"key": "north-station"}).json()[-1]
    assert editor.post(f"/admin/api/versions/{seed['id']}/restore").status_code == 200
    publish(boss, state)
    text = reader.search("北区商标品牌指导站 电话", k=1).hits[0].text
    assert "021-11112222" in text and "021-77778888" not in text


def test_unfinished_faq_drafts_stop_the_publish_and_live_stays(boss: Staff, state: AdminState) -> None:
    first = publish(boss, state)
    draft = {
        "id": "todo",
        "question": "问？",
        "answer": "【待填写】",
        "source": "【待填写】",
        "source_date": "未注明",
        "status": "unknown",
    }
    assert boss.post("/admin/api/faq", json=draft).status_code == 201
    failed = publish(boss, state)
    assert failed["status"] == "failed" and failed["stage"] == "failed"
    assert "todo" in failed["message"] and "线上索引未改变" in failed["message"]
    assert current_target(state.settings.index_dir).name == first["build_id"]  # type: ignore[union-attr]


def test_a_build_error_is_reported_and_live_stays(
    boss: Staff, state: AdminState, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(boss, state)

    def broken() -> Any:
        raise ModelNotFoundError("未找到嵌入模型：/nowhere")

    monkeypatch.setattr(state.publisher, "_encoder", broken)
    failed = publish(boss, state)
    assert failed["status"] == "failed" and "未找到嵌入模型" in failed["message"]
    assert current_target(state.settings.index_dir).name == first["build_id"]  # type: ignore[union-attr]


def test_a_failing_smoke_check_stops_the_switch(
    boss: Staff, state: AdminState, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(state.publisher.config, smoke_questions=["   "])  # normalises to nothing
    monkeypatch.setattr(state.publisher, "config", config)
    failed = publish(boss, state)
    assert failed["status"] == "failed" and "检查问题" in failed["message"]
    assert current_target(state.settings.index_dir) is None


def test_only_one_publish_runs_at_a_time(boss: Staff, state: AdminState) -> None:
    from service.admin.models import PublishRow

    with state.publisher.sessions.begin() as session:
        session.add(
            PublishRow(
                started_by="other",
                status="running",
                stage="build",
                progress=0.3,
                message="",
                build_id="",
                draft_version=0,
            )
        )
    busy = boss.post("/admin/api/publish")
    assert busy.status_code == 409 and "正在进行" in busy.json()["detail"]
    state.publisher.recover()  # what a restart does with a run left behind
    assert boss.get("/admin/api/publish").json()["history"][0]["status"] == "failed"
    assert boss.post("/admin/api/publish").status_code == 202
    state.publisher.wait(60)


def test_hit_testing_searches_the_draft_before_publishing(editor: Staff, state: AdminState) -> None:
    first = editor.get("/admin/api/search", params={"q": "质押贷款贴息", "k": 3})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["target"] == "draft" and body["rebuilt"] is True
    assert [h["rank"] for h in body["hits"]] == [1, 2, 3]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert {"kind", "doc_id", "title", "section", "text", "source"} <= set(body["hits"][0])
    # in plain Chinese: kind names and whole percentages, and what the bot will do
    top = body["hits"][0]
    assert top["kind_label"] in {"文档", "政策条目", "服务站点", "常见问答"} and top["score_percent"] == 100
    assert all(0 <= h["score_percent"] <= 100 and isinstance(h["score_percent"], int) for h in body["hits"])
    assert body["tier"] in {"certain", "closest", "none"} and not body["tier_label"].isascii()
    assert 0 <= body["confidence_percent"] <= 100
    again = editor.get("/admin/api/search", params={"q": "质押贷款贴息"}).json()
    assert again["rebuilt"] is False
    editor.post("/admin/api/stations", json=STATION)
    after = editor.get("/admin/api/search", params={"q": "南区商标品牌指导站", "k": 1}).json()
    assert after["rebuilt"] is True and after["hits"][0]["doc_id"] == "south-station"
    assert current_target(state.settings.index_dir) is None  # nothing went live


def test_hit_testing_the_live_index(boss: Staff, state: AdminState) -> None:
    missing = boss.get("/admin/api/search", params={"q": "贴息", "target": "live"})
    assert missing.status_code == 503 and "尚未发布" in missing.json()["detail"]
    publish(boss, state)
    live = boss.get("/admin/api/search", params={"q": "贴息", "target": "live"}).json()
    assert live["hits"] and live["build"] == current_target(state.settings.index_dir).name  # type: ignore[union-attr]


def test_search_input_is_validated(editor: Staff) -> None:
    assert editor.get("/admin/api/search", params={"q": ""}).status_code == 422
    assert editor.get("/admin/api/search", params={"q": "x", "k": 0}).status_code == 422
    assert editor.get("/admin/api/search", params={"q": "x", "target": "prod"}).status_code == 422
    assert editor.get("/admin/api/publish/999").status_code == 404


class CountingEncoder:
    """The fake encoder, counting the passages it embeds."""

    model_id = FAKE_ENCODER.model_id
    fingerprint = FAKE_ENCODER.fingerprint

    def __init__(self) -> None:
        self.passages = 0

    def encode_queries(self, texts: Any) -> Any:
        return FAKE_ENCODER.encode_queries(texts)

    def encode_documents(self, texts: Any, batch_size: int = 32, progress: bool = False) -> Any:
        self.passages += len(texts)
        return FAKE_ENCODER.encode_documents(texts)


def test_a_publish_embeds_only_changed_chunks(
    boss: Staff, state: AdminState, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingEncoder()
    monkeypatch.setattr(state.publisher, "_encoder", lambda: counting)
    publish(boss, state)
    everything = len(load_index(state.settings.index_dir).chunks)
    assert counting.passages == everything
    state.publisher.cache._vectors.clear()  # as after a restart: vectors come back from the live build
    current = boss.get("/admin/api/stations/north-station").json()["data"]
    boss.put("/admin/api/stations/north-station", json={**current, "phone": "021-90909090"})
    assert publish(boss, state)["status"] == "succeeded"
    assert counting.passages == everything + 1  # only the edited station's chunk
    reader = Searcher(state.settings.index_dir, FAKE_ENCODER)
    assert "021-90909090" in reader.search("北区商标品牌指导站", k=1).hits[0].text


def test_readers_never_fail_while_publishes_switch_the_index(
    boss: Staff, editor: Staff, state: AdminState
) -> None:
    import threading

    publish(boss, state)
    reader = Searcher(state.settings.index_dir, FAKE_ENCODER)  # one per process, shared by threads
    errors: list[str] = []
    searches = [0]
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                if not reader.search("北区商标品牌指导站 电话", k=3).hits:
                    errors.append("no hits")
                searches[0] += 1
            except Exception as error:  # any failure at all is what this test counts
                errors.append(repr(error))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for number in ("021-10000001", "021-10000002", "021-10000003"):
            current = editor.get("/admin/api/stations/north-station").json()["data"]
            editor.put("/admin/api/stations/north-station", json={**current, "phone": number})
            assert publish(boss, state)["status"] == "succeeded"
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert errors == [] and searches[0] > 10
    assert "021-10000003" in reader.search("北区商标品牌指导站 电话", k=1).hits[0].text
    builds = [p for p in (state.settings.index_dir / "builds").iterdir() if not p.name.startswith(".")]
    assert len(builds) <= state.admin.keep_builds  # old builds are pruned


def test_publish_events_are_counted_for_prometheus(boss: Staff, state: AdminState) -> None:
    from service.metrics import REGISTRY

    def count(event: str) -> float:
        return REGISTRY.get_sample_value("ipgp_publish_events_total", {"event": event}) or 0.0

    before = {event: count(event) for event in ("started", "succeeded", "failed")}
    assert publish(boss, state)["status"] == "succeeded"
    assert count("started") == before["started"] + 1 and count("succeeded") == before["succeeded"] + 1
    assert count("failed") == before["failed"]
