"""All SQL of department comparison: pushes (blind indexes only), and hits found set-based by joining a
push's entries to the members of active cases in the pushing department's jurisdiction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from identification.models import comparison_entries, comparison_hits, comparison_pushes, rm_members

Row = dict[str, Any]


async def insert_push(session: AsyncSession, values: Row, entries: list[Row]) -> None:
    await session.execute(insert(comparison_pushes).values(**values))
    for start in range(0, len(entries), 5000):
        await session.execute(insert(comparison_entries), entries[start : start + 5000])


async def lock_kind(session: AsyncSession, lock_name: str) -> None:
    """Serialise the matching of pushes sharing `lock_name` until the transaction ends (pushes are rare and
    set-based; the others go on side by side). The caller names one lock for every list that can open
    monitoring warnings, and one per exclusion kind."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext(f"identification.comparison_hits.{lock_name}")))
    )


def _threshold_params(thresholds: dict[str, Decimal] | None) -> dict[str, Any]:
    """Each division's own threshold (a region setting: the most specific division on the household's
    path wins), or none at all for a list without one (a disaster list warns on the match itself)."""
    items = sorted((thresholds or {}).items())
    return {
        "by_threshold": thresholds is not None,
        "t_divisions": [division for division, _ in items],
        "t_values": [value for _, value in items],
    }


async def matched_divisions(session: AsyncSession, push_id: uuid.UUID, lo: str, hi: str) -> list[str]:
    """The divisions of the households (and of their cases) whose members the push names: the ones whose
    thresholds the push is compared with."""
    rows = await session.execute(
        text(
            """
            SELECT h.division FROM comparison_entries e
            JOIN rm_members m ON m.person_index = e.person_index AND m.status = 'active'
            JOIN rm_households h ON h.household_id = m.household_id
            WHERE e.push_id = :push_id AND h.division BETWEEN :lo AND :hi
            UNION
            SELECT c.division FROM comparison_entries e
            JOIN rm_members m ON m.person_index = e.person_index AND m.status = 'active'
            JOIN cases c ON c.household_id = m.household_id
            WHERE e.push_id = :push_id AND c.division BETWEEN :lo AND :hi
            """
        ),
        {"push_id": push_id, "lo": lo, "hi": hi},
    )
    return [str(row[0]) for row in rows]


def _warning_opened_by_same_entry(warning: str) -> str:
    """SQL: a monitoring case `warning` (a correlated condition on the alias w) was opened by a push of
    this kind whose entry for the person of entry `e` has e's amount and detail: the monitoring case
    already records that finding. The push is named in the `open` history of a case a push opened
    (comparisons.service); a case opened by hand names none (the CASE keeps the cast off its detail)."""
    return f"""EXISTS (SELECT 1 FROM cases w
                       JOIN case_history opened ON opened.case_id = w.id AND opened.action = 'open'
                       JOIN comparison_pushes p
                         ON p.id = CASE WHEN opened.detail->>'source' = 'department_push'
                                        THEN CAST(opened.detail->>'push_id' AS uuid) END
                        AND p.kind = CAST(:kind AS text)
                       JOIN comparison_entries seen ON seen.push_id = p.id AND seen.person_index = e.person_index
                       WHERE w.kind = 'monitoring' AND {warning}
                         AND seen.amount IS NOT DISTINCT FROM e.amount
                         AND seen.detail IS NOT DISTINCT FROM e.detail)"""


