"""Everything the admin routes share, built once per app; startup migrates, seeds and recovers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from retrieval.dense import Encoder, get_encoder
from retrieval.errors import KnowledgeFormatError, RetrievalError
from retrieval.knowledge import load_knowledge
from retrieval.searcher import Searcher
from retrieval.settings import get_settings as get_retrieval_settings
from service.admin.auth import Accounts
from service.admin.db import make_engine, migrate
from service.admin.files import export, seed_entries
from service.admin.indexing import DraftSearch, VectorCache
from service.admin.publish import PublishConfig, Publisher
from service.admin.settings import AdminSettings
from service.admin.store import KnowledgeStore
from service.admin.throttle import Backoff, LoginThrottle
from service.settings import Settings

log = logging.getLogger(__name__)


def default_encoder() -> Encoder:
    """The offline embedding model named by IPGP_MODEL_DIR, loaded once per process."""
    return get_encoder(get_retrieval_settings().model_dir)


@dataclass
class AdminState:
    settings: Settings
    admin: AdminSettings
    engine: Engine
    store: KnowledgeStore
    accounts: Accounts
    publisher: Publisher
    draft: DraftSearch
    encoder: Callable[[], Encoder]
    live_searchers: dict[str, Searcher] = field(default_factory=dict)
    _warming: bool = False
    _warm_lock: threading.Lock = field(default_factory=threading.Lock)
    ready: threading.Event = field(default_factory=threading.Event)  # set when startup() has finished

    @classmethod
    def build(
        cls,
        settings: Settings,
        admin: AdminSettings,
        encoder: Callable[[], Encoder] | None = None,
        hasher: PasswordHasher | None = None,
    ) -> AdminState:
        """Objects only; no connection is opened until startup()."""
        engine = make_engine(admin.database_url(settings))
        store = KnowledgeStore(engine)
        encoder = encoder or default_encoder
        index_dir = Path(settings.index_dir)
        config = PublishConfig(
            index_dir=index_dir,
            work_dir=index_dir.parent / f"{index_dir.name}-staging",
            smoke_questions=admin.smoke_questions,
            keep_builds=admin.keep_builds,
        )
        accounts = Accounts(
            engine,
            admin.secret(settings),
            session_minutes=admin.session_minutes,
            throttle=LoginThrottle(
                per_name=Backoff(admin.max_failed_logins, 1.0, admin.login_backoff_max_s),
                per_ip=Backoff(admin.max_failed_logins_per_ip, 1.0, admin.login_ip_backoff_max_s),
            ),
            hasher=hasher,
        )
        cache = VectorCache()
        return cls(
            settings=settings,
            admin=admin,
            engine=engine,
            store=store,
            accounts=accounts,
            publisher=Publisher(store, config, encoder, cache),
            draft=DraftSearch(Path(settings.var_dir) / "admin" / "draft-index", encoder, cache),
            encoder=encoder,
        )

    def startup(self) -> None:
        """Migrate the schema, seed an empty store from knowledge/, mark interrupted publishes failed."""
        migrate(self.engine)
        if self.store.is_empty():
            self.seed()
        self.publisher.recover()
        self.ready.set()

    def warm_soon(self) -> None:
        """After a staff login: load the model in the background, once, so publishing is fast."""
        with self._warm_lock:
            if self._warming or not self.admin.warm_model:
                return
            self._warming = True
        threading.Thread(target=self.warm, name="admin-warm-model", daemon=True).start()

    def warm(self) -> None:
        """Load the embedding model and the live vectors ahead of the first publish or hit test."""
        try:
            encoder = self.encoder()
            encoder.encode_queries(["预热"])
            self.publisher.cache.seed_from(Path(self.settings.index_dir), encoder)
        except RetrievalError as error:
            log.warning("embedding model not warmed: %s", error)

    def seed(self) -> int:
        try:
            base = load_knowledge(self.admin.knowledge_dir)
        except KnowledgeFormatError as error:
            log.error("knowledge store left empty: %s", error)
            return 0
        count = self.store.seed(seed_entries(base))
        for kind in ("checkup", "station_type"):  # stores seeded before these kinds existed
            count += self.store.seed_kind(kind, seed_entries(base))
        if count:
            self.store.audit("system", "seed", str(self.admin.knowledge_dir), f"{count}条")
            log.info("knowledge store seeded with %d entries from %s", count, self.admin.knowledge_dir)
        return count

    def export(self, target: Path) -> None:
        export(self.store, target)

    def shutdown(self) -> None:
        self.publisher.wait(timeout=5)  # an unfinished run never switched; recover() marks it
        self.engine.dispose()
