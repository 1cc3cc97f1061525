"""All SQL of batch decisions. The decision is one statement: an UPDATE over the batch's cases whose
RETURNING feeds, through data-modifying CTEs, one INSERT ... SELECT into the history and one into the
outbox — no query per case, so a list of 100,000 is decided in one round trip."""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from typing import Any

import orjson
from sqlalchemy import func, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identification.cases.repository import NO_LIVING_MEMBERS_SQL
from identification.keyset import Position
from identification.models import batch_items, batches, cases
from identification.workflow import POOR_STATUSES

Row = dict[str, Any]


async def count_ready(session: AsyncSession, lo: str, hi: str, state: str) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(cases)
        .where(cases.c.division.between(lo, hi), cases.c.state == state, cases.c.kind == "identification")
    )
    return int(result.scalar_one())


async def lock_draws(session: AsyncSession, action: str) -> None:
    """Serialise draws of one step until the transaction ends, so two concurrent draws over one list
    cannot both see no open batch."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"identification.batches.{action}")))
    )


async def open_batch_covering(
    session: AsyncSession, action: str, lo: str, hi: str, state: str
) -> uuid.UUID | None:
    """An undecided batch of this step whose frozen list holds a case of [lo, hi] still at the step."""
    result = await session.execute(
        text(
            """
            SELECT b.id FROM batches b
            WHERE b.action = :action AND b.status = 'drawn'
              AND EXISTS (SELECT 1 FROM batch_items bi JOIN cases c ON c.id = bi.case_id
                          WHERE bi.batch_id = b.id AND c.state = :state AND c.division BETWEEN :lo AND :hi)
            ORDER BY b.created_at LIMIT 1
            """
        ),
        {"action": action, "state": state, "lo": lo, "hi": hi},
    )
    value: uuid.UUID | None = result.scalar_one_or_none()
    return value


async def search(
    session: AsyncSession,
    lo: str,
    hi: str,
    action: str | None,
    status: str | None,
    after: Position | None,
    limit: int,
) -> list[Row]:
    """Newest first, keyset-paged on (created_at, id) after `after`; one row more than `limit` says there
    is another page."""
    conditions: list[Any] = [batches.c.division.between(lo, hi)]
    if action is not None:
        conditions.append(batches.c.action == action)
    if status is not None:
        conditions.append(batches.c.status == status)
    if after is not None:
        conditions.append(tuple_(batches.c.created_at, batches.c.id) < after)
    rows = await session.execute(
        select(batches)
        .where(*conditions)
        .order_by(batches.c.created_at.desc(), batches.c.id.desc())
        .limit(limit + 1)
    )
    return [dict(row) for row in rows.mappings()]


async def insert_batch(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(batches).values(**values))


async def draw_items(
    session: AsyncSession, batch_id: uuid.UUID, seed: str, lo: str, hi: str, state: str, sample_size: int
) -> int:
    """Freeze the list and mark its sample, in one INSERT ... SELECT ordered by md5(seed || id)."""
    result = await session.execute(
        text(
            """
            INSERT INTO batch_items (batch_id, case_id, sampled)
            SELECT :batch_id, id, row_number() OVER (ORDER BY md5(:seed || id::text)) <= :k
            FROM cases
            WHERE division BETWEEN :lo AND :hi AND state = :state AND kind = 'identification'
            """
        ),
        {"batch_id": batch_id, "seed": seed, "lo": lo, "hi": hi, "state": state, "k": sample_size},
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get(
    session: AsyncSession, batch_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    stmt = select(batches).where(batches.c.id == batch_id, batches.c.division.between(lo, hi))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def sample(session: AsyncSession, batch_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(batch_items.c.case_id)
        .where(batch_items.c.batch_id == batch_id, batch_items.c.sampled)
        .order_by(batch_items.c.case_id)
    )
    return list(rows.scalars())


async def record_findings(session: AsyncSession, batch_id: uuid.UUID, findings: list[Row]) -> None:
    for chunk_start in range(0, len(findings), 1000):
        chunk = findings[chunk_start : chunk_start + 1000]
        await session.execute(
            text(
                """
                UPDATE batch_items AS bi SET finding = f.finding
                FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS f(case_id uuid, finding jsonb)
                WHERE bi.batch_id = :batch_id AND bi.case_id = f.case_id AND bi.sampled
                """
            ),
            {"batch_id": batch_id, "rows": _json(chunk)},
        )


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()


async def additions_by_village(
    session: AsyncSession, batch_id: uuid.UUID, state: str
) -> dict[int, dict[str, int]]:
    """year → village → people this decision would add to the poor population (domain.md §3: the quota is
    of people): each case brings its household's current members, as quotas.repository counts them."""
    rows = await session.execute(
        text(
            """
            SELECT c.year, c.division, coalesce(sum(h.member_count), 0)
            FROM batch_items bi JOIN cases c ON c.id = bi.case_id
            LEFT JOIN rm_households h ON h.household_id = c.household_id
            WHERE bi.batch_id = :batch_id AND c.state = :state AND bi.skip_reason IS NULL
              AND coalesce((bi.finding->>'passed')::boolean, true)
            GROUP BY c.year, c.division
            """
        ),
        {"batch_id": batch_id, "state": state},
    )
    out: dict[int, dict[str, int]] = {}
    for year, division, count in rows.tuples():
        out.setdefault(int(year), {})[str(division)] = int(count)
    return out


