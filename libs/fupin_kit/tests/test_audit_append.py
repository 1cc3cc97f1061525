"""Appending to the audit chain: a batch lands in list order inside the caller's transaction (the rows go
by COPY on the session's own connection), the chain verifies across batches, and a transaction rolled back
after its append leaves no row behind."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from fupin_kit.audit.append import append_change, append_entries
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.audit.verify import verify_chain
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.infra_tables import audit_log

COUNTY = "520102000000"


def _entry(index: int) -> AuditEntry:
    return AuditEntry(
        actor=f"user:{index}",
        action="access",
        subject=f"/api/v1/registry/households/{index}",
        division=COUNTY,
        # Nested and non-ASCII detail: it is stored as jsonb and must hash the same when read back.
        detail={"method": "GET", "status": 200, "note": "访问 ✓", "nested": {"n": index, "list": [1, None]}},
        at=dt.datetime(2026, 11, 27, 8, 0, index % 60, tzinfo=dt.UTC),
    )


async def test_batches_land_in_order_and_a_rolled_back_append_leaves_nothing(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    engine = create_engine(fupin_stack.settings("sample_producer", database))
    sessionmaker = create_sessionmaker(engine)
    try:
        first, second = [_entry(index) for index in range(70)], [_entry(index) for index in range(70, 75)]
        async with sessionmaker() as session, session.begin():
            await append_entries(session, first)
        async with sessionmaker() as session, session.begin():
            await append_change(session, second[0])
            await append_entries(session, second[1:])

        class Abandoned(Exception):
            pass

        try:
            async with sessionmaker() as session, session.begin():
                await append_entries(session, [_entry(99)])
                raise Abandoned
        except Abandoned:
            pass

        async with sessionmaker() as session:
            rows = (await session.execute(select(audit_log).order_by(audit_log.c.seq))).all()
            report = await verify_chain(session)
        assert [row.actor for row in rows] == [entry.actor for entry in first + second]
        assert [row.seq for row in rows] == sorted(row.seq for row in rows)
        assert rows[0].detail == first[0].detail and rows[0].at == first[0].at
        assert all(row.prev_hash == before.hash for before, row in itertools.pairwise(rows))
        assert report.ok and report.checked == 75
    finally:
        await engine.dispose()