async def match_cases(
    session: AsyncSession,
    push_id: uuid.UUID,
    lo: str,
    hi: str,
    effect: str,
    reason: str,
    kind: str,
    now: dt.datetime,
    thresholds: dict[str, Decimal] | None,
    case_kinds: Sequence[str],
) -> list[Row]:
    """The hits opened (id, case_id, member_id, kind, effect, reason, amount). One INSERT ... SELECT: entries × members of active cases of `case_kinds`, and, for an exclusion
    list (effect 'block'), of households registered as poor now, on their latest registered
    identification case: a department list that changes after registration still finds them (动态管理), and
    a confirmed hit flags them for 清退 review (comparisons.service.resolve).

    One hit per case and person (a list naming someone twice is one finding, with the larger amount), and
    none while the same case already has an open hit of this kind on that person: a department pushing its
    whole list again must not make the county resolve the same finding twice. Nor does an entry the county
    has already resolved on this case come back: a department's list is a snapshot pushed again and again,
    and an entry with the same amount and detail as the one behind a cleared (or confirmed) hit is that
    finding, not a new one; reopening it would block the case again after every push. A changed entry (a
    new amount, a new detail) is a new finding, and a new case of the household is compared afresh. Nor is
    an entry a hit on the monitoring warning that the same entry opened on an earlier push (warnings open
    after the matching, so the list pushed again would otherwise meet its own warning: QA9-DE3). The
    caller holds `lock_kind` so that two pushes of one kind cannot both see "no open hit" and both insert
    one."""
    result = await session.execute(
        text(
            """
            INSERT INTO comparison_hits (id, push_id, case_id, household_id, member_id, division, kind, effect,
                                         reason, amount, status, found_at)
            SELECT gen_random_uuid(), CAST(:push_id AS uuid), c.id, c.household_id, m.member_id, c.division,
                   CAST(:kind AS text), :effect, :reason, max(e.amount), 'open', :now
            FROM comparison_entries e
            JOIN rm_members m ON m.person_index = e.person_index AND m.status = 'active'
            JOIN cases c ON c.household_id = m.household_id
            WHERE e.push_id = :push_id AND c.division BETWEEN :lo AND :hi
              AND ((c.active AND c.kind = ANY(CAST(:case_kinds AS text[]))) OR (
                    CAST(:exclusion AS boolean) AND c.kind = 'identification' AND c.state = 'registered'
                    AND EXISTS (SELECT 1 FROM rm_households h
                                WHERE h.household_id = c.household_id AND h.status IN ('registered', 'returned'))
                    AND NOT EXISTS (SELECT 1 FROM cases later
                                    WHERE later.household_id = c.household_id AND later.kind = 'identification'
                                      AND later.state = 'registered' AND later.opened_at > c.opened_at)))
              AND (NOT CAST(:by_threshold AS boolean) OR e.amount > (
                    SELECT t.threshold
                    FROM unnest(CAST(:t_divisions AS text[]), CAST(:t_values AS numeric[])) AS t(division, threshold)
                    WHERE t.division = c.division))
              AND NOT EXISTS (SELECT 1 FROM comparison_hits open_hit
                              WHERE open_hit.case_id = c.id AND open_hit.member_id = m.member_id
                                AND open_hit.kind = CAST(:kind AS text) AND open_hit.status = 'open')
              AND NOT EXISTS (SELECT 1 FROM comparison_hits done
                              JOIN comparison_entries seen ON seen.person_index = e.person_index
                                                          AND seen.push_id = done.push_id
                              WHERE done.case_id = c.id AND done.member_id = m.member_id
                                AND done.kind = CAST(:kind AS text) AND done.status <> 'open'
                                AND seen.amount IS NOT DISTINCT FROM e.amount
                                AND seen.detail IS NOT DISTINCT FROM e.detail)
              AND NOT """
            + _warning_opened_by_same_entry("w.id = c.id")
            + """
            GROUP BY c.id, c.household_id, m.member_id, c.division
            RETURNING id, case_id, member_id, kind, effect, reason, amount
            """
        ),
        {
            "push_id": push_id,
            "lo": lo,
            "hi": hi,
            "effect": effect,
            "exclusion": effect == "block",
            "reason": reason,
            "kind": kind,
            "now": now,
            **_threshold_params(thresholds),
            "case_kinds": list(case_kinds),
        },
    )
    return [dict(row) for row in result.mappings()]


