"""Alembic environment of the knowledge store: run by the gateway (hands over a connection) or the CLI."""

from __future__ import annotations

from logging.config import fileConfig

from sqlalchemy.engine import Connection

from alembic import context
from retrieval.distribution import METADATA as DISTRIBUTION_METADATA
from service.admin.db import make_engine
from service.admin.models import AdminBase

config = context.config
target_metadata = [AdminBase.metadata, DISTRIBUTION_METADATA]
VERSION_TABLE = config.get_main_option("version_table") or "admin_alembic_version"


def _cli_url() -> str:
    """URL for `alembic upgrade head` by hand: -x url=..., else the configured settings."""
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from service.admin.settings import AdminSettings
    from service.settings import Settings

    return AdminSettings().database_url(Settings())


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=_cli_url(),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(_cli_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