def _skip(condition: str) -> Any:
    """Mark the frozen cases still at the step that `condition` (over `c`, the case, and `bi`, its item)
    holds back, and record a history row on each, in one set-based statement."""
    return text(
        """
    WITH skipped AS (
        UPDATE batch_items AS bi SET skip_reason = CAST(:reason AS text)
        FROM cases AS c
        WHERE bi.batch_id = CAST(:batch_id AS uuid) AND c.id = bi.case_id AND c.state = CAST(:state AS text)
          AND bi.skip_reason IS NULL
          AND ("""
        + condition
        + """)
        RETURNING c.id, c.division
    ),
    history AS (
        INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at,
                                  detail, batch_id)
        SELECT id, division, 'batch_skipped', CAST(:state AS text), CAST(:state AS text),
               CAST(:actor AS text), CAST(:actor_tier AS text), CAST(:now AS timestamptz),
               jsonb_build_object('batch_id', CAST(:batch_text AS text), 'reason', CAST(:reason AS text)),
               CAST(:batch_id AS uuid)
        FROM skipped
    )
    SELECT id FROM skipped ORDER BY id
    """
    )


SKIP_BLOCKED = _skip(
    "EXISTS (SELECT 1 FROM comparison_hits h WHERE h.case_id = c.id AND h.effect = 'block' AND h.status = 'open')"
)
SKIP_NO_LIVING_MEMBERS = _skip(NO_LIVING_MEMBERS_SQL.format(household="c.household_id"))
# An identification whose household the registry has as poor by another route (cases.require_candidate).
SKIP_REGISTERED_ELSEWHERE = _skip(
    "EXISTS (SELECT 1 FROM rm_households h WHERE h.household_id = c.household_id "
    "AND h.status IN ('" + "', '".join(POOR_STATUSES) + "'))"
)
# A case that failed a spot-check at this step (in an earlier batch) and has not moved since waits for an
# individual decision that addresses the finding; a later list-wide decision that did not sample it again
# must not move it as if it had passed.
UNADDRESSED_FAILED_CHECK_SQL = """
    EXISTS (SELECT 1 FROM case_history f
            WHERE f.case_id = {case} AND f.action = 'spot_check_failed' AND f.detail->>'step' = {step}
              AND f.seq > coalesce((SELECT max(t.seq) FROM case_history t
                                    WHERE t.case_id = {case} AND t.from_state IS DISTINCT FROM t.to_state), 0))
"""
SKIP_FAILED_CHECK = _skip(
    "NOT bi.sampled AND " + UNADDRESSED_FAILED_CHECK_SQL.format(case="c.id", step="CAST(:action AS text)")
)

# Cases named by the service (:case_ids), e.g. those the identification income test refuses.
SKIP_LISTED = _skip("c.id = ANY(CAST(:case_ids AS uuid[]))")

INCOMES_OF_FROZEN = text(
    """
    SELECT c.id, coalesce(h.division, c.division) AS division, c.year,
           this_year.per_capita_net_income AS this_year, last_year.per_capita_net_income AS last_year
    FROM batch_items bi JOIN cases c ON c.id = bi.case_id
    LEFT JOIN rm_households h ON h.household_id = c.household_id
    LEFT JOIN rm_incomes this_year ON this_year.household_id = c.household_id AND this_year.year = c.year
    LEFT JOIN rm_incomes last_year ON last_year.household_id = c.household_id AND last_year.year = c.year - 1
    WHERE bi.batch_id = CAST(:batch_id AS uuid) AND c.state = CAST(:state AS text) AND bi.skip_reason IS NULL
      AND c.kind = 'identification'
    """
)


async def incomes_of_frozen(session: AsyncSession, batch_id: uuid.UUID, state: str) -> list[Row]:
    """The identification cases of a list still to be decided at `state`, each with its household's
    region and its per-capita net income of the case year and the year before (None when not recorded)."""
    rows = await session.execute(INCOMES_OF_FROZEN, {"batch_id": batch_id, "state": state})
    return [dict(row._mapping) for row in rows]


