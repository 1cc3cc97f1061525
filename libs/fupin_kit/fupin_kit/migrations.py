"""Alembic, per service: a shared env.py body, the infra tables, and programmatic upgrade.

Each service keeps its own `migrations/` package; its env.py is one call to `run_env`, and its first
revision calls `create_infra_tables` so the outbox, inbox and audit tables are identical everywhere.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from fupin_kit.infra_tables import infra_metadata


def create_infra_tables(op: Any) -> None:
    infra_metadata.create_all(op.get_bind())


def drop_infra_tables(op: Any) -> None:
    infra_metadata.drop_all(op.get_bind())


def _run_sync(connection: Connection, target_metadata: MetaData | None) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target_metadata: MetaData | None) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync, target_metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env(target_metadata: MetaData | None = None) -> None:
    """The body of every service's env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by the caller"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, target_metadata))


def alembic_config(package: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_sync(package: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(package, database_url), revision)


async def upgrade(package: str, database_url: str, revision: str = "head") -> None:
    # env.py owns its own event loop (asyncio.run), so it must run off this one.
    await asyncio.to_thread(upgrade_sync, package, database_url, revision)


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(server_url: str, database: str, template: str | None = None) -> bool:
    """Create `database` on the server if it does not exist; True when it was created."""
    connection = await asyncpg.connect(_plain_dsn(server_url), timeout=10)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists:
            return False
        template_clause = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{database}"{template_clause}')
        return True
    finally:
        await connection.close()


async def drop_database(server_url: str, database: str) -> None:
    connection = await asyncpg.connect(_plain_dsn(server_url), timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()
