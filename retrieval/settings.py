"""Retrieval settings read from the environment (prefix IPGP_) through a cached get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.calibration import MODEL_FILE


class KnowledgePaths(BaseSettings):
    """Where the knowledge and the live index are: declared once for every process that reads
    them (retrieval, the gateway, the admin), from IPGP_KNOWLEDGE_DIR and IPGP_INDEX_DIR."""

    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    knowledge_dir: Path = Path("knowledge")
    index_dir: Path = Path(".cache/index")


class RetrievalSettings(KnowledgePaths):
    """Where the model lives, and the measured fusion/answer parameters."""

    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    model_dir: Path = Path(".cache/models/multilingual-e5-small")

    # Fusion (chosen on the dev set; see BENCHMARKS.md "Retrieval").
    fusion_method: Literal["score", "rrf"] = "score"
    dense_weight: float = Field(default=0.2, ge=0.0, le=1.0)
    rrf_k: int = Field(default=60, ge=1)
    candidates: int = Field(default=50, ge=1)

    # Answerable decision: the calibrated model (`python -m retrieval calibrate`, BENCHMARKS.md).
    answer_model: Path = MODEL_FILE

    threads: int = Field(default=1, ge=1)  # torch and faiss CPU threads; 1 measured best here
    # Encoder compute dtype; auto = bfloat16 where the CPU has it natively (~30% less CPU per
    # query here, same dev/paraphrase results), else float32.
    dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    keep_builds: int = Field(default=3, ge=1)
    result_cache: int = Field(default=2048, ge=0)  # search results kept per process (0: off)
    # Scale-out: follow the build the admin published into the shared database (retrieval.index_sync).
    # Empty: the knowledge store's PostgreSQL when IPGP_SCALE_OUT is set, else off.
    index_source: str = ""
    index_poll_s: float = Field(default=3.0, gt=0)
    scale_out: bool = False  # the same variables as the gateway's, read for the default above
    database_url: str = ""
    knowledge_database_url: str = ""
    # Answers from a source older than this (or last reviewed longer ago) carry a caution line;
    # the audit and the admin call such entries overdue (IPGP_FRESHNESS_MONTHS).
    freshness_months: int = Field(default=12, ge=1, le=120)

    def index_source_url(self) -> str:
        """Where published builds come from, or "" (each machine keeps the index it has)."""
        if self.index_source:
            return self.index_source
        shared = self.knowledge_database_url or self.database_url
        return shared if self.scale_out and shared.startswith("postgresql") else ""


@lru_cache(maxsize=1)
def get_settings() -> RetrievalSettings:
    """Return the process-wide settings (cached; call get_settings.cache_clear() in tests)."""
    return RetrievalSettings()
