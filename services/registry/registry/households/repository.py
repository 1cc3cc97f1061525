"""All SQL of the household aggregate. Reads take the caller's subtree [lo, hi] and filter on the household's
village code, so anything outside the jurisdiction is simply absent."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.civil_time import CHINA
from fupin_kit.read_pool import ReadPool, ReadStatement
from registry.households.enums import NO_LABOUR, Health, MemberChange, MemberStatus
from registry.households.models import (
    ACTIVE_PERSON_INDEX,
    history,
    household_counts,
    households,
    incomes,
    members,
)

Row = dict[str, Any]


class PersonAlreadyInHousehold(Exception):
    """The unique index on active members' blind index refused the insert; `person_index`: the person it
    refused (from the violation's detail), None if it could not be read."""

    def __init__(self, person_index: bytes | None = None) -> None:
        super().__init__("person already in a household")
        self.person_index = person_index


# The detail of a violation of the unique index: Key (person_index)=(\x<hex>) already exists.
_VIOLATING_KEY = re.compile(r"\(person_index\)=\(\\x([0-9a-fA-F]+)\)")


def _violating_person(error: BaseException | None) -> bytes | None:
    detail = getattr(getattr(error, "__cause__", None), "detail", None) or str(error)
    found = _VIOLATING_KEY.search(str(detail))
    return None if found is None else bytes.fromhex(found.group(1))


@dataclass(frozen=True)
class HouseholdFilter:
    status: str | None = None
    attribute: str | None = None
    main_cause: str | None = None
    cause: str | None = None
    income_min: Decimal | None = None
    income_max: Decimal | None = None
    has_disabled: bool | None = None
    has_no_labour: bool | None = None
    has_serious_illness: bool | None = None


async def village_known(session: AsyncSession, code: str) -> bool | None:
    """Whether `code` is a current village of the division tree; None while the tree is not loaded."""
    row = (
        await session.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM divisions) AS loaded, EXISTS (SELECT 1 FROM divisions "
                "WHERE code = :code AND level = 5 AND (valid_to IS NULL OR valid_to >= current_date)) AS known"
            ),
            {"code": code},
        )
    ).one()
    return bool(row.known) if row.loaded else None


async def insert_household(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(households).values(**values))


async def insert_members(session: AsyncSession, rows: Sequence[Row]) -> None:
    try:
        await session.execute(insert(members), list(rows))
    except IntegrityError as exc:
        if ACTIVE_PERSON_INDEX in str(exc.orig):
            raise PersonAlreadyInHousehold(_violating_person(exc.orig)) from None
        raise


def _people_with(status: MemberStatus, person_indexes: list[bytes]) -> Any:
    # The status inline, not bound: each half then matches its partial index's predicate in any plan.
    return select(
        members.c.person_index, literal_column(f"'{status.value}'").label("status"), members.c.division
    ).where(
        members.c.person_index.in_(person_indexes), members.c.status == literal_column(f"'{status.value}'")
    )


async def people_on_file(
    session: AsyncSession, person_indexes: Sequence[bytes]
) -> dict[bytes, tuple[str, str]]:
    """Which of these people are already an active member of some household, or recorded as deceased in
    one: person index → ('active' or 'deceased', the household's division) (a death is final: it wins).
    One round trip of one probe per person on each partial index (uq_household_members_active_person,
    ix_household_members_deceased_person), whatever the number of files."""
    indexes = list(person_indexes)
    rows = await session.execute(
        union_all(_people_with(MemberStatus.ACTIVE, indexes), _people_with(MemberStatus.DECEASED, indexes))
    )
    found: dict[bytes, tuple[str, str]] = {}
    for person, status, division in rows:
        if found.get(bytes(person), ("",))[0] != MemberStatus.DECEASED.value:
            found[bytes(person)] = (str(status), str(division))
    return found


# The advisory-lock namespace of "a person's membership" (the two-key form: its own key space, apart from
# the one-key locks of the standards, the division loader and the audit chain).
PERSON_LOCK = "registry.person"
# One key every membership change shares (one-key form). The API's changes hold it shared, so they go on
# side by side, each under its people's own locks; an import holds it exclusively from the checks of the
# people in its file to its commit (imports.repository.membership_frozen), taking no per-person locks (a
# file's hundreds of thousands would not fit the lock table). Without it, a person who joined and left
# another household between an import's checks and its apply was registered from before the day they left.
MEMBERSHIP_LOCK = "registry.membership"
# How long a membership change waits for an import being applied before it is refused (55P03: a 503 with
# Retry-After, fupin_kit.problems), well within the statement timeout (a 500 after 30 s).
MEMBERSHIP_LOCK_WAIT = "20s"


