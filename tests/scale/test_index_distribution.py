"""A publish reaches action servers on other machines through PostgreSQL: each follows the live build
into its own index directory, deleted entries stop being served, a damaged archive is refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from retrieval.archive import ArchiveError, BuildArchive, checksum, pack_build, unpack_build
from retrieval.distribution import ARCHIVES, LIVE, IndexChannel
from retrieval.searcher import Searcher
from retrieval.settings import RetrievalSettings
from retrieval.store import current_target, live_knowledge_dir
from service.admin.settings import AdminSettings
from service.admin.state import AdminState
from service.settings import Settings
from tests.scale.conftest import PgDatabase
from tests.service.test_admin_helpers import FAKE_ENCODER, FAST_HASHER, STATION, write_knowledge

pytestmark = pytest.mark.scale

FOLLOW_WITHIN_S = 30.0
Follower = Callable[..., Searcher]


@pytest.fixture
def admin_state(tmp_path: Path, pg_database: PgDatabase) -> Iterator[AdminState]:
    """The admin of one gateway, its knowledge store in PostgreSQL, its own index directory."""
    settings = Settings(
        var_dir=tmp_path / "var", index_dir=tmp_path / "gateway" / "index", database_url=pg_database.url
    )
    knowledge = write_knowledge(tmp_path / "knowledge")
    admin = AdminSettings(knowledge_dir=knowledge, smoke_questions=["质押贷款贴息"])
    state = AdminState.build(settings, admin, encoder=lambda: FAKE_ENCODER, hasher=FAST_HASHER)
    state.startup()
    yield state
    state.engine.dispose()


@pytest.fixture
def follower(tmp_path: Path, pg_database: PgDatabase) -> Iterator[Follower]:
    """Makes action-server searchers, each on its own index directory, following the database."""
    made: list[Searcher] = []

    def make(name: str, poll_s: float = 0.5) -> Searcher:
        settings = RetrievalSettings(
            index_dir=tmp_path / name / "index", index_source=pg_database.url, index_poll_s=poll_s
        )
        searcher = Searcher.from_settings(settings, FAKE_ENCODER)
        made.append(searcher)
        return searcher

    yield make
    for searcher in made:
        assert searcher.sync is not None
        searcher.sync.stop()


def publish(state: AdminState) -> str:
    publish_id = state.publisher.start("tester")
    state.publisher.wait(timeout=120)
    row = state.publisher.get(publish_id)
    assert row is not None and row.status == "succeeded", row and row.message
    return row.build_id


def wait_until_live(searchers: list[Searcher], build_id: str, since: float) -> float:
    """Seconds from `since` until every searcher answers from build_id (fails after the limit)."""
    while time.monotonic() - since < FOLLOW_WITHIN_S:
        if all(s.index().manifest.build_id == build_id for s in searchers):
            return time.monotonic() - since
        time.sleep(0.2)
    served = [s.index().manifest.build_id for s in searchers]
    pytest.fail(f"not all action servers on {build_id} within {FOLLOW_WITHIN_S} s: {served}")


def test_two_action_servers_follow_a_publish_and_stop_serving_a_deleted_entry(
    admin_state: AdminState, follower: Follower
) -> None:
    first = publish(admin_state)
    servers = [follower("action-1"), follower("action-2")]
    assert len({s.index_dir for s in servers} | {admin_state.settings.index_dir}) == 3
    assert all(s.index().manifest.build_id == first for s in servers)  # fetched at start
    assert all("copyright-desk" in {c.doc_id for c in s.index().chunks} for s in servers)

    store = admin_state.store
    store.create("station", "south-station", STATION, "editor")
    store.delete("station", "copyright-desk", "editor")
    started = time.monotonic()
    second = publish(admin_state)
    seconds = wait_until_live(servers, second, started)
    assert seconds < FOLLOW_WITHIN_S

    for server in servers:
        hits = server.search("南区商标品牌指导站 电话", k=3).hits
        assert hits[0].doc_id == "south-station" and "021-33334444" in hits[0].text
        assert "copyright-desk" not in {c.doc_id for c in server.index().chunks}
        assert all(h.doc_id != "copyright-desk" for h in server.search("版权工作站 版权登记", k=10).hits)
        snapshot = live_knowledge_dir(server.index_dir)  # what the action server routes stations by
        assert snapshot is not None and "copyright-desk" not in (snapshot / "stations.yml").read_text("utf-8")

    IndexChannel(admin_state.engine).set_live(first)  # a rollback: the builds are still on each machine
    wait_until_live(servers, first, time.monotonic())


def test_a_damaged_archive_is_refused_and_the_live_index_stays(
    admin_state: AdminState, follower: Follower
) -> None:
    first = publish(admin_state)
    server = follower("action-1", poll_s=3600)  # polled by hand below
    assert server.sync is not None
    admin_state.store.delete("station", "copyright-desk", "editor")
    second = publish(admin_state)
    whole = IndexChannel(admin_state.engine).fetch(second).data
    partial = whole[: len(whole) // 2]
    with admin_state.engine.begin() as connection:
        connection.execute(update(ARCHIVES).where(ARCHIVES.c.build_id == second).values(archive=partial))
    assert server.sync.sync_once() == "refused"  # cut short: the checksum no longer matches

    with admin_state.engine.begin() as connection:  # cut short with a checksum that matches the cut
        connection.execute(
            update(ARCHIVES).where(ARCHIVES.c.build_id == second).values(sha256=checksum(partial))
        )
        connection.execute(update(LIVE).values(sha256=checksum(partial)))
    assert server.sync.sync_once() == "refused"  # the gzip stream ends early

    target = current_target(server.index_dir)
    assert target is not None and target.name == first
    assert server.index().manifest.build_id == first and server.search("质押贷款贴息", k=1).hits
    assert not list((server.index_dir / "builds").glob(".fetch-*"))  # nothing half-unpacked left
    assert server.sync.sync_once() == "refused"  # not fetched again
    with admin_state.engine.begin() as connection:
        connection.execute(update(LIVE).values(build_id="../../elsewhere"))
    assert server.sync.sync_once() == "refused"  # a build id is a name, never a path

    third = publish(admin_state)  # the next good publish goes through
    assert server.sync.sync_once() == "installed" and server.index().manifest.build_id == third


def test_an_archive_must_hold_one_whole_build(admin_state: AdminState, tmp_path: Path) -> None:
    build = admin_state.settings.index_dir / "builds" / publish(admin_state)
    archive = pack_build(build)
    assert unpack_build(archive, archive.sha256, tmp_path / "ok").name == build.name

    renamed = BuildArchive("another-build", archive.data, archive.sha256)
    with pytest.raises(ArchiveError, match="构建目录以外"):
        unpack_build(renamed, archive.sha256, tmp_path / "renamed")
    flipped = bytearray(archive.data)
    flipped[len(flipped) // 2] ^= 0xFF
    with pytest.raises(ArchiveError, match="校验和不符"):
        unpack_build(BuildArchive(build.name, bytes(flipped), archive.sha256), archive.sha256, tmp_path / "x")