async def skip_blocked(session: AsyncSession, params: Row, statement: Any = SKIP_BLOCKED) -> list[uuid.UUID]:
    """Mark the frozen cases that an open blocking comparison hit (or another `_skip` statement) holds
    back, so the decision leaves them for an individual one."""
    rows = await session.execute(statement, params)
    return list(rows.scalars())


RECORD_FAILED = text(
    """
    WITH failed AS (
        SELECT c.id, c.kind, c.household_id, c.division, c.year, c.state, bi.finding->>'note' AS note
        FROM batch_items bi JOIN cases c ON c.id = bi.case_id
        WHERE bi.batch_id = CAST(:batch_id AS uuid) AND bi.sampled AND NOT (bi.finding->>'passed')::boolean
    ),
    history AS (
        INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at,
                                  detail, batch_id)
        SELECT id, division, 'spot_check_failed', state, state, CAST(:actor AS text),
               CAST(:actor_tier AS text), CAST(:now AS timestamptz),
               jsonb_build_object('batch_id', CAST(:batch_text AS text), 'step', CAST(:action AS text),
                                  'note', note),
               CAST(:batch_id AS uuid)
        FROM failed
    )
    SELECT * FROM failed ORDER BY id
    """
)


async def record_failed(session: AsyncSession, params: Row) -> list[Row]:
    """A failed spot-check is a finding on the case: a history row (who, when, the note), not only a mark
    on the batch item, so the case shows it and an individual decision must address it. Returns the failed
    cases (with the note), for their events."""
    rows = await session.execute(RECORD_FAILED, params)
    return [dict(row) for row in rows.mappings()]


async def findings(session: AsyncSession, batch_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(batch_items.c.case_id, batch_items.c.finding)
        .where(batch_items.c.batch_id == batch_id, batch_items.c.finding.is_not(None))
        .order_by(batch_items.c.case_id)
    )
    return [{"case_id": row.case_id, **row.finding} for row in rows]


async def decided_count(session: AsyncSession, batch_id: uuid.UUID, action: str) -> int:
    result = await session.execute(
        text("SELECT count(*) FROM case_history WHERE batch_id = :batch_id AND action = :action"),
        {"batch_id": batch_id, "action": action},
    )
    return int(result.scalar_one())


async def skipped(session: AsyncSession, batch_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        select(batch_items.c.case_id, batch_items.c.skip_reason.label("reason"))
        .where(batch_items.c.batch_id == batch_id, batch_items.c.skip_reason.is_not(None))
        .order_by(batch_items.c.case_id)
    )
    return [dict(row) for row in rows.mappings()]


async def items(session: AsyncSession, batch_id: uuid.UUID) -> list[uuid.UUID]:
    """The frozen list, in case-id order: with the seed, anyone can redraw the sample from it."""
    rows = await session.execute(
        select(batch_items.c.case_id)
        .where(batch_items.c.batch_id == batch_id)
        .order_by(batch_items.c.case_id)
    )
    return list(rows.scalars())


DECIDE = text(
    """
    WITH moved AS (
        UPDATE cases AS c
        SET state = CAST(:to_state AS text), version = c.version + 1, updated_at = CAST(:now AS timestamptz)
        FROM batch_items AS bi
        WHERE bi.batch_id = CAST(:batch_id AS uuid) AND c.id = bi.case_id AND c.state = CAST(:from_state AS text)
          AND bi.case_id > CAST(:after AS uuid) AND bi.case_id <= CAST(:upto AS uuid)
          AND coalesce((bi.finding->>'passed')::boolean, true) AND bi.skip_reason IS NULL
        RETURNING c.id, c.kind, c.household_id, c.division, c.year, c.discovery, bi.sampled, bi.finding,
                  gen_random_uuid() AS event_id
    ),
    history AS (
        INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at,
                                  detail, batch_id)
        SELECT id, division, CAST(:action AS text), CAST(:from_state AS text), CAST(:to_state AS text),
               CAST(:actor AS text), CAST(:actor_tier AS text), CAST(:now AS timestamptz),
               jsonb_build_object('batch_id', CAST(:batch_text AS text), 'sampled', sampled,
                                  'spot_check', finding)
               || coalesce(CAST(facts.detail AS jsonb), '{}'),
               CAST(:batch_id AS uuid)
        FROM moved
        -- What the step found of each case (the income test's facts at the county's approval), as a
        -- case decided on its own records it.
        LEFT JOIN unnest(CAST(:fact_ids AS uuid[]), CAST(:facts AS text[])) AS facts (case_id, detail)
          ON facts.case_id = moved.id
    )
    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, topic, division, headers)
    SELECT event_id, 'case', id::text, CAST(:event_type AS text),
           jsonb_build_object(
               'specversion', '1.0', 'id', event_id, 'source', '/fupin/identification',
               'type', CAST(:event_type AS text), 'subject', 'case/' || id::text, 'time', CAST(:now AS timestamptz),
               'datacontenttype', 'application/json', 'division', division,
               'actorid', CAST(:actor AS text), 'actortier', CAST(:actor_tier AS text),
               'data', jsonb_build_object(
                   'case_id', id, 'kind', kind, 'household_id', household_id, 'division', division,
                   'year', year, 'action', CAST(:action AS text), 'from_state', CAST(:from_state AS text), 'to_state', CAST(:to_state AS text),
                   'batch_id', CAST(:batch_text AS text), 'reason', NULL,
                   -- As events.case_event names it: a list holds identification cases only (None), but
                   -- a case's every event says how its household came to notice.
                   'discovery', discovery))
           -- The deciding request's id, as envelope.new_event sets it for a step decided on its own.
           || CASE WHEN CAST(:correlation AS text) IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('correlationid', CAST(:correlation AS text)) END,
           CAST(:topic AS text), division, CAST(:headers AS jsonb)
    FROM moved
    """
)


