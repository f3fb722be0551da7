"""Publishing the draft: export → validate → build → check → switch, in a background thread with progress.

With the knowledge store in PostgreSQL (scale-out) the switch also stores the build archive and makes
it live there, so action servers on other machines follow it (retrieval.index_sync).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from retrieval.archive import pack_build
from retrieval.dense import Encoder
from retrieval.distribution import IndexChannel
from retrieval.errors import KnowledgeFormatError, RetrievalError
from retrieval.knowledge import KnowledgeBase, load_knowledge
from retrieval.store import install_build
from service.admin.db import session_factory
from service.admin.files import export
from service.admin.indexing import PublishCheckError, VectorCache, build_staged, smoke_check
from service.admin.models import PublishRow, utcnow
from service.admin.store import KnowledgeStore
from service.metrics import PUBLISH_EVENTS

log = logging.getLogger(__name__)

PLACEHOLDER = "【待填写】"  # answer/source of an FAQ drafted from a conversation; never published
STAGES = {
    "queued": "排队中",
    "export": "导出草稿",
    "validate": "校验知识库",
    "build": "构建索引",
    "check": "检查新索引",
    "switch": "切换上线",
    "done": "已完成",
    "failed": "失败",
}


class PublishBusyError(Exception):
    """Another publish is still running."""


@dataclass(frozen=True)
class PublishConfig:
    index_dir: Path
    work_dir: Path  # staging area, same file system as index_dir when possible
    smoke_questions: Sequence[str]
    keep_builds: int


def format_error(error: KnowledgeFormatError) -> str:
    """A loader error in words staff understand."""
    where = f"文件 {Path(error.file).name}，条目 {error.entry}，字段 {error.field}"
    return f"知识库校验失败：{where}：{error.message}"


def check_placeholders(base: KnowledgeBase) -> None:
    """Refuse FAQ entries drafted from conversations whose answer or source is still a placeholder."""
    for faq in base.faq:
        if PLACEHOLDER in faq.answer or PLACEHOLDER in faq.source:
            raise PublishCheckError(
                f"常见问答“{faq.id}”的答案或来源尚未填写（{PLACEHOLDER}），请先完成或删除"
            )


class Publisher:
    """Runs at most one publish at a time; progress lives in admin_publishes so every gateway sees it."""

    def __init__(
        self, store: KnowledgeStore, config: PublishConfig, encoder: Callable[[], Encoder], cache: VectorCache
    ) -> None:
        self.store = store
        self.config = config
        self._encoder = encoder
        self.cache = cache
        self.sessions: sessionmaker[Session] = session_factory(store.engine)
        shared = store.engine.dialect.name == "postgresql"
        self.channel = IndexChannel(store.engine) if shared else None  # action servers fetch from it
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def recover(self) -> None:
        """At startup: runs left 'running' by a stopped process are marked failed."""
        with self.sessions.begin() as session:
            session.execute(
                update(PublishRow)
                .where(PublishRow.status == "running")
                .values(
                    status="failed",
                    stage="failed",
                    message="服务重启，发布被中断；线上索引未改变",
                    finished_at=utcnow(),
                )
            )

    def start(self, author: str) -> int:
        """Record a new run and start it in the background; raises PublishBusyError."""
        with self._lock:
            with self.sessions.begin() as session:
                running = session.scalar(select(PublishRow).where(PublishRow.status == "running"))
                if running is not None:
                    raise PublishBusyError(str(running.id))
                row = PublishRow(
                    started_by=author,
                    status="running",
                    stage="queued",
                    progress=0.0,
                    message="",
                    build_id="",
                    draft_version=self.store.revision(),
                )
                session.add(row)
                session.flush()
                publish_id = row.id
            self._thread = threading.Thread(
                target=self.run, args=(publish_id,), name=f"publish-{publish_id}", daemon=True
            )
            self._thread.start()
            return publish_id

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running publish thread (tests and the CLI)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def get(self, publish_id: int) -> PublishRow | None:
        with self.sessions() as session:
            return session.get(PublishRow, publish_id)

    def history(self, limit: int = 20) -> list[PublishRow]:
        with self.sessions() as session:
            return list(session.scalars(select(PublishRow).order_by(PublishRow.id.desc()).limit(limit)))

    def last_success(self) -> PublishRow | None:
        with self.sessions() as session:
            return session.scalar(
                select(PublishRow)
                .where(PublishRow.status == "succeeded")
                .order_by(PublishRow.id.desc())
                .limit(1)
            )

    def _set(self, publish_id: int, **values: object) -> None:
        with self.sessions.begin() as session:
            session.execute(update(PublishRow).where(PublishRow.id == publish_id).values(**values))

    def run(self, publish_id: int) -> None:
        """The whole pipeline; any failure leaves the live index untouched and is recorded."""
        started = time.perf_counter()
        PUBLISH_EVENTS.labels("started").inc()
        work = self.config.work_dir / f"publish-{publish_id}"
        shutil.rmtree(work, ignore_errors=True)
        files, staging = work / "knowledge", work / "index"
        try:
            self._set(publish_id, stage="export", progress=0.05)
            export(self.store, files)
            self._set(publish_id, stage="validate", progress=0.1)
            base = load_knowledge(files)
            check_placeholders(base)
            self._set(publish_id, stage="build", progress=0.15)
            encoder = self._encoder()
            self.cache.seed_from(self.config.index_dir, encoder)

            def on_progress(share: float) -> None:
                self._set(publish_id, progress=round(0.15 + 0.65 * share, 3))

            build = build_staged(files, staging, base, encoder, self.cache, on_progress)
            self._set(publish_id, stage="check", progress=0.85)
            smoke_check(build, encoder, self.config.smoke_questions, staging)
            self._set(publish_id, stage="switch", progress=0.95)
            if self.channel is not None:  # before the local switch: a failure here changes nothing
                self.channel.publish(pack_build(build), self.config.keep_builds)
            final = install_build(build, self.config.index_dir, self.config.keep_builds)
        except KnowledgeFormatError as error:
            self._fail(publish_id, format_error(error), started)
        except PublishCheckError as error:
            self._fail(publish_id, str(error), started)
        except (RetrievalError, OSError, ValueError) as error:
            log.warning("publish %s failed: %s", publish_id, error)
            self._fail(publish_id, f"构建失败：{error}", started)
        except SQLAlchemyError as error:
            log.warning("publish %s not distributed: %s", publish_id, error)
            self._fail(publish_id, "新索引未能写入共享数据库", started)
        except Exception as error:  # thread boundary: record, never leave 'running'
            log.exception("publish %s crashed", publish_id)
            self._fail(publish_id, f"内部错误：{type(error).__name__}", started)
        else:
            seconds = round(time.perf_counter() - started, 2)
            self._set(
                publish_id,
                status="succeeded",
                stage="done",
                progress=1.0,
                build_id=final.name,
                message=f"已上线，用时{seconds}秒",
                finished_at=utcnow(),
                duration_s=seconds,
            )
            PUBLISH_EVENTS.labels("succeeded").inc()
            log.info("publish %s live as %s in %.2f s", publish_id, final.name, seconds)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _fail(self, publish_id: int, message: str, started: float) -> None:
        PUBLISH_EVENTS.labels("failed").inc()
        self._set(
            publish_id,
            status="failed",
            stage="failed",
            message=message + "；线上索引未改变",
            finished_at=utcnow(),
            duration_s=round(time.perf_counter() - started, 2),
        )
