"""All SQL of public notices: opening a village list, finding notices whose time is up, the public board."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from identification.keyset import Position
from identification.models import cases, notice_cases, notices, objections, rm_households
from identification.notices.line_status import LineStatus

Row = dict[str, Any]


async def cases_ready(
    session: AsyncSession, village: str, state: str, *, without_statuses: Sequence[str] = ()
) -> list[Row]:
    """The village's cases at `state`, leaving out those whose household the registry has in one of
    `without_statuses` (an identification's household registered as poor by another route)."""
    excluded = exists().where(
        rm_households.c.household_id == cases.c.household_id, rm_households.c.status.in_(without_statuses)
    )
    rows = await session.execute(
        select(cases)
        .where(cases.c.division == village, cases.c.state == state, ~excluded)
        .order_by(cases.c.id)
        .with_for_update(of=cases)
    )
    return [dict(row) for row in rows.mappings()]


# What a line keeps of its household as posted (models.notice_cases): the read model's columns of the same
# name, copied when the case is put on the notice.
SNAPSHOT = ("head_name_masked", "head_id_masked", "member_count")
LINE_COLUMNS = ("notice_id", "case_id", *SNAPSHOT)


def _lines_as_posted(notice_id: uuid.UUID, case_ids: Sequence[uuid.UUID]) -> Any:
    """The lines of these cases on the notice, each with its household as the read model holds it now (the
    moment of posting), in one set-based select whatever the number of cases. A household the read model
    does not hold gets the read model's own defaults rather than losing its line."""
    household = rm_households.c
    return (
        select(
            literal(notice_id, type_=notice_cases.c.notice_id.type).label("notice_id"),
            cases.c.id.label("case_id"),
            func.coalesce(household.head_name_masked, "").label("head_name_masked"),
            func.coalesce(household.head_id_masked, "").label("head_id_masked"),
            func.coalesce(household.member_count, 0).label("member_count"),
        )
        .select_from(cases.outerjoin(rm_households, household.household_id == cases.c.household_id))
        .where(cases.c.id.in_(case_ids))
    )


async def insert_notice(session: AsyncSession, values: Row, case_ids: Sequence[uuid.UUID]) -> list[Row]:
    """The notice and its lines, each keeping its household as posted; the lines posted, by case id."""
    await session.execute(insert(notices).values(**values))
    rows = await session.execute(
        insert(notice_cases)
        .from_select(LINE_COLUMNS, _lines_as_posted(values["id"], case_ids))
        .returning(notice_cases.c.case_id, *(notice_cases.c[column] for column in SNAPSHOT))
    )
    return sorted((dict(row) for row in rows.mappings()), key=lambda line: line["case_id"])


async def insert_announcement(session: AsyncSession, values: Row) -> None:
    """The day's announcement, unless an earlier (or concurrent) announcement of the day has inserted it:
    its id is the same (announcements.announcement_id), and the primary key keeps it one."""
    await session.execute(pg_insert(notices).values(**values).on_conflict_do_nothing(index_elements=["id"]))


async def add_line(session: AsyncSession, notice_id: uuid.UUID, case_id: uuid.UUID) -> None:
    """The case's line on the notice, keeping its household as posted; a line already there keeps what it
    posted first."""
    await session.execute(
        pg_insert(notice_cases)
        .from_select(LINE_COLUMNS, _lines_as_posted(notice_id, [case_id]))
        .on_conflict_do_nothing(index_elements=["notice_id", "case_id"])
    )


def _open_ticket(notice_id: Any) -> Any:
    """An open objection to a case still on the notice: one to a case that left it (withdrawn, rejected)
    no longer holds the notice open for the other households."""
    return exists().where(
        objections.c.notice_id == notice_id,
        objections.c.status == "open",
        exists().where(
            notice_cases.c.notice_id == objections.c.notice_id,
            notice_cases.c.case_id == objections.c.case_id,
            notice_cases.c.listed,
        ),
    )


async def due_notices(session: AsyncSession, lo: str, hi: str, now: dt.datetime) -> list[Row]:
    """Open notices whose end has passed and that have no open objection, locked for closing; SKIP LOCKED
    lets the background timer and a township's explicit tick run side by side without closing a notice
    twice, and passes by a notice an objection is being taken on (objections.repository.hold_notice): a
    later round finds it again."""
    locked = await session.execute(
        select(notices.c.id)
        .where(
            notices.c.status == "open",
            notices.c.ends_at <= now,
            notices.c.division.between(lo, hi),
            ~_open_ticket(notices.c.id),
        )
        .order_by(notices.c.ends_at)
        .limit(500)
        .with_for_update(skip_locked=True)
    )
    # The select above judged the tickets on its snapshot, taken before it locked: an objection that held
    # a notice and committed its ticket in between is not in it (a lock alone does not make PostgreSQL
    # re-check a row). Under the locks now held no ticket can open, so a fresh statement sees them all.
    rows = await session.execute(
        select(notices)
        .where(notices.c.id.in_(locked.scalars().all()), ~_open_ticket(notices.c.id))
        .order_by(notices.c.ends_at)
    )
    return [dict(row) for row in rows.mappings()]


async def listed_cases(session: AsyncSession, notice_id: uuid.UUID, *, lock: bool = False) -> list[Row]:
    stmt = (
        select(cases)
        .join(notice_cases, notice_cases.c.case_id == cases.c.id)
        .where(notice_cases.c.notice_id == notice_id, notice_cases.c.listed)
        .order_by(cases.c.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=cases)
    return [dict(row) for row in (await session.execute(stmt)).mappings()]


def _snapshot() -> list[Any]:
    """The household as the line posted it (never the read model's current household)."""
    return [notice_cases.c[column] for column in SNAPSHOT]


def _line_status() -> Any:
    # A ticket upheld after its case had left the list (it carries a note) did not take the case off it.
    upheld = exists().where(
        objections.c.notice_id == notice_cases.c.notice_id,
        objections.c.case_id == notice_cases.c.case_id,
        objections.c.status == "upheld",
        objections.c.note.is_(None),
    )
    return case(
        (notice_cases.c.listed, literal(LineStatus.LISTED.value)),
        (upheld, literal(LineStatus.WITHDRAWN_AFTER_OBJECTION.value)),
        else_=literal(LineStatus.WITHDRAWN.value),
    ).label("line_status")


async def posted_lines(session: AsyncSession, notice_id: uuid.UUID) -> list[Row]:
    """Every case put on the notice when it was posted, with its household as posted and its line's status."""
    rows = await session.execute(
        select(notice_cases.c.case_id, *_snapshot(), _line_status())
        .where(notice_cases.c.notice_id == notice_id)
        .order_by(notice_cases.c.case_id)
    )
    return [dict(row) for row in rows.mappings()]


async def posted_lines_of(
    session: AsyncSession, notice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    """The posted lines of several notices in one query (a list page), each notice's as `posted_lines`."""
    rows = await session.execute(
        select(notice_cases.c.notice_id, notice_cases.c.case_id, *_snapshot(), _line_status())
        .where(notice_cases.c.notice_id.in_(notice_ids))
        .order_by(notice_cases.c.notice_id, notice_cases.c.case_id)
    )
    lines: dict[uuid.UUID, list[Row]] = {notice_id: [] for notice_id in notice_ids}
    for row in rows.mappings():
        line = dict(row)
        lines[line.pop("notice_id")].append(line)
    return lines


async def close(session: AsyncSession, notice_id: uuid.UUID, now: dt.datetime) -> None:
    await session.execute(
        update(notices).where(notices.c.id == notice_id).values(status="closed", closed_at=now)
    )


async def unlist(session: AsyncSession, notice_id: uuid.UUID, case_id: uuid.UUID) -> None:
    await session.execute(
        update(notice_cases)
        .where(notice_cases.c.notice_id == notice_id, notice_cases.c.case_id == case_id)
        .values(listed=False)
    )


async def unlist_case(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Take the case off every open notice that lists it."""
    await session.execute(
        update(notice_cases)
        .where(
            notice_cases.c.case_id == case_id,
            notice_cases.c.listed,
            notice_cases.c.notice_id.in_(select(notices.c.id).where(notices.c.status == "open")),
        )
        .values(listed=False)
    )


async def is_listed(session: AsyncSession, notice_id: uuid.UUID, case_id: uuid.UUID) -> bool:
    """Whether the case is still on the notice's list (posted there and not taken off it)."""
    result = await session.execute(
        select(
            exists().where(
                notice_cases.c.notice_id == notice_id,
                notice_cases.c.case_id == case_id,
                notice_cases.c.listed,
            )
        )
    )
    return bool(result.scalar_one())


async def on_notice(session: AsyncSession, notice_id: uuid.UUID, case_id: uuid.UUID) -> bool:
    """Whether the case was put on the notice (listed still or not)."""
    result = await session.execute(
        select(exists().where(notice_cases.c.notice_id == notice_id, notice_cases.c.case_id == case_id))
    )
    return bool(result.scalar_one())


async def get(
    session: AsyncSession, notice_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    stmt = select(notices).where(notices.c.id == notice_id, notices.c.division.between(lo, hi))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def search(
    session: AsyncSession,
    lo: str,
    hi: str,
    status: str | None,
    after: Position | None,
    limit: int,
    kind: str | None = None,
) -> list[Row]:
    """Newest first, keyset-paged on (starts_at, id) after `after`; one row more than `limit` says there is
    another page."""
    conditions: list[Any] = [notices.c.division.between(lo, hi)]
    if status is not None:
        conditions.append(notices.c.status == status)
    if kind is not None:
        conditions.append(notices.c.kind == kind)
    if after is not None:
        conditions.append(tuple_(notices.c.starts_at, notices.c.id) < after)
    rows = await session.execute(
        select(notices)
        .where(and_(*conditions))
        .order_by(notices.c.starts_at.desc(), notices.c.id.desc())
        .limit(limit + 1)
    )
    return [dict(row) for row in rows.mappings()]


async def public_entries(
    session: AsyncSession, notice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Row]]:
    """What the board shows of each case posted on these notices, by notice, in one query (a board page):
    its id, village, the head's masked name and ID and the household size as the line posted them, and the
    line's status (still listed, or withdrawn and why)."""
    rows = await session.execute(
        select(
            notice_cases.c.notice_id,
            cases.c.id,
            cases.c.division,
            cases.c.kind,
            *_snapshot(),
            _line_status(),
        )
        .join(notice_cases, notice_cases.c.case_id == cases.c.id)
        .where(notice_cases.c.notice_id.in_(notice_ids))
        .order_by(notice_cases.c.notice_id, cases.c.id)
    )
    entries: dict[uuid.UUID, list[Row]] = {notice_id: [] for notice_id in notice_ids}
    for row in rows.mappings():
        entries[row["notice_id"]].append(dict(row))
    return entries


async def open_notice_of_case(session: AsyncSession, case_id: uuid.UUID) -> Row | None:
    row = (
        (
            await session.execute(
                select(notices)
                .join(notice_cases, notice_cases.c.notice_id == notices.c.id)
                .where(notice_cases.c.case_id == case_id, notice_cases.c.listed, notices.c.status == "open")
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def count_open(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).where(notices.c.status == "open"))).scalar_one())
