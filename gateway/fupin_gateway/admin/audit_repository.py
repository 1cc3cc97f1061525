"""All SQL of the audit search (GET /admin/audit): the gateway's hash-chained audit_log read newest first,
always within the reading admin's subtree.

Served by the indexes of migration gateway_0009: (actor, seq), (subject text_pattern_ops, seq),
(division, seq), (left(division, 6), seq) and (at); every query is ordered by seq descending
and cut at `after` (keyset), so a page costs about its own rows on whichever index the planner picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit import divisions
from fupin_kit.infra_tables import audit_log

# The expression of the (left(division, 6), seq) index: the county part of a code, which is exactly a
# county's subtree, read in seq order on one index range (a range BETWEEN lo AND hi over (division, seq)
# comes back in division order and would be sorted whole).
COUNTY_PREFIX_LENGTH = divisions.PREFIX_LENGTH[divisions.Level.COUNTY]


@dataclass(frozen=True)
class AuditFilter:
    """What a search narrows to; None leaves a column unfiltered. `until` is exclusive."""

    actor: str | None = None
    action: str | None = None
    subject_prefix: str | None = None
    status: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None


def _within(division: str) -> list[ColumnElement[bool]]:
    """Rows whose division lies in `division`'s subtree, each level in the form an index reads in seq
    order: a village's code exactly, a county's first six digits. A range would also be exact, but the
    planner takes a range and the county prefix together for two independent conditions and misjudges
    how many rows they leave. The nation needs none: it sees all rows, anonymous and unknown callers'
    (filed under the nation) included."""
    level = divisions.level(division)
    if level == divisions.Level.NATION:
        return []
    if level == divisions.Level.VILLAGE:
        return [audit_log.c.division == division]
    if level == divisions.Level.COUNTY:
        county = division[:COUNTY_PREFIX_LENGTH]
        return [func.left(audit_log.c.division, COUNTY_PREFIX_LENGTH) == county]
    lo, hi = divisions.subtree_range(division)
    return [audit_log.c.division.between(lo, hi)]


def _narrowed(found: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if found.actor is not None:
        conditions.append(audit_log.c.actor == found.actor)
    if found.action is not None:
        conditions.append(audit_log.c.action == found.action)
    if found.subject_prefix is not None:
        # autoescape: the prefix's own % and _ match themselves, not any text.
        conditions.append(audit_log.c.subject.startswith(found.subject_prefix, autoescape=True))
    if found.status is not None:
        # As text: rows without a status (account changes) simply do not match, no cast can fail.
        conditions.append(audit_log.c.detail["status"].astext == str(found.status))
    if found.request_id is not None:
        conditions.append(audit_log.c.detail["request_id"].astext == found.request_id)
    if found.since is not None:
        conditions.append(audit_log.c.at >= found.since)
    if found.until is not None:
        conditions.append(audit_log.c.at < found.until)
    return conditions


async def newest_first(
    session: AsyncSession, division: str, found: AuditFilter, after: int | None, limit: int
) -> Sequence[Any]:
    """Up to `limit` rows of `division`'s subtree matching `found`, newest (highest seq) first, below seq
    `after` when given. prev_hash is not read: each row's own hash is what a reader compares."""
    columns = [column for column in audit_log.c if column.name != "prev_hash"]
    query = select(*columns).where(*_within(division), *_narrowed(found))
    if after is not None:
        query = query.where(audit_log.c.seq < after)
    query = query.order_by(audit_log.c.seq.desc()).limit(limit)
    return (await session.execute(query)).all()