# A county list of 100,000 cases is one decision in one transaction, but not one statement: slices of
# this many cases keep each statement far below the statement timeout (30 s by default) on a busy host.
DECIDE_SLICE = 20_000
FIRST_UUID = "00000000-0000-0000-0000-000000000000"
LAST_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"


async def slice_bounds(session: AsyncSession, batch_id: uuid.UUID, size: int) -> list[tuple[str, str]]:
    """(after, upto] case-id ranges of at most `size` items each, covering the whole batch."""
    rows = await session.execute(
        text(
            """
            SELECT case_id::text FROM (
                SELECT case_id, row_number() OVER (ORDER BY case_id) AS n
                FROM batch_items WHERE batch_id = :batch_id
            ) AS numbered WHERE n % :size = 0 ORDER BY case_id
            """
        ),
        {"batch_id": batch_id, "size": size},
    )
    cuts = [FIRST_UUID, *rows.scalars(), LAST_UUID]
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i] != cuts[i + 1]]


def _facts_within(ids: list[uuid.UUID], facts: dict[uuid.UUID, Row], after: str, upto: str) -> Row:
    """The facts of the cases of one slice (after, upto], as the arrays DECIDE unnests: each slice is sent
    its own, not the whole list's. `ids` is sorted; uuid order in Python is PostgreSQL's (bytewise)."""
    within = ids[bisect.bisect_right(ids, uuid.UUID(after)) : bisect.bisect_right(ids, uuid.UUID(upto))]
    return {"fact_ids": within, "facts": [orjson.dumps(facts[case_id]).decode() for case_id in within]}


async def decide(session: AsyncSession, params: Row, facts: dict[uuid.UUID, Row] | None = None) -> int:
    """Move the batch's cases still to be decided; `facts` are what the step records on each case's
    history row besides the batch, the sample mark and the spot-check (by case id; none for most steps)."""
    facts = facts or {}
    ids = sorted(facts)
    moved = 0
    for after, upto in await slice_bounds(session, params["batch_id"], DECIDE_SLICE):
        sliced = {**params, "after": after, "upto": upto, **_facts_within(ids, facts, after, upto)}
        result = await session.execute(DECIDE, sliced)
        moved += int(getattr(result, "rowcount", 0) or 0)
    await session.execute(select(func.pg_notify("fupin_outbox", "")))
    return moved


async def mark_decided(session: AsyncSession, batch_id: uuid.UUID, actor: str, at: dt.datetime) -> None:
    await session.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(status="decided", decided_by=actor, decided_at=at)
    )


# A withdrawn draw leaves a row on each sampled case still at the step: the case was drawn for a check that
# never took place, which a later draw that leaves it out must not hide.
RECORD_WITHDRAWN = text(
    """
    INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at, detail,
                              batch_id)
    SELECT c.id, c.division, 'batch_withdrawn', c.state, c.state, CAST(:actor AS text),
           CAST(:actor_tier AS text), CAST(:now AS timestamptz),
           jsonb_build_object('batch_id', CAST(:batch_text AS text), 'step', CAST(:action AS text),
                              'reason', CAST(:reason AS text), 'sampled', true),
           CAST(:batch_id AS uuid)
    FROM batch_items bi JOIN cases c ON c.id = bi.case_id
    WHERE bi.batch_id = CAST(:batch_id AS uuid) AND bi.sampled AND c.state = CAST(:state AS text)
    """
)


async def record_withdrawn(session: AsyncSession, params: Row) -> None:
    await session.execute(RECORD_WITHDRAWN, params)


async def mark_withdrawn(
    session: AsyncSession, batch_id: uuid.UUID, actor: str, at: dt.datetime, reason: str
) -> None:
    await session.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(status="withdrawn", withdrawn_by=actor, withdrawn_at=at, withdrawal_reason=reason)
    )
