"""What the district promises about a handover: how long its details are kept, when staff call back.

Declared once: the gateway's Settings inherit these fields (its purge applies the same period the
confirmation states), and the supervisor passes them to the action server as IPGP_* variables.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HandoverTerms(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPGP_", extra="ignore")

    retention_days: int = Field(default=180, ge=1)  # turns, feedback, referrals and trackers older are purged
    # Working days within which staff call back, as the district has committed; 0: no period is promised.
    handover_callback_days: int = Field(default=0, ge=0, le=30)


@lru_cache
def handover_terms() -> HandoverTerms:
    return HandoverTerms()
