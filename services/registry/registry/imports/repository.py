"""All SQL of bulk imports.

Two kinds of functions: the `imports` bookkeeping goes through SQLAlchemy sessions (short transactions,
visible to GET /imports/{id} while a file is still being read); staging and applying go straight to the
asyncpg connection that holds the import's temporary staging tables (binary COPY in, set-based
INSERT ... SELECT out, one transaction for the whole apply).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from fupin_contracts import registry as contracts
from fupin_kit.audit.append import append_on
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.envelope import domain_topic
from fupin_kit.infra_tables import OUTBOX_CHANNEL
from registry.households.enums import HouseholdStatus, MemberChange, MemberStatus
from registry.households.models import ACTIVE_PERSON_INDEX
from registry.households.repository import MEMBERSHIP_LOCK
from registry.imports import failures
from registry.imports.models import LIVE_STATUSES, imports
from registry.imports.phases import Phases
from registry.imports.validation import STAGE_HOUSEHOLD_COLUMNS, STAGE_MEMBER_COLUMNS

Row = dict[str, Any]
# The partial unique index's predicate as SQL text (see insert_import).
LIVE_PREDICATE = "status IN (" + ", ".join(f"'{status}'" for status in LIVE_STATUSES) + ")"
Driver = Any  # asyncpg.Connection (asyncpg ships no type information)
# Staging and applying a large file outlast the service's 30 s statement timeout by design.
BULK_TIMEOUT_S = 3600.0
STALE_AFTER = dt.timedelta(minutes=10)
STAGE_HOUSEHOLDS = "import_stage_households"
STAGE_MEMBERS = "import_stage_members"
COPY_BLOCK = 1 << 20
STAGE_BUFFERS = "1GB"
PROBLEM_COLUMNS = ("import_id", "row_no", "household_key", "field", "reason")


class PersonAlreadyInHousehold(Exception):
    """The partial unique index on active members' blind index refused the apply (a concurrent write)."""


# ---- bookkeeping (SQLAlchemy) ----------------------------------------------------------------------


async def expire_stale(session: AsyncSession) -> None:
    """A running import touches updated_at at every chunk; one silent for STALE_AFTER died with its
    process, so it must no longer block a new upload of the same file."""
    await session.execute(
        update(imports)
        .where(
            imports.c.status.in_(("received", "validating", "applying")),
            imports.c.updated_at < func.now() - STALE_AFTER,
        )
        .values(status="failed", error=failures.INTERRUPTED, finished_at=func.now())
    )


async def insert_import(session: AsyncSession, values: Row) -> bool:
    """False when a live import of the same bytes by the same division exists (the partial unique index
    decides, also for two uploads racing each other)."""
    statement = (
        pg_insert(imports)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[imports.c.sha256, imports.c.actor_division],
            # Literal, not bound parameters: under a generic plan (after a few executions on one
            # connection) PostgreSQL cannot prove `status IN ($1, …)` implies the partial index's
            # predicate, and answers "no unique or exclusion constraint matching the ON CONFLICT".
            index_where=text(LIVE_PREDICATE),
        )
        .returning(imports.c.id)
    )
    return (await session.execute(statement)).first() is not None


async def live_import_by_sha(session: AsyncSession, sha256: str, lo: str, hi: str) -> Row | None:
    """The first live import of these bytes by a division in lo..hi (the uploader's subtree)."""
    row = (
        await session.execute(
            select(imports)
            .where(
                imports.c.sha256 == sha256,
                imports.c.actor_division.between(lo, hi),
                imports.c.status.in_(LIVE_STATUSES),
            )
            .order_by(imports.c.created_at)
            .limit(1)
        )
    ).first()
    return None if row is None else dict(row._mapping)


async def insert_duplicate(session: AsyncSession, values: Row, original: Row) -> None:
    counts = (
        "rows_read",
        "households_read",
        "households_accepted",
        "households_rejected",
        "members_accepted",
        "rows_rejected",
    )
    await session.execute(
        insert(imports).values(
            **values,
            **{key: original[key] for key in counts},
            status="duplicate-of",
            duplicate_of=original["id"],
            finished_at=func.now(),
        )
    )


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> Row | None:
    row = (await session.execute(select(imports).where(imports.c.id == import_id))).first()
    return None if row is None else dict(row._mapping)


