"""The registry's poverty and monitoring lines (standards with history), kept here as a read model fed by
`fupin.registry.standard.set.v1` and seeded with the national rows the registry seeds without events.

The line in force is computed exactly as the registry's `standards.repository.effective` does: for each
region of the division's chain (fupin_contracts.standards.applicable_regions: the county, or the
county-less city that stands in for one; the city; the province; the nation) its row of the year, or when it has none its row of the latest earlier year; of those the
highest amount (an override only ever raises the line), on a tie the most specific region. A year with no
row of its own therefore carries the latest earlier line forward."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import registry as contracts
from fupin_contracts.standards import applicable_regions

POVERTY_LINE = "poverty_line"
MONITORING_LINE = "monitoring_line"


@dataclass(frozen=True)
class Standard:
    """The standard a computation used: recorded with it, so every check says which line it applied."""

    kind: str
    year: int  # the year asked for
    amount: Decimal
    region: str
    standard_year: int  # the row's own year: earlier than `year` when carried forward
    standard_id: int | None  # the registry's id; None for a national seed row (its id is the registry's own)
    set_by: str

    @property
    def carried_forward(self) -> bool:
        return self.standard_year < self.year

    def record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.standard_id,
            "region": self.region,
            "year": self.standard_year,
            "amount": str(self.amount),
            "carried_forward": self.carried_forward,
            "set_by": self.set_by,
        }


async def effective(session: AsyncSession, kind: str, year: int, division: str) -> Standard | None:
    row = (
        await session.execute(
            text(
                "SELECT s.standard_id, s.kind, s.year, s.region, s.amount, s.set_by FROM ("
                "SELECT DISTINCT ON (s.region) s.* FROM rm_standards s "
                "WHERE s.kind = :kind AND s.year <= :year AND s.region = ANY(:regions) "
                # Within a region and year the registry's newest row supersedes the older ones; a seed
                # row (no id) is older than any row set through the registry.
                "ORDER BY s.region, s.year DESC, s.standard_id DESC NULLS LAST, s.seq DESC) s "
                "ORDER BY s.amount DESC, length(rtrim(s.region, '0')) DESC, "
                "s.standard_id DESC NULLS LAST LIMIT 1"
            ),
            {"kind": kind, "year": year, "regions": applicable_regions(division)},
        )
    ).first()
    if row is None:
        return None
    amount = Decimal(row.amount)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))  # 6000, not 6000.00, in messages and records
    return Standard(
        kind=kind,
        year=year,
        amount=amount,
        region=row.region,
        standard_year=int(row.year),
        standard_id=None if row.standard_id is None else int(row.standard_id),
        set_by=row.set_by,
    )


async def record_set(session: AsyncSession, data: contracts.StandardSetV1) -> None:
    """Idempotent by the registry's standard id: a redelivered event changes nothing."""
    await session.execute(
        text(
            "INSERT INTO rm_standards (standard_id, kind, year, region, amount, valid_from, set_by, reason) "
            "VALUES (:id, :kind, :year, :region, :amount, :valid_from, :set_by, :reason) "
            "ON CONFLICT (standard_id) DO NOTHING"
        ),
        {
            "id": data.id,
            "kind": data.kind,
            "year": data.year,
            "region": data.region,
            "amount": data.amount,
            "valid_from": data.valid_from,
            "set_by": data.set_by,
            "reason": data.reason,
        },
    )
