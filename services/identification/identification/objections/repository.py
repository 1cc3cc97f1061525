"""All SQL of objection tickets (异议)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import and_, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identification.keyset import Position
from identification.models import notices, objections

Row = dict[str, Any]


async def hold_notice(session: AsyncSession, notice_id: uuid.UUID) -> Row | None:
    """The notice, share-locked until the objection's transaction ends. A close locks the notice FOR UPDATE
    (SKIP LOCKED): while an objection holds it, a close passes it by (a later round finds it again, then
    with the ticket in view); an objection arriving while a close holds it waits and then reads the
    notice as the close left it. SHARE rather than UPDATE: objections to one notice need not queue."""
    stmt = select(notices).where(notices.c.id == notice_id).with_for_update(read=True)
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def insert_ticket(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(objections).values(**values))


async def get(
    session: AsyncSession, ticket_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    stmt = select(objections).where(objections.c.id == ticket_id, objections.c.division.between(lo, hi))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def open_tickets(session: AsyncSession, notice_id: uuid.UUID, case_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(objections)
        .where(
            objections.c.notice_id == notice_id,
            objections.c.case_id == case_id,
            objections.c.status == "open",
        )
        .order_by(objections.c.opened_at, objections.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def resolve(
    session: AsyncSession,
    ticket_id: uuid.UUID,
    status: str,
    actor: str,
    at: dt.datetime,
    text: str,
    note: str | None = None,
) -> None:
    await session.execute(
        update(objections)
        .where(objections.c.id == ticket_id)
        .values(status=status, resolved_by=actor, resolved_at=at, resolution=text, note=note)
    )


async def search(
    session: AsyncSession, lo: str, hi: str, status: str | None, after: Position | None, limit: int
) -> list[Row]:
    """The ticket due first first, keyset-paged on (due_at, id) after `after`; one row more than `limit`
    says there is another page."""
    conditions: list[Any] = [objections.c.division.between(lo, hi)]
    if status is not None:
        conditions.append(objections.c.status == status)
    if after is not None:
        conditions.append(tuple_(objections.c.due_at, objections.c.id) > after)
    rows = await session.execute(
        select(objections)
        .where(and_(*conditions))
        .order_by(objections.c.due_at, objections.c.id)
        .limit(limit + 1)
    )
    return [dict(row) for row in rows.mappings()]
