"""All SQL of the poor-division list, the division exit procedures and their history, and the read model of
the evaluation service's closed third-party evaluations."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
Position = tuple[dt.datetime, uuid.UUID]

_DESIGNATION_COLUMNS = (
    "id, division, level, designated_year, basis, status, exit_year, exit_id, designated_by, "
    "designated_at, updated_at"
)
_EXIT_COLUMNS = (
    "id, division, level, year, state, summary, proposed_by, proposer_tier, indicators, notice_days, "
    "notice_starts_at, notice_ends_at, evaluation_id, evaluation, created_at, updated_at"
)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


async def division_name(session: AsyncSession, code: str) -> Row | None:
    """The division as the registry's events named it (name, placeholder), or None if none has."""
    row = (
        (
            await session.execute(
                text("SELECT code, name, placeholder FROM rm_division_names WHERE code = :code"),
                {"code": code},
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


# -- designations -------------------------------------------------------------------------------------


async def insert_designation(session: AsyncSession, values: Row) -> Row | None:
    """The new row, or None when the division is already on the list (nothing written)."""
    row = (
        (
            await session.execute(
                text(
                    f"""
                    INSERT INTO poor_divisions (id, division, level, designated_year, basis, designated_by,
                                                designated_at, updated_at)
                    VALUES (:id, :division, :level, :designated_year, :basis, :designated_by, :at, :at)
                    ON CONFLICT (division) DO NOTHING
                    RETURNING {_DESIGNATION_COLUMNS}
                    """
                ),
                values,
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def get_designation(
    session: AsyncSession, division: str, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    row = (
        (
            await session.execute(
                text(
                    f"SELECT {_DESIGNATION_COLUMNS} FROM poor_divisions "
                    "WHERE division = :division AND division BETWEEN :lo AND :hi"
                    + (" FOR UPDATE" if lock else "")
                ),
                {"division": division, "lo": lo, "hi": hi},
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def set_designation_status(
    session: AsyncSession,
    division: str,
    status: str,
    exit_year: int | None,
    exit_id: uuid.UUID | None,
    at: dt.datetime,
) -> None:
    await session.execute(
        text(
            "UPDATE poor_divisions SET status = :status, exit_year = :exit_year, exit_id = :exit_id, "
            "updated_at = :at WHERE division = :division"
        ),
        {"division": division, "status": status, "exit_year": exit_year, "exit_id": exit_id, "at": at},
    )


async def list_designations(
    session: AsyncSession,
    lo: str,
    hi: str,
    level: str | None,
    status: str | None,
    after: Position | None,
    limit: int,
) -> list[Row]:
    """Newest designation first, `limit` rows after the keyset position (designated_at, id)."""
    rows = await session.execute(
        text(
            f"""
            SELECT {_DESIGNATION_COLUMNS} FROM poor_divisions
            WHERE division BETWEEN :lo AND :hi
              AND (CAST(:level AS text) IS NULL OR level = CAST(:level AS text))
              AND (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
              AND (CAST(:after_at AS timestamptz) IS NULL
                   OR (designated_at, id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
            ORDER BY designated_at DESC, id DESC
            LIMIT :limit
            """
        ),
        {
            "lo": lo,
            "hi": hi,
            "level": level,
            "status": status,
            "after_at": None if after is None else after[0],
            "after_id": None if after is None else after[1],
            "limit": limit,
        },
    )
    return [dict(row) for row in rows.mappings()]


# -- procedures ---------------------------------------------------------------------------------------


def _exit_row(row: Any) -> Row:
    return dict(row)


async def insert_exit(session: AsyncSession, values: Row) -> Row:
    row = (
        await session.execute(
            text(
                f"""
                INSERT INTO division_exits (id, division, level, year, state, summary, proposed_by,
                                            proposer_tier, indicators, created_at, updated_at)
                VALUES (:id, :division, :level, :year, :state, :summary, :proposed_by, :proposer_tier,
                        CAST(:indicators AS jsonb), :at, :at)
                RETURNING {_EXIT_COLUMNS}
                """
            ),
            {**values, "indicators": _json(values["indicators"])},
        )
    ).mappings()
    return _exit_row(row.one())


async def get_exit(
    session: AsyncSession, exit_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    row = (
        (
            await session.execute(
                text(
                    f"SELECT {_EXIT_COLUMNS} FROM division_exits "
                    "WHERE id = :id AND division BETWEEN :lo AND :hi" + (" FOR UPDATE" if lock else "")
                ),
                {"id": exit_id, "lo": lo, "hi": hi},
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else _exit_row(row)


async def update_exit(session: AsyncSession, exit_id: uuid.UUID, values: Row) -> Row:
    """Set the state and any of notice_days, notice_starts_at, notice_ends_at, evaluation_id, evaluation."""
    settable = ("state", "notice_days", "notice_starts_at", "notice_ends_at", "evaluation_id", "evaluation")
    assignments = []
    params: Row = {"id": exit_id, "at": values["updated_at"]}
    for column in settable:
        if column in values:
            value = values[column]
            if column == "evaluation":
                assignments.append("evaluation = CAST(:evaluation AS jsonb)")
                value = _json(value)
            else:
                assignments.append(f"{column} = :{column}")
            params[column] = value
    row = (
        await session.execute(
            text(
                f"UPDATE division_exits SET {', '.join(assignments)}, updated_at = :at WHERE id = :id "
                f"RETURNING {_EXIT_COLUMNS}"
            ),
            params,
        )
    ).mappings()
    return _exit_row(row.one())


async def add_history(session: AsyncSession, values: Row) -> None:
    await session.execute(
        text(
            """
            INSERT INTO division_exit_history (exit_id, action, from_state, to_state, actor, actor_tier,
                                               reason, detail, at)
            VALUES (:exit_id, :action, :from_state, :to_state, :actor, :actor_tier, :reason,
                    CAST(:detail AS jsonb), :at)
            """
        ),
        {**values, "detail": _json(values.get("detail") or {})},
    )


async def history(session: AsyncSession, exit_id: uuid.UUID) -> list[Row]:
    rows = await session.execute(
        text(
            "SELECT action, from_state, to_state, actor, actor_tier, reason, detail, at "
            "FROM division_exit_history WHERE exit_id = :id ORDER BY seq"
        ),
        {"id": exit_id},
    )
    return [dict(row) for row in rows.mappings()]


async def list_exits(
    session: AsyncSession,
    lo: str,
    hi: str,
    level: str | None,
    state: str | None,
    year: int | None,
    after: Position | None,
    limit: int,
    *,
    noticed_only: bool = False,
    ancestors: Sequence[str] = (),
) -> list[Row]:
    """Newest procedure first, `limit` rows after the keyset position (created_at, id); `noticed_only`:
    those whose notice has been put up (the public board); `ancestors`: the procedures of these divisions
    too (a village's board shows its county's)."""
    rows = await session.execute(
        text(
            f"""
            SELECT {_EXIT_COLUMNS} FROM division_exits
            WHERE (division BETWEEN :lo AND :hi OR division = ANY(CAST(:ancestors AS text[])))
              AND (CAST(:level AS text) IS NULL OR level = CAST(:level AS text))
              AND (CAST(:state AS text) IS NULL OR state = CAST(:state AS text))
              AND (CAST(:year AS integer) IS NULL OR year = CAST(:year AS integer))
              AND (NOT CAST(:noticed_only AS boolean) OR notice_starts_at IS NOT NULL)
              AND (CAST(:after_at AS timestamptz) IS NULL
                   OR (created_at, id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
            ORDER BY created_at DESC, id DESC
            LIMIT :limit
            """
        ),
        {
            "lo": lo,
            "hi": hi,
            "level": level,
            "state": state,
            "year": year,
            "noticed_only": noticed_only,
            "ancestors": list(ancestors),
            "after_at": None if after is None else after[0],
            "after_id": None if after is None else after[1],
            "limit": limit,
        },
    )
    return [_exit_row(row) for row in rows.mappings()]


# -- closed third-party evaluations (read model) --------------------------------------------------------


async def save_closed_evaluation(session: AsyncSession, values: Row) -> None:
    """Keep an evaluation.closed event; a redelivery, or an older event than the one held, changes
    nothing."""
    await session.execute(
        text(
            """
            INSERT INTO rm_closed_evaluations (evaluation_id, division, year, verdict, passed, rates,
                                               unsurveyed_households, partial_reason, closed_at, event_id)
            VALUES (:evaluation_id, :division, :year, :verdict, :passed, CAST(:rates AS jsonb),
                    :unsurveyed_households, :partial_reason, :closed_at, :event_id)
            ON CONFLICT (evaluation_id) DO UPDATE
            SET division = excluded.division, year = excluded.year, verdict = excluded.verdict,
                passed = excluded.passed, rates = excluded.rates,
                unsurveyed_households = excluded.unsurveyed_households,
                partial_reason = excluded.partial_reason, closed_at = excluded.closed_at,
                event_id = excluded.event_id, updated_at = now()
            WHERE rm_closed_evaluations.closed_at < excluded.closed_at
            """
        ),
        {**values, "rates": _json(values["rates"])},
    )


async def latest_evaluation(session: AsyncSession, division: str, year: int) -> Row | None:
    """The latest closed evaluation of the county and year, passed or not, partial or not, or None."""
    row = (
        (
            await session.execute(
                text(
                    "SELECT evaluation_id, division, year, verdict, passed, rates, unsurveyed_households, "
                    "partial_reason, closed_at "
                    "FROM rm_closed_evaluations WHERE division = :division AND year = :year "
                    "ORDER BY closed_at DESC, evaluation_id DESC LIMIT 1"
                ),
                {"division": division, "year": year},
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)