CARRY_CONFIRMED = text(
    """
    INSERT INTO comparison_hits (id, push_id, case_id, household_id, member_id, division, kind, effect,
                                 reason, amount, status, found_at)
    SELECT gen_random_uuid(), f.push_id, f.case_id, f.household_id, f.member_id, f.division, f.kind, 'block',
           f.reason, f.amount, 'open', CAST(:now AS timestamptz)
    FROM (
        SELECT DISTINCT ON (c.id, m.member_id, h.kind)
               h.push_id, c.id AS case_id, c.household_id, m.member_id, c.division, h.kind, h.amount,
               h.reason || ' (confirmed by the county on an earlier case, hit ' || h.id::text
                 || coalesce(': ' || h.resolution, '') || ')' AS reason
        FROM cases c
        JOIN rm_members m ON m.household_id = c.household_id AND m.status = 'active'
                          AND m.person_index IS NOT NULL
        JOIN rm_members earlier ON earlier.person_index = m.person_index
        JOIN comparison_hits h ON h.member_id = earlier.member_id AND h.case_id <> c.id
                               AND h.effect = 'block' AND h.status = 'confirmed'
                               AND h.kind = ANY(CAST(:exclusion_kinds AS text[]))
        WHERE c.active AND c.kind = ANY(CAST(:case_kinds AS text[]))
          AND (CAST(:case_id AS uuid) IS NULL OR c.id = CAST(:case_id AS uuid))
          AND (CAST(:household_id AS uuid) IS NULL OR c.household_id = CAST(:household_id AS uuid))
          AND (CAST(:member_id AS uuid) IS NULL OR earlier.member_id = CAST(:member_id AS uuid))
          AND NOT EXISTS (SELECT 1 FROM comparison_hits x
                          WHERE x.case_id = c.id AND x.member_id = m.member_id AND x.kind = h.kind)
        ORDER BY c.id, m.member_id, h.kind, h.resolved_at DESC
    ) AS f
    RETURNING id, case_id, kind, reason
    """
)


