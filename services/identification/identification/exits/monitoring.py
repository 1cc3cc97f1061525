"""The monitoring line (监测线) in the monitoring checks: about 1.5× the poverty line, 6,000 yuan per person
per year from 2021, adjusted yearly by provinces: the registry's `monitoring_line` standard in force for
the household's region and year (identification's read model of the standards; the highest line along the
region chain, carried forward from the latest earlier year). Every check records the standard it used.

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

from identification import clock, standards
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


async def line(session: AsyncSession, division: str, year: int) -> standards.Standard | None:
    return await standards.effective(session, standards.MONITORING_LINE, year, division)


async def opening_failures(
    session: AsyncSession, household: dict[str, Any], year: int, monitored_type: MonitoredType
) -> tuple[list[str], dict[str, str | None]]:
    """Failed checks, and the facts seen (recorded on the case)."""
    limit = await line(session, household["division"], year)
    income = await case_repository.income(session, household["household_id"], year)
    per_capita = None if income is None else Decimal(income["per_capita_net_income"])
    facts: dict[str, Any] = {
        "monitoring_line": None if limit is None else str(limit.amount),
        "monitoring_standard": None if limit is None else limit.record(),
        "per_capita_net_income": None if per_capita is None else str(per_capita),
    }
    failed: list[str] = []
    if monitored_type in BY_INCOME:
        if limit is None:
            failed.append(f"no monitoring line standard in force for {year}")
        elif per_capita is not None and per_capita > limit.amount:
            failed.append(
                f"per-capita net income {per_capita} is above the monitoring line {limit.amount} "
                f"({limit.region}, {limit.standard_year})"
            )
    return failed, facts


async def clearance_failures(
    session: AsyncSession, household_id: uuid.UUID, division: str, now: dt.datetime
) -> tuple[list[str], dict[str, Any]]:
    """Failed checks, and the facts seen (the income year and the standard it was compared with). The
    years are China's calendar years, as for exits and applications."""
    this_year = clock.civil_year(now)
    for year in (this_year, this_year - 1):
        income = await case_repository.income(session, household_id, year)
        if income is None:
            continue
        limit = await line(session, division, year)
        if limit is None:
            return [f"no monitoring line standard in force for {year}"], {}
        per_capita = Decimal(income["per_capita_net_income"])
        facts = {
            "income_year": year,
            "per_capita_net_income": str(per_capita),
            "monitoring_standard": limit.record(),
        }
        if per_capita <= limit.amount:
            return [
                f"per-capita net income {per_capita} ({year}) is not above the monitoring line {limit.amount}"
            ], facts
        return [], facts
    return [f"no income recorded for {this_year - 1} or {this_year}: stability cannot be shown"], {}
