"""The monitoring line (监测线) in the monitoring checks: about 1.5× the poverty line, 6,000 yuan per person
per year from 2021, adjusted yearly by provinces (region_settings `monitoring_line.<year>`, the most
specific division wins).

- Opening: an unstable exited household or a marginal one is monitored because its income is at risk;
  if its recorded per-capita income of the year is already above the line, the warning is refused.
  Sudden hardship (an illness, a disaster) is about expenses, not income: no income check.
- Risk clearance: besides six months of monitoring, the income must be stable above the line — the
  latest recorded year (this year or the last) must be above it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identification import regions
from identification.cases import repository as case_repository
from identification.exits.schemas import MonitoredType

BY_INCOME = frozenset({MonitoredType.UNSTABLE_EXITED, MonitoredType.MARGINAL})
# Registry statuses of a household still registered as poor (registered, or returned after an exit): it is
# assisted as a poor household, so it is not a monitoring object of any type.
POOR = frozenset({"registered", "returned"})


def _was_registered(household: dict[str, Any]) -> bool:
    """Registered as poor at some time: the read model keeps the registration year after an exit. A
    'monitored' status hides whether the household had exited; this tells."""
    return household["status"] == "exited" or household.get("registered_year") is not None


def type_failures(household: dict[str, Any], monitored_type: MonitoredType) -> list[str]:
    """Whether the household's registry status and history fit the monitored type (domain.md §4):
    脱贫不稳定户 (unstable_exited) exited; 边缘易致贫户 (marginal) never registered poor; 突发严重困难户
    (sudden_hardship) any household not registered as poor now."""
    status = household["status"]
    if status in POOR:
        return [f"a household in status {status!r} is registered as poor, not a monitoring object"]
    if monitored_type is MonitoredType.UNSTABLE_EXITED and not _was_registered(household):
        return [f"an unstable_exited household must have exited; this one ({status!r}) never was registered"]
    if monitored_type is MonitoredType.MARGINAL and _was_registered(household):
        return ["a marginal household is one never registered as poor; an exited one is unstable_exited"]
    return []


async def line(session: AsyncSession, division: str, year: int) -> Decimal | None:
    return await regions.number(session, division, f"monitoring_line.{year}")


async def opening_failures(
    session: AsyncSession, household: dict[str, Any], year: int, monitored_type: MonitoredType
) -> tuple[list[str], dict[str, str | None]]:
    """Failed checks, and the facts seen (recorded on the case)."""
    limit = await line(session, household["division"], year)
    income = await case_repository.income(session, household["household_id"], year)
    per_capita = None if income is None else Decimal(income["per_capita_net_income"])
    facts = {
        "monitoring_line": None if limit is None else str(limit),
        "per_capita_net_income": None if per_capita is None else str(per_capita),
    }
    failed: list[str] = []
    if monitored_type in BY_INCOME:
        if limit is None:
            failed.append(f"no monitoring line configured for {year}")
        elif per_capita is not None and per_capita > limit:
            failed.append(f"per-capita net income {per_capita} is above the monitoring line {limit}")
    return failed, facts


async def clearance_failures(
    session: AsyncSession, household_id: uuid.UUID, division: str, now: dt.datetime
) -> list[str]:
    for year in (now.year, now.year - 1):
        income = await case_repository.income(session, household_id, year)
        if income is None:
            continue
        limit = await line(session, division, year)
        if limit is None:
            return [f"no monitoring line configured for {year}"]
        per_capita = Decimal(income["per_capita_net_income"])
        if per_capita <= limit:
            return [f"per-capita net income {per_capita} ({year}) is not above the monitoring line {limit}"]
        return []
    return [f"no income recorded for {now.year - 1} or {now.year}: stability cannot be shown"]