async def carry_confirmed(
    session: AsyncSession,
    now: dt.datetime,
    case_kinds: Sequence[str],
    exclusion_kinds: Sequence[str],
    *,
    case_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> list[Row]:
    """A confirmed exclusion stays a finding on the person: every active case (of `case_kinds`) with a
    current member whose blind index matches the member of a confirmed exclusion hit of another case gets
    an open blocking hit carrying that finding, unless it already has a hit of that kind on the member
    (open, or resolved by the county: a carried finding the county cleared is not carried again). The
    filters narrow it to one case, one household's cases, or the person of one member."""
    rows = await session.execute(
        CARRY_CONFIRMED,
        {
            "now": now,
            "case_kinds": list(case_kinds),
            "exclusion_kinds": list(exclusion_kinds),
            "case_id": case_id,
            "household_id": household_id,
            "member_id": member_id,
        },
    )
    return [dict(row) for row in rows.mappings()]


async def households_over_threshold(
    session: AsyncSession,
    push_id: uuid.UUID,
    lo: str,
    hi: str,
    kind: str,
    thresholds: dict[str, Decimal] | None,
) -> list[Row]:
    """Households not registered as poor now (monitoring is for those at risk of becoming or returning
    poor; a registered household is already helped) with a member whose pushed amount exceeds the
    threshold — or, for a list without a threshold (a disaster list, threshold None), with a member on the
    list at all — and with no open monitoring case: candidates for a monitoring warning (the caller
    skips those with an active identification case, read under the household's lock). An entry that
    opened a warning of the household before (the same person, kind, amount and detail), since rejected,
    withdrawn or ended, does not open one again: the list is a snapshot pushed again and again, and the
    village has dealt with that finding (QA9-DE2); a changed entry is a new one. In household order, so
    that two pushes opening warnings lock households in the same order."""
    rows = await session.execute(
        text(
            """
            SELECT h.household_id, h.division, max(e.amount) AS amount
            FROM comparison_entries e
            JOIN rm_members m ON m.person_index = e.person_index AND m.status = 'active'
            JOIN rm_households h ON h.household_id = m.household_id
            WHERE e.push_id = :push_id AND h.division BETWEEN :lo AND :hi
              AND h.status NOT IN ('registered', 'returned')
              AND (NOT CAST(:by_threshold AS boolean) OR e.amount > (
                    SELECT t.threshold
                    FROM unnest(CAST(:t_divisions AS text[]), CAST(:t_values AS numeric[])) AS t(division, threshold)
                    WHERE t.division = h.division))
              AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.household_id
                              AND c.kind = 'monitoring' AND c.active)
              AND NOT """
            + _warning_opened_by_same_entry("w.household_id = h.household_id")
            + """
            GROUP BY h.household_id, h.division
            ORDER BY h.household_id
            """
        ),
        {"push_id": push_id, "lo": lo, "hi": hi, "kind": kind, **_threshold_params(thresholds)},
    )
    return [dict(row) for row in rows.mappings()]


def _entry_detail() -> Any:
    """What the department's list said of the hit's person (the entry's detail): the entry of the hit's push
    naming the member's person, with the hit's amount (a list naming someone twice is one hit, with the
    larger amount), the first such in the list."""
    return (
        select(comparison_entries.c.detail)
        .join(rm_members, rm_members.c.person_index == comparison_entries.c.person_index)
        .where(
            comparison_entries.c.push_id == comparison_hits.c.push_id,
            rm_members.c.member_id == comparison_hits.c.member_id,
            comparison_entries.c.amount.is_not_distinct_from(comparison_hits.c.amount),
        )
        .order_by(comparison_entries.c.seq)
        .limit(1)
        .scalar_subquery()
        .label("detail")
    )


async def hits_by_id(session: AsyncSession, hit_ids: Sequence[uuid.UUID]) -> list[Row]:
    """Hits with their entry's detail."""
    if not hit_ids:
        return []
    rows = await session.execute(
        select(comparison_hits, _entry_detail()).where(comparison_hits.c.id.in_(list(hit_ids)))
    )
    return [dict(row) for row in rows.mappings()]


async def get_hit(
    session: AsyncSession, hit_id: uuid.UUID, lo: str, hi: str, *, lock: bool = False
) -> Row | None:
    """A hit with its entry's detail (locked: the hit's row)."""
    stmt = select(comparison_hits, _entry_detail()).where(
        comparison_hits.c.id == hit_id, comparison_hits.c.division.between(lo, hi)
    )
    if lock:
        stmt = stmt.with_for_update(of=comparison_hits)
    row = (await session.execute(stmt)).mappings().first()
    return None if row is None else dict(row)


async def resolve_hit(
    session: AsyncSession, hit_id: uuid.UUID, status: str, actor: str, at: dt.datetime, text_: str
) -> None:
    await session.execute(
        update(comparison_hits)
        .where(comparison_hits.c.id == hit_id)
        .values(status=status, resolved_by=actor, resolved_at=at, resolution=text_)
    )


async def search_hits(
    session: AsyncSession, lo: str, hi: str, case_id: uuid.UUID | None, status: str | None
) -> list[Row]:
    conditions: list[Any] = [comparison_hits.c.division.between(lo, hi)]
    if case_id is not None:
        conditions.append(comparison_hits.c.case_id == case_id)
    if status is not None:
        conditions.append(comparison_hits.c.status == status)
    rows = await session.execute(
        select(comparison_hits, _entry_detail())
        .where(and_(*conditions))
        .order_by(comparison_hits.c.found_at, comparison_hits.c.id)
        .limit(1000)
    )
    return [dict(row) for row in rows.mappings()]
