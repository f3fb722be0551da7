"""Settings of the staff administration (IPGP_* variables), checked against the gateway settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from retrieval.settings import KnowledgePaths
from service.settings import DEFAULT_SECRET, Settings


class AdminConfigError(Exception):
    """The administration is configured unsafely (e.g. the default session secret in production)."""


class AdminSettings(KnowledgePaths):
    """Knowledge store location (knowledge_dir seeds it on first start), session and login backoff
    parameters, publish checks."""

    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    freshness_months: int = Field(default=12, ge=1, le=120)  # same variable as retrieval: overdue after this
    knowledge_database_url: str = ""  # empty: gateway database_url if set, else var_dir/knowledge.db
    session_secret: str = ""  # empty: the gateway's secret_key
    session_minutes: int = Field(default=480, ge=5)
    cookie_secure: bool | None = None  # None: Secure cookies outside development
    # Login backoff (service.admin.throttle): free failures, then waits doubling up to the cap.
    max_failed_logins: int = Field(default=5, ge=1)  # per username, known or not
    login_backoff_max_s: float = Field(default=30.0, gt=0)
    max_failed_logins_per_ip: int = Field(default=20, ge=1)
    login_ip_backoff_max_s: float = Field(default=900.0, gt=0)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    warm_model: bool = True  # load the embedding model when staff log in, so the first publish is fast
    keep_builds: int = Field(default=3, ge=2)  # published builds kept on disk (the live one included)
    smoke_questions: list[str] = Field(
        default_factory=lambda: ["知识产权质押贷款贴息", "商标品牌指导站在哪里", "专利资助"]
    )

    def database_url(self, settings: Settings) -> str:
        """Where the knowledge store lives."""
        if self.knowledge_database_url:
            return self.knowledge_database_url
        if settings.database_url:
            return settings.database_url
        return f"sqlite:///{settings.var_dir / 'knowledge.db'}"

    def secret(self, settings: Settings) -> str:
        """The key that session tokens are hashed with."""
        return self.session_secret or settings.secret_key

    def secure_cookies(self, settings: Settings) -> bool:
        return settings.env != "development" if self.cookie_secure is None else self.cookie_secure

    def check(self, settings: Settings) -> None:
        """Refuse default or short secrets outside development."""
        secret = self.secret(settings)
        if settings.env != "development" and (secret == DEFAULT_SECRET or len(secret) < 16):
            raise AdminConfigError(
                "IPGP_SECRET_KEY（或 IPGP_SESSION_SECRET）必须在生产环境设置为至少16个字符的真实密钥"
            )


@lru_cache
def get_admin_settings() -> AdminSettings:
    return AdminSettings()