async def set_progress(session: AsyncSession, import_id: uuid.UUID, values: Row) -> None:
    await session.execute(
        update(imports).where(imports.c.id == import_id).values(**values, updated_at=func.now())
    )


async def mark_failed(session: AsyncSession, import_id: uuid.UUID, error: str) -> None:
    await session.execute(
        update(imports)
        .where(and_(imports.c.id == import_id, imports.c.status.in_(("received", "validating", "applying"))))
        .values(status="failed", error=error[:2000], updated_at=func.now(), finished_at=func.now())
    )


REPORT_SQL = """
SELECT * FROM (
    SELECT g.row_no, r.household_key, r.household_id, p.field, p.reason
    FROM import_households r
    CROSS JOIN LATERAL generate_series(greatest(r.first_row, :after + 1), r.last_row) AS g(row_no)
    LEFT JOIN import_problems p ON p.import_id = r.import_id AND p.row_no = g.row_no
    WHERE r.import_id = :import_id AND r.last_row > :after
    UNION ALL
    SELECT p.row_no, p.household_key, NULL, p.field, p.reason
    FROM import_problems p
    WHERE p.import_id = :import_id AND p.row_no > :after AND NOT EXISTS (
        SELECT 1 FROM import_households r
        WHERE r.import_id = p.import_id AND p.row_no BETWEEN r.first_row AND r.last_row)
) AS lines
WHERE CAST(:with_problem AS boolean) IS NULL OR (reason IS NOT NULL) = :with_problem
ORDER BY 1, 4 NULLS FIRST
LIMIT :limit
"""


async def report_lines(
    session: AsyncSession, import_id: uuid.UUID, after: int, limit: int, with_problem: bool | None = None
) -> list[Row]:
    """Report lines for rows after `after`, in row order: one per problem, or one per row without any;
    only the problems' lines (`with_problem` true) or only the others' (false) when it is given."""
    rows = await session.execute(
        text(REPORT_SQL),
        {"import_id": import_id, "after": after, "limit": limit, "with_problem": with_problem},
    )
    return [dict(row._mapping) for row in rows]


# ---- staging and applying (asyncpg, one connection per import) -----------------------------------------


async def driver_of(conn: AsyncConnection) -> Driver:
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return driver


async def create_stage(driver: Driver) -> None:
    """Per-import staging: temporary tables live only on this connection, so concurrent imports never
    see each other's rows, and they cost no WAL. Row ids are generated here, by PostgreSQL."""
    import asyncpg

    # Sorting and grouping a whole file must not spill to disk in 4 MB pieces.
    await driver.execute("SET statement_timeout = 0; SET work_mem = '128MB'", timeout=BULK_TIMEOUT_S)
    # Temporary tables live in the session's own buffers, 8 MB by default: a 100,000-household file stages
    # ~700 MB, and every pass of the checks and the apply re-read it from the OS page by page (the apply
    # took twice as long per row as for a fifth of the file). Memory is only taken as the staging grows,
    # and is returned when the connection closes (service.process closes it). A session that has used
    # temporary tables already refuses the change: it keeps the buffers it has.
    with contextlib.suppress(asyncpg.InvalidParameterValueError):
        await driver.execute(f"SET temp_buffers = '{STAGE_BUFFERS}'", timeout=BULK_TIMEOUT_S)
    await driver.execute(
        f"""
        CREATE TEMP TABLE {STAGE_HOUSEHOLDS} (
            hh_no int PRIMARY KEY, key text, first_row int, last_row int, valid bool, division text,
            village_group text, address text, head_name text, phone text, bank_name text,
            bank_account_cipher bytea, bank_account_masked text, identification_standard text,
            attribute text, main_cause text, other_causes text[], housing_area numeric,
            housing_structure text, housing_year_built int, housing_safety_grade text, has_electricity bool,
            fuel text, drinking_water text, relocation bool, member_count int, registered_on date,
            income_year int, wage numeric, business numeric, transfer numeric, property numeric,
            production_costs numeric, net_income numeric, per_capita_net_income numeric,
            household_id uuid, created_event_id uuid, income_event_id uuid,
            -- jsonb, parsed (and compressed, the large ones) by the COPY while the workers validate the
            -- next chunks: the apply then copies the stored values as they are (documents.py).
            after jsonb, created_event jsonb, income_event jsonb,
            -- The members the income year's net income is divided among (validation.Validator._stage).
            income_member_count int
        );
        -- An income event is small: its outbox row is stored uncompressed, so compressing it here would
        -- be work thrown away.
        ALTER TABLE {STAGE_HOUSEHOLDS} ALTER income_event SET STORAGE EXTERNAL;
        CREATE TEMP TABLE {STAGE_MEMBERS} (
            hh_no int, ord int, row_no int, id uuid, name text, sex text, id_kind text, id_cipher bytea,
            id_masked text, person_index bytea, birth_date date, relation text, ethnicity text,
            education text, schooling text, health text, labour_capacity text, work_status text,
            dibao bool, medical_insurance bool, pension_insurance bool, household_id uuid, division text,
            joined_on date
        );
        """,
        timeout=BULK_TIMEOUT_S,
    )


