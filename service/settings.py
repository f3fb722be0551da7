"""Gateway and process settings, read from IPGP_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-secret-change-me"


class Settings(BaseSettings):
    """All gateway settings; the supervisor reads the ports of the other two processes from here."""

    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    rasa_timeout_s: float = 10.0
    var_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite file in var_dir
    secret_key: str = DEFAULT_SECRET
    public_url: str = ""  # where users reach the chat page; empty: http://host:port/
    index_dir: Path = Path(".cache/index")  # same variable (IPGP_INDEX_DIR) as retrieval reads

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}"

    @property
    def chat_page_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}/"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'gateway.db'}"

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("IPGP_SECRET_KEY must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