async def lock_people(session: AsyncSession, person_indexes: Sequence[bytes]) -> None:
    """Serialise, until the transaction ends, every change of these people's membership (a join, a new
    file, a departure, a death): a join then reads the departures and the active rows of a person whom no
    other transaction is changing. Keyed by the blind index (a keyed hash, as the unique index is), never
    the ID itself: its first four bytes, already uniform. Taken in one order, so that two requests
    sharing people cannot deadlock. Waits for an import being checked or applied (MEMBERSHIP_LOCK)."""
    keys = sorted({int.from_bytes(index[:4], "big", signed=True) for index in person_indexes})
    if not keys:
        return
    await session.execute(text(f"SET LOCAL lock_timeout = '{MEMBERSHIP_LOCK_WAIT}'"))
    await session.execute(
        text("SELECT pg_advisory_xact_lock_shared(hashtext(:membership))"), {"membership": MEMBERSHIP_LOCK}
    )
    # The ordered subquery feeds the aggregate in key order: the locks are taken in that order.
    await session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(hashtext(:space), k)) "
            "FROM (SELECT k FROM unnest(CAST(:keys AS int[])) AS k ORDER BY k) AS ordered"
        ),
        {"space": PERSON_LOCK, "keys": keys},
    )


async def last_departure(session: AsyncSession, person_index: bytes) -> dt.date | None:
    """The latest day this person left a household (moved or married out), in any household of the
    country, or None (ix_household_members_departed_person)."""
    departed = (MemberStatus.MARRIED_OUT.value, MemberStatus.MOVED_OUT.value)
    value = await session.scalar(
        select(func.max(members.c.left_on)).where(
            members.c.person_index == person_index, members.c.status.in_(departed)
        )
    )
    return value if isinstance(value, dt.date) else None


# The statements of every read, built once (parameters bound at execution) rather than per request.
_HOUSEHOLD = select(households).where(
    households.c.id == bindparam("household_id"),
    households.c.division.between(bindparam("lo"), bindparam("hi")),
)
_HOUSEHOLD_FOR_UPDATE = _HOUSEHOLD.with_for_update()
_MEMBERS = select(members).where(members.c.household_id == bindparam("household_id")).order_by(members.c.seq)


_CURRENT_HOUSEHOLD = ReadStatement.of(_HOUSEHOLD)
_CURRENT_MEMBERS = ReadStatement.of(_MEMBERS)


async def read_current(
    reads: ReadPool, household_id: uuid.UUID, lo: str, hi: str
) -> tuple[Row, list[Row]] | None:
    """The household and its members as they are now, if inside [lo, hi]: the hot read (every file view,
    every integration's lookup) on the read pool, in autocommit like open_read_session's reads."""
    values = {"household_id": household_id, "lo": lo, "hi": hi}
    async with reads.connection() as connection:
        household = await connection.fetchrow(_CURRENT_HOUSEHOLD, values)
        if household is None:
            return None
        member_rows = await connection.fetch(_CURRENT_MEMBERS, values)
    return dict(household), [dict(row) for row in member_rows]