async def drop_stage(driver: Driver) -> None:
    await driver.execute(
        f"DROP TABLE IF EXISTS {STAGE_HOUSEHOLDS}, {STAGE_MEMBERS}; RESET statement_timeout; RESET work_mem",
        timeout=BULK_TIMEOUT_S,
    )


async def _blocks(data: bytes) -> AsyncIterator[memoryview]:
    # asyncpg takes bytes as a file name, and reads file objects in a thread: an async iterable it is.
    view = memoryview(data)
    for start in range(0, len(view), COPY_BLOCK):
        yield view[start : start + COPY_BLOCK]


async def copy_stage(driver: Driver, households: bytes, members: bytes) -> None:
    """COPY text rendered by the worker processes (copytext.py), in STAGE_*_COLUMNS order."""
    if households:
        await driver.copy_to_table(
            STAGE_HOUSEHOLDS,
            source=_blocks(households),
            columns=list(STAGE_HOUSEHOLD_COLUMNS),
            timeout=BULK_TIMEOUT_S,
        )
    if members:
        await driver.copy_to_table(
            STAGE_MEMBERS, source=_blocks(members), columns=list(STAGE_MEMBER_COLUMNS), timeout=BULK_TIMEOUT_S
        )


async def copy_problems(driver: Driver, problems: Sequence[tuple[Any, ...]]) -> None:
    if problems:
        await driver.copy_records_to_table(
            "import_problems", records=problems, columns=list(PROBLEM_COLUMNS), timeout=BULK_TIMEOUT_S
        )


# Each check adds problems set-based; the Python validator has already checked everything a row can
# say about itself, these are the checks that need the whole file or the database.
CHECKS = (
    # A village code inside the caller's subtree that is not a current village of the tree (skipped while
    # the tree is not loaded, as for single creates).
    # The same 户编号 in two places: a household's rows must be contiguous.
    f"""
    INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
    SELECT $1, s.first_row, s.key, '户编号',
           'the rows of a household must be contiguous; this 户编号 already appeared at row ' || s.seen
    FROM (SELECT key, first_row, min(first_row) OVER (PARTITION BY key) AS seen
          FROM {STAGE_HOUSEHOLDS} WHERE key <> '') s
    WHERE s.first_row > s.seen
    """,
    # One person in two households of the same file.
    f"""
    INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
    SELECT $1, s.row_no, s.key, '证件号码', 'this person already appears at row ' || s.seen || ' of this file'
    FROM (SELECT m.row_no, h.key, min(m.row_no) OVER (PARTITION BY m.person_index) AS seen
          FROM {STAGE_MEMBERS} m JOIN {STAGE_HOUSEHOLDS} h USING (hh_no)) s
    WHERE s.row_no > s.seen
    """,
)


# A village code inside the caller's subtree [$2, $3] that is not a current village of the tree (skipped
# while the tree is not loaded, as for single creates). The subtree's villages are one index range scan.
UNKNOWN_VILLAGES = f"""
INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
SELECT $1, h.first_row, h.key, '村代码', 'not a current village of the division tree'
FROM {STAGE_HOUSEHOLDS} h
WHERE h.valid AND EXISTS (SELECT 1 FROM divisions) AND h.division NOT IN (
    SELECT d.code::text FROM divisions d
    WHERE d.code BETWEEN $2 AND $3 AND d.level = 5 AND (d.valid_to IS NULL OR d.valid_to >= current_date))
"""


