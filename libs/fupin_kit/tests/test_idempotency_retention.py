"""Idempotency keys are forgotten after FUPIN_IDEMPOTENCY_RETENTION_DAYS by the relay's hourly purge (the
tables kept one row per command for ever, the gateway's with sealed secrets). Real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData, select, text

from fupin_kit import idempotency
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.relay import OutboxRelay

ROWS = {
    # key: (age in days, status)
    "answered-long-ago": (31, 201),
    "answered-yesterday": (1, 200),
    "refused-long-ago": (45, 422),
    "pending-long-ago": (31, idempotency.PENDING),  # a transaction's claim: never the purge's
}


async def test_the_relay_forgets_keys_answered_before_the_retention(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_key_retention")
    settings = fupin_stack.settings("sample_key_retention", database, role="worker").model_copy(
        update={"idempotency_retention_days": 30}
    )
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    keys = idempotency.table(MetaData())
    try:
        async with engine.begin() as connection:
            await connection.execute(text(idempotency.TABLE_SQL))
            now = datetime.now(UTC)
            for key, (age_days, status) in ROWS.items():
                await connection.execute(
                    keys.insert().values(
                        actor="user:cadre",
                        key=key,
                        request_hash="0" * 64,
                        status=status,
                        body={},
                        created_at=now - timedelta(days=age_days),
                    )
                )

        async def kept() -> set[str]:
            async with sessionmaker() as session:
                return set((await session.execute(select(keys.c.key))).scalars())

        # A relay not told of the table (a service that keeps none) leaves it alone.
        await OutboxRelay(settings, engine, sessionmaker)._purge_if_due()
        assert await kept() == set(ROWS)

        await OutboxRelay(settings, engine, sessionmaker, idempotency_keys=keys)._purge_if_due()
        assert await kept() == {"answered-yesterday", "pending-long-ago"}
    finally:
        await engine.dispose()
