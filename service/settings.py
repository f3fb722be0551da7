"""Gateway and process settings, read from IPGP_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from actions.handover_terms import HandoverTerms
from retrieval.settings import KnowledgePaths

DEFAULT_SECRET = "dev-secret-change-me"


class Settings(KnowledgePaths, HandoverTerms):
    """All gateway settings; the supervisor reads the ports of the other two processes from here.

    HandoverTerms adds `retention_days` and `handover_callback_days`, which the action states too.
    """

    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    rasa_timeout_s: float = 10.0
    rasa_token: str = ""  # Rasa's --auth-token; the supervisor makes a random one when empty
    recovery_interval_s: float = 30.0  # how often pending turns are settled from Rasa's trackers; 0: off
    # The retention purge (service/privacy.py) at start and then this often; 0: off (run the CLI's purge)
    purge_interval_s: float = 86400.0
    var_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite file in var_dir
    secret_key: str = DEFAULT_SECRET
    public_url: str = ""  # where users reach the chat page; empty: http://host:port/
    cors_origins: str = ""  # comma-separated origins of other sites that embed the widget
    log_format: Literal["json", "text"] = "json"  # the gateway's log lines under the supervisor
    metrics_token: str = ""  # set: /metrics answers only `Authorization: Bearer <token>`

    # WeChat Official Account webhook (/wechat); empty token: the webhook answers 503.
    wechat_token: str = ""
    wechat_encoding_aes_key: str = ""  # 43 characters; needed for safe (AES) mode
    wechat_app_id: str = ""
    wechat_app_secret: str = ""  # with app_id: enables the customer-service message API
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    wechat_reply_deadline_s: float = 3.5  # WeChat waits 5 s; queueing before the handler adds to this
    wechat_max_body_bytes: int = 65536
    wechat_max_clock_skew_s: float = 300.0  # signed timestamps further off are refused (replays)
    wechat_dedup_ttl_s: float = 300.0  # how long a MsgId is remembered (WeChat retries within ~15 s)
    wechat_option_ttl_s: float = 600.0  # how long numbered options stay answerable by a digit

    # Abuse limits (service/middleware.py): token buckets per sender and per client IP; a rate of 0 is off.
    rate_sender_per_s: float = 1.0  # /api/chat sender_id and /wechat openid
    rate_sender_burst: int = 10
    rate_ip_per_s: float = 10.0  # /api/chat per client IP (a company behind one NAT shares it)
    rate_ip_burst: int = 60
    rate_wechat_ip_per_s: float = 200.0  # /wechat per IP: every user arrives from WeChat's few servers
    rate_wechat_ip_burst: int = 400
    rate_feedback_per_s: float = 0.5  # /api/feedback per client IP
    rate_feedback_burst: int = 20
    rate_login_per_s: float = 0.2  # /admin/api/login per client IP (the backoff per name is separate)
    rate_login_burst: int = 10
    max_body_bytes: int = 65536  # public POSTs and the staff login
    max_admin_body_bytes: int = 1024 * 1024  # other admin JSON (knowledge entries)
    max_upload_body_bytes: int = 6 * 1024 * 1024  # the document upload: a 5 MB file plus multipart overhead

    # Scale-out (README "Scale-out"): Rasa replicas share a PostgreSQL tracker store and a Redis lock store.
    scale_out: bool = False  # the supervisor starts Rasa with endpoints.scale.yml
    redis_url: str = ""  # e.g. redis://127.0.0.1:6379/0; set: WeChat state, rate limits, login backoff
    redis_prefix: str = "ipgp"
    pg_host: str = "127.0.0.1"  # the Rasa tracker store in scale-out
    pg_port: int = 5432
    pg_db: str = "rasa"
    pg_user: str = "rasa"
    pg_password: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}"

    @property
    def tracker_db(self) -> Path:
        """Rasa's SQLite tracker store (the single-machine setup; scale-out uses PostgreSQL)."""
        return self.var_dir / "rasa-tracker.db"

    @property
    def chat_page_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}/"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'gateway.db'}"

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def wechat_api_enabled(self) -> bool:
        return bool(self.wechat_app_id and self.wechat_app_secret)

    @field_validator("wechat_encoding_aes_key")
    @classmethod
    def _aes_key_length(cls, value: str) -> str:
        if value and len(value) != 43:
            raise ValueError("IPGP_WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("IPGP_SECRET_KEY must be set to a real secret in production")
        return self

    @model_validator(mode="after")
    def _scale_out_shares_wechat_state(self) -> Settings:
        if self.scale_out and not self.redis_url:
            raise ValueError("IPGP_SCALE_OUT needs IPGP_REDIS_URL: gateways must share WeChat state in Redis")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