# Already in a household anywhere in the country, or recorded as deceased in a household outside the
# caller's subtree [$2, $3]: deliberately says nothing about where, nor that the person died (a further
# fact about someone the caller cannot read; households.service._insert_members answers the same).
ON_FILE_ELSEWHERE = f"""
INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
SELECT $1, m.row_no, h.key, '证件号码', 'this person already belongs to a household'
FROM {STAGE_MEMBERS} m JOIN {STAGE_HOUSEHOLDS} h USING (hh_no)
WHERE EXISTS (SELECT 1 FROM household_members x WHERE x.person_index = m.person_index AND x.status = 'active')
   OR EXISTS (SELECT 1 FROM household_members x WHERE x.person_index = m.person_index
              AND x.status = 'deceased' AND x.division NOT BETWEEN $2 AND $3)
"""

# Left a household after the file's 登记日期 (as for the API, households.service._check_joins_after_leaving):
# they would be in two households at once. Says nothing about where. Run after ON_FILE_ELSEWHERE: a
# departure makes the person inactive and records the day they left in one update, so whoever that check
# saw inactive has their departure visible here (each statement reads what was committed when it began).
# The other way round, a departure committing between the two would pass both.
LEFT_AFTER_FILE_DATE = f"""
    INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
    SELECT $1, m.row_no, h.key, '登记日期',
           'the person left a household after this date: a file is dated on or after the day they left'
    FROM {STAGE_MEMBERS} m JOIN {STAGE_HOUSEHOLDS} h USING (hh_no)
    WHERE EXISTS (
        SELECT 1 FROM household_members x
        WHERE x.person_index = m.person_index AND x.status IN ('married_out', 'moved_out')
          AND x.left_on > m.joined_on)
"""

# Recorded as deceased in a household of the caller's subtree (a death is final;
# ix_household_members_deceased_person).
DECEASED_WITHIN = f"""
INSERT INTO import_problems (import_id, row_no, household_key, field, reason)
SELECT $1, m.row_no, h.key, '证件号码', 'this person is recorded as deceased'
FROM {STAGE_MEMBERS} m JOIN {STAGE_HOUSEHOLDS} h USING (hh_no)
WHERE EXISTS (SELECT 1 FROM household_members x WHERE x.person_index = m.person_index
              AND x.status = 'deceased' AND x.division BETWEEN $2 AND $3)
  AND NOT EXISTS (SELECT 1 FROM household_members x WHERE x.person_index = m.person_index
                  AND x.status = 'deceased' AND x.division NOT BETWEEN $2 AND $3)
"""


@contextlib.asynccontextmanager
async def membership_frozen(driver: Driver) -> AsyncIterator[None]:
    """No membership changes through the API (joins, new files, departures, deaths) while the body runs:
    it holds the key they share (households.repository.MEMBERSHIP_LOCK) exclusively, once those under way
    have committed. The checks of the file's people and the apply run inside it, so what the checks saw
    is still true when the file is applied. Held by the session, across the apply's own transaction; a
    connection that breaks releases it with itself."""
    await driver.execute("SELECT pg_advisory_lock(hashtext($1))", MEMBERSHIP_LOCK, timeout=BULK_TIMEOUT_S)
    try:
        yield
    finally:
        # A connection that cannot answer has let go of the lock with itself (and the import's connection
        # is closed once the import ends, service.process): nothing to add to the import's own failure.
        with contextlib.suppress(Exception):
            await driver.execute(
                "SELECT pg_advisory_unlock(hashtext($1))", MEMBERSHIP_LOCK, timeout=BULK_TIMEOUT_S
            )


