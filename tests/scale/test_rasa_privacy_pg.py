"""A cancelled handover is scrubbed from Rasa's PostgreSQL tracker store too (the scale-out setup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scale.conftest import PgDatabase
from tests.service.test_rasa_entry import needs_rasa
from tests.service.test_rasa_privacy import assert_scrubbed_after_cancel_only, saved_by_rasa

pytestmark = pytest.mark.scale


@needs_rasa
def test_rasa_scrubs_a_cancelled_handover_in_postgresql(tmp_path: Path, pg_database: PgDatabase) -> None:
    options = {
        "dialect": "postgresql",
        "host": pg_database.host,
        "port": pg_database.port,
        "db": pg_database.name,
        "username": pg_database.user,
    }
    assert_scrubbed_after_cancel_only(saved_by_rasa(tmp_path, options))