async def get_household(
    session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    query = _HOUSEHOLD_FOR_UPDATE if lock else _HOUSEHOLD
    row = (await session.execute(query, {"household_id": household_id, "lo": lo, "hi": hi})).first()
    return None if row is None else dict(row._mapping)


async def household_members(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(_MEMBERS, {"household_id": household_id})
    return [dict(row._mapping) for row in rows]


async def update_household(session: AsyncSession, household_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(households)
        .where(households.c.id == household_id)
        .values(**values, version=households.c.version + 1, updated_at=func.now())
    )


async def update_member(session: AsyncSession, member_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(members).where(members.c.id == member_id).values(**values, updated_at=func.now())
    )


async def count_active_members(session: AsyncSession, household_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(members)
        .where(members.c.household_id == household_id, members.c.status == MemberStatus.ACTIVE.value)
    )
    return int(count or 0)


async def upsert_income(session: AsyncSession, values: Row) -> Row:
    statement = pg_insert(incomes).values(**values)
    upsert = statement.on_conflict_do_update(
        constraint="pk_household_incomes",
        set_={key: statement.excluded[key] for key in values if key not in ("household_id", "year")}
        | {"recorded_at": func.now()},
    ).returning(incomes)
    return dict((await session.execute(upsert)).one()._mapping)


# In the household from birth: a member registered with the file (the registry knows nothing earlier,
# and takes the household as registered to have lived together before), or born into it. Anyone else
# from the day they joined, and so is a registered member who left another household before: until
# then they were counted there, and a person is in one household's per-capita income at a time.
_DEPARTED = (MemberStatus.MARRIED_OUT.value, MemberStatus.MOVED_OUT.value)
_earlier = members.alias("earlier")


async def household_size_on(session: AsyncSession, household_id: uuid.UUID, day: dt.date) -> int:
    """The members living in the household at the end of `day`: in it by then (born by then if in it from
    birth, else joined on or before it) and not left (moved or married out, or died) on or before it."""
    left_before = exists().where(
        _earlier.c.person_index == members.c.person_index,
        _earlier.c.id != members.c.id,
        _earlier.c.status.in_(_DEPARTED),
        _earlier.c.left_on <= members.c.joined_on,
    )
    from_birth = or_(
        members.c.joined_by == MemberChange.BIRTH.value,
        and_(members.c.joined_by == MemberChange.REGISTRATION.value, ~left_before),
    )
    since = case((from_birth, members.c.birth_date), else_=members.c.joined_on)
    count = await session.scalar(
        select(func.count())
        .select_from(members)
        .where(
            members.c.household_id == household_id,
            since <= day,
            or_(members.c.left_on.is_(None), members.c.left_on > day),
        )
    )
    return int(count or 0)


async def update_income(session: AsyncSession, household_id: uuid.UUID, year: int, values: Row) -> Row:
    row = (
        await session.execute(
            update(incomes)
            .where(incomes.c.household_id == household_id, incomes.c.year == year)
            .values(**values)
            .returning(incomes)
        )
    ).one()
    return dict(row._mapping)


async def get_income(session: AsyncSession, household_id: uuid.UUID, year: int) -> Row | None:
    row = (
        await session.execute(
            select(incomes).where(incomes.c.household_id == household_id, incomes.c.year == year)
        )
    ).first()
    return None if row is None else dict(row._mapping)


async def list_incomes(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(incomes).where(incomes.c.household_id == household_id).order_by(incomes.c.year)
    )
    return [dict(row._mapping) for row in rows]


async def insert_history(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(history).values(**values))


async def snapshot_at(
    session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str, as_of: dt.datetime
) -> Row | None:
    """The household as recorded by its last change at or before `as_of`."""
    row = (
        await session.execute(
            select(history.c.after, history.c.at)
            .where(
                history.c.household_id == household_id,
                history.c.division.between(lo, hi),
                history.c.at <= as_of,
            )
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else dict(row._mapping)


async def status_before_monitoring(session: AsyncSession, household_id: uuid.UUID) -> str | None:
    """The status a monitored household had when it became monitored: the `before` of its latest change
    into 'monitored' (history is append-only, so this is exact). A write-path read, under the household's
    row lock; the ix_household_history_household_at index finds the household's rows."""
    row = (
        await session.execute(
            select(history.c.before["status"].astext)
            .where(
                history.c.household_id == household_id,
                history.c.after["status"].astext == "monitored",
                history.c.before["status"].astext != "monitored",
            )
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else str(row[0])


# The calendar the exit-year rule counts years in (identification.clock.civil_year: China's).
CIVIL_TIME_ZONE = CHINA.key
# Becoming one of these is being registered as poor (identification's registered_year counts both).
REGISTERING = ("registered", "returned")


async def monitoring_discovery(session: AsyncSession, household_id: uuid.UUID) -> str | None:
    """How the household's current monitoring came about: the `discovery` of its latest change into
    'monitored' (None for one made by hand, or recorded before migration registry_0014). A write-path
    read, under the household's row lock, on ix_household_history_household_at."""
    row = (
        await session.execute(
            select(history.c.discovery)
            .where(
                history.c.household_id == household_id,
                history.c.after["status"].astext == "monitored",
                history.c.before["status"].astext != "monitored",
            )
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None or row[0] is None else str(row[0])


async def registration_years(session: AsyncSession, household_id: uuid.UUID) -> tuple[int | None, int]:
    """(the year in China of the household's latest change into registered or returned — the year of the
    decision's own day when a county recorded one taken outside the platform — or None if it was never
    registered; this year in China, by the database's clock). A write-path read, under the household's
    row lock; ix_household_history_household_at finds the household's rows."""
    status_after = history.c.after["status"].astext
    registered = (
        select(
            func.coalesce(
                extract("year", history.c.effective_on),
                extract("year", func.timezone(CIVIL_TIME_ZONE, history.c.at)),
            )
        )
        .where(
            history.c.household_id == household_id,
            status_after.in_(REGISTERING),
            history.c.before["status"].astext.is_distinct_from(status_after),
        )
        .order_by(history.c.at.desc(), history.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    this_year = extract("year", func.timezone(CIVIL_TIME_ZONE, func.now()))
    row = (await session.execute(select(registered, this_year))).one()
    return (None if row[0] is None else int(row[0])), int(row[1])


async def status_decision_bounds(
    session: AsyncSession, household_id: uuid.UUID, actions: tuple[str, ...]
) -> tuple[dt.date | None, dt.date | None]:
    """(the day the household was registered: its registration members' joined_on; the day of its latest
    status decision, one of `actions` — the decision's own day when a county recorded one taken outside the
    platform, else the day in China it was recorded). A write-path read, under the household's row lock."""
    registered = (
        select(func.min(members.c.joined_on))
        .where(members.c.household_id == household_id, members.c.joined_by == MemberChange.REGISTRATION.value)
        .scalar_subquery()
    )
    latest = (
        select(
            func.coalesce(history.c.effective_on, cast(func.timezone(CIVIL_TIME_ZONE, history.c.at), Date))
        )
        .where(history.c.household_id == household_id, history.c.action.in_(actions))
        .order_by(history.c.at.desc(), history.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    row = (await session.execute(select(registered, latest))).one()
    return row[0], row[1]


async def list_history(session: AsyncSession, household_id: uuid.UUID, lo: str, hi: str) -> list[Row]:
    rows = await session.execute(
        select(history)
        .where(history.c.household_id == household_id, history.c.division.between(lo, hi))
        .order_by(history.c.at, history.c.id)
    )
    return [dict(row._mapping) for row in rows]


def _member_trait(*conditions: Any) -> Any:
    return exists().where(
        members.c.household_id == households.c.id, members.c.status == MemberStatus.ACTIVE.value, *conditions
    )


def _filter_conditions(filters: HouseholdFilter) -> list[Any]:
    conditions: list[Any] = []
    if filters.status is not None:
        conditions.append(households.c.status == filters.status)
    if filters.attribute is not None:
        conditions.append(households.c.attribute == filters.attribute)
    if filters.main_cause is not None:
        conditions.append(households.c.main_cause == filters.main_cause)
    if filters.cause is not None:
        conditions.append(
            or_(households.c.main_cause == filters.cause, households.c.other_causes.any_() == filters.cause)
        )
    if filters.income_min is not None:
        conditions.append(households.c.per_capita_net_income >= filters.income_min)
    if filters.income_max is not None:
        conditions.append(households.c.per_capita_net_income <= filters.income_max)
    traits = (
        (filters.has_disabled, _member_trait(members.c.health == Health.DISABLED.value)),
        (filters.has_serious_illness, _member_trait(members.c.health == Health.SERIOUS_ILLNESS.value)),
        (filters.has_no_labour, _member_trait(members.c.labour_capacity.in_([c.value for c in NO_LABOUR]))),
    )
    for wanted, condition in traits:
        if wanted is not None:
            conditions.append(condition if wanted else ~condition)
    return conditions


async def search(
    session: AsyncSession,
    lo: str,
    hi: str,
    filters: HouseholdFilter,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Row]:
    """One keyset page in (division, id) order; `limit + 1` rows tell the caller whether more exist."""
    conditions = [households.c.division.between(lo, hi), *_filter_conditions(filters)]
    if after is not None:
        conditions.append(
            tuple_(households.c.division, households.c.id) > tuple_(literal(after[0]), literal(after[1]))
        )
    rows = await session.execute(
        select(households)
        .where(and_(*conditions))
        .order_by(households.c.division, households.c.id)
        .limit(limit + 1)
    )
    return [dict(row._mapping) for row in rows]


async def counts_by_prefix(session: AsyncSession, lo: str, hi: str, prefix_length: int) -> list[Row]:
    """Households and people per (child prefix, status, attribute) inside [lo, hi], from the trigger-kept
    per-village counters: a range scan over a few rows per village, whatever the number of households."""
    prefix = func.substr(household_counts.c.division, 1, prefix_length).label("prefix")
    households_n = func.sum(household_counts.c.households).label("households")
    rows = await session.execute(
        select(
            prefix,
            household_counts.c.status,
            household_counts.c.attribute,
            households_n,
            func.sum(household_counts.c.people).label("people"),
        )
        .where(household_counts.c.division.between(lo, hi))
        .group_by(prefix, household_counts.c.status, household_counts.c.attribute)
        .having(households_n > 0)
        .order_by(prefix)
    )
    return [dict(row._mapping) for row in rows]