async def run_checks(driver: Driver, import_id: uuid.UUID, lo: str, hi: str, phases: Phases) -> None:
    # Autovacuum never analyses temporary tables; without statistics the joins below plan badly. Only the
    # columns the checks use: sampling the documents would detoast them all.
    with phases.timed("check_analyze"):
        await driver.execute(
            f"ANALYZE {STAGE_HOUSEHOLDS} (hh_no, key, first_row, last_row, valid, division);"
            f"ANALYZE {STAGE_MEMBERS} (hh_no, row_no, person_index)",
            timeout=BULK_TIMEOUT_S,
        )
    with phases.timed("check_villages"):
        await driver.execute(UNKNOWN_VILLAGES, import_id, lo, hi, timeout=BULK_TIMEOUT_S)
    for number, statement in enumerate(CHECKS, start=1):
        with phases.timed(f"check_{number}"):
            await driver.execute(statement, import_id, timeout=BULK_TIMEOUT_S)
    with phases.timed("check_people"):
        await driver.execute(ON_FILE_ELSEWHERE, import_id, lo, hi, timeout=BULK_TIMEOUT_S)
        await driver.execute(LEFT_AFTER_FILE_DATE, import_id, timeout=BULK_TIMEOUT_S)
        await driver.execute(DECEASED_WITHIN, import_id, lo, hi, timeout=BULK_TIMEOUT_S)


async def problem_counts(driver: Driver, import_id: uuid.UUID) -> tuple[int, int]:
    """(rows with a problem, households with a problem or that failed validation)."""
    row = await driver.fetchrow(
        f"""
        SELECT (SELECT count(DISTINCT row_no) FROM import_problems WHERE import_id = $1) AS rows,
               (SELECT count(*) FROM {STAGE_HOUSEHOLDS} h WHERE NOT h.valid OR EXISTS (
                    SELECT 1 FROM import_problems p
                    WHERE p.import_id = $1 AND p.row_no BETWEEN h.first_row AND h.last_row)) AS households
        """,
        import_id,
        timeout=BULK_TIMEOUT_S,
    )
    return int(row["rows"]), int(row["households"])


async def finish_rejected(driver: Driver, import_id: uuid.UUID, counts: Row) -> None:
    async with driver.transaction():
        await driver.execute(
            f"""
            INSERT INTO import_households (import_id, household_key, first_row, last_row)
            SELECT $1, key, first_row, last_row FROM {STAGE_HOUSEHOLDS}
            """,
            import_id,
            timeout=BULK_TIMEOUT_S,
        )
        await _finish(driver, import_id, "rejected", counts)


async def _finish(driver: Driver, import_id: uuid.UUID, status: str, counts: Row) -> None:
    await driver.execute(
        """
        UPDATE imports SET status = $2, rows_read = $3, households_read = $4, households_accepted = $5,
               households_rejected = $6, members_accepted = $7, rows_rejected = $8,
               updated_at = now(), finished_at = now()
        WHERE id = $1
        """,
        import_id,
        status,
        counts["rows_read"],
        counts["households_read"],
        counts["households_accepted"],
        counts["households_rejected"],
        counts["members_accepted"],
        counts["rows_rejected"],
        timeout=BULK_TIMEOUT_S,
    )


TOPIC = domain_topic("registry")

APPLY_HOUSEHOLDS = f"""
INSERT INTO households (id, division, village_group, address, head_name, phone, bank_name,
    bank_account_cipher, bank_account_masked, identification_standard, attribute, main_cause, other_causes,
    housing_area, housing_structure, housing_year_built, housing_safety_grade, has_electricity, fuel,
    drinking_water, relocation, status, member_count, income_year, per_capita_net_income, created_at, updated_at)
SELECT household_id, division, village_group, address, head_name, phone, bank_name, bank_account_cipher,
    bank_account_masked, identification_standard, attribute, main_cause, other_causes, housing_area,
    housing_structure, housing_year_built, housing_safety_grade, has_electricity, fuel, drinking_water,
    relocation, '{HouseholdStatus.CANDIDATE.value}', member_count, income_year, per_capita_net_income, $1, $1
FROM {STAGE_HOUSEHOLDS} ORDER BY hh_no
"""

# Member rows carry their household's columns (no join), and go in file order: `seq` keeps entry order.
APPLY_MEMBERS = f"""
INSERT INTO household_members (id, household_id, division, name, sex, id_kind, id_cipher, id_masked,
    person_index, birth_date, relation, ethnicity, education, schooling, health, labour_capacity, work_status,
    dibao, medical_insurance, pension_insurance, status, joined_on, joined_by, created_at, updated_at)
SELECT id, household_id, division, name, sex, id_kind, id_cipher, id_masked, person_index, birth_date,
    relation, ethnicity, education, schooling, health, labour_capacity, work_status, dibao,
    medical_insurance, pension_insurance, '{MemberStatus.ACTIVE.value}', joined_on,
    '{MemberChange.REGISTRATION.value}', $1, $1
FROM {STAGE_MEMBERS}
ORDER BY hh_no, ord
"""

APPLY_INCOMES = f"""
INSERT INTO household_incomes (household_id, year, division, wage, business, transfer, property,
    production_costs, net_income, member_count, per_capita_net_income, recorded_by, recorded_at)
SELECT household_id, income_year, division, wage, business, transfer, property, production_costs,
    net_income, income_member_count, per_capita_net_income, $2, $1
FROM {STAGE_HOUSEHOLDS} WHERE income_year IS NOT NULL ORDER BY hh_no
"""

# History rows ('created') and events: their documents are whole in staging, parsed and compressed by the
# staging COPY (documents.py). Income events come after all created events in seq order, so every
# consumer sees a household before its income.
APPLY_HISTORY = f"""
INSERT INTO household_history (household_id, division, at, actor, actor_tier, action, reason, before, after)
SELECT household_id, division, $1, $2, $3, 'created', $4, NULL, after
FROM {STAGE_HOUSEHOLDS} ORDER BY hh_no
"""

APPLY_CREATED_EVENTS = f"""
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, topic, division, headers)
SELECT created_event_id, 'household', household_id::text, '{contracts.HOUSEHOLD_CREATED}',
       created_event, '{TOPIC}', division, $1::jsonb
FROM {STAGE_HOUSEHOLDS} ORDER BY hh_no
"""

APPLY_INCOME_EVENTS = f"""
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, topic, division, headers)
SELECT income_event_id, 'household', household_id::text, '{contracts.HOUSEHOLD_INCOME_RECORDED}',
       income_event, '{TOPIC}', division, $1::jsonb
FROM {STAGE_HOUSEHOLDS} WHERE income_event IS NOT NULL ORDER BY hh_no
"""


async def apply(
    driver: Driver,
    import_id: uuid.UUID,
    *,
    at: dt.datetime,
    actor: str,
    actor_tier: str,
    reason: str,
    headers_json: str,
    counts: Row,
    phases: Phases,
    audit: AuditEntry,
) -> None:
    """Everything in one transaction: the households, members, incomes, history, outbox events, the
    import's positions, its final status and its entry in the audit chain (one for the whole file, its
    events being written by a statement each). Either all of it commits or none of it does."""
    import asyncpg

    transaction = driver.transaction()
    await transaction.start()
    try:
        try:
            with phases.timed("apply_households"):
                await driver.execute(APPLY_HOUSEHOLDS, at, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_members"):
                await driver.execute(APPLY_MEMBERS, at, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_incomes"):
                await driver.execute(APPLY_INCOMES, at, actor, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_history"):
                await driver.execute(APPLY_HISTORY, at, actor, actor_tier, reason, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_created_events"):
                await driver.execute(APPLY_CREATED_EVENTS, headers_json, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_income_events"):
                await driver.execute(APPLY_INCOME_EVENTS, headers_json, timeout=BULK_TIMEOUT_S)
            with phases.timed("apply_positions"):
                await driver.execute(
                    f"""
                    INSERT INTO import_households (import_id, household_key, first_row, last_row, household_id)
                    SELECT $1, key, first_row, last_row, household_id FROM {STAGE_HOUSEHOLDS}
                    """,
                    import_id,
                    timeout=BULK_TIMEOUT_S,
                )
            await _finish(driver, import_id, "accepted", counts)
            await driver.execute(f"SELECT pg_notify('{OUTBOX_CHANNEL}', '')", timeout=BULK_TIMEOUT_S)
            # Last: the chain lock is held from here to the commit.
            await append_on(driver, [audit])
        except BaseException:
            await transaction.rollback()
            raise
        with phases.timed("apply_commit"):
            await transaction.commit()
    except asyncpg.UniqueViolationError as exc:
        if ACTIVE_PERSON_INDEX in str(exc):
            raise PersonAlreadyInHousehold from None
        raise


async def staged_counts(driver: Driver) -> tuple[int, int]:
    row = await driver.fetchrow(
        f"SELECT (SELECT count(*) FROM {STAGE_HOUSEHOLDS}) AS h, (SELECT count(*) FROM {STAGE_MEMBERS}) AS m",
        timeout=BULK_TIMEOUT_S,
    )
    return int(row["h"]), int(row["m"])
