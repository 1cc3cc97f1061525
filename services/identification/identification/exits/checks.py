"""The exit checks (退出标准), run when the exit is proposed and again when the county announces it: the
income of the exit year above the poverty line in force for the household's region and year (the
registry's standards, kept in identification's read model: the highest line along the region chain,
carried forward from the latest earlier year when the year has none), every 两不愁三保障 assurance
confirmed, and not registered in the same year. The income may be corrected in the registry while the
exit runs, so what the proposal found is not taken for what holds at the announcement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fupin_kit.problems import ProblemError, conflict, not_found, unprocessable
from identification import standards
from identification.cases import repository as case_repository
from identification.context import Context

EXITABLE = ("registered", "returned")


def exit_year_failures(year: int, registered_year: int | None, now_year: int) -> list[str]:
    """The exit year is the year whose income shows the household out of poverty: never a year to come
    (the service clock's, not the caller's, decides what "now" is), and after the registration year — a
    household registered this year cannot exit in the same year, and naming an earlier year must not be
    a way round that. The registration year is when the registry registered the household (its status
    event), never the year an application named. A household registered before the read model kept the
    year has none to compare with."""
    failed: list[str] = []
    if year > now_year:
        failed.append(f"the exit year {year} is in the future")
    if registered_year is not None and year <= registered_year:
        failed.append(
            f"registered in {registered_year}: the exit year must be later than the registration year"
        )
    return failed


async def exit_checks(
    ctx: Context, household: Mapping[str, Any], year: int, assurances: Mapping[str, bool]
) -> tuple[list[str], standards.Standard | None]:
    """Failed checks, and the poverty line standard the income was compared with."""
    failed = exit_year_failures(year, household["registered_year"], ctx.year)
    line = await standards.effective(ctx.session, standards.POVERTY_LINE, year, household["division"])
    income = await case_repository.income(ctx.session, household["household_id"], year)
    if line is None:
        failed.append(f"no poverty line standard in force for {year}")
    elif income is None:
        failed.append(f"no {year} income recorded")
    elif Decimal(income["per_capita_net_income"]) <= line.amount:
        failed.append(
            f"per-capita net income {income['per_capita_net_income']} is not above the line {line.amount} "
            f"({line.region}, {line.standard_year})"
        )
    missing = [name for name, confirmed in assurances.items() if confirmed is not True]
    if missing:
        failed.append("not confirmed: " + ", ".join(missing))
    return failed, line


def status_refused(status: str) -> ProblemError:
    return conflict(
        f"a household in status {status!r} cannot exit", code="household-status", household_status=status
    )


def checks_failed(failed: list[str], hint: str = "") -> ProblemError:
    return unprocessable(f"the exit checks failed{hint}", code="exit-checks", failed=failed)


async def recheck(
    ctx: Context, household_id: uuid.UUID, year: int, assurances: Mapping[str, bool]
) -> dict[str, Any] | None:
    """The proposal's checks against the read model as it is now, at the step that makes the household
    exited: 409 household-status or 422 exit-checks as at the proposal, else the standard applied."""
    household = await case_repository.get_household(ctx.session, household_id, *ctx.actor.subtree)
    if household is None:
        raise not_found("household")
    if household["status"] not in EXITABLE:
        raise status_refused(household["status"])
    failed, line = await exit_checks(ctx, household, year, assurances)
    if failed:
        raise checks_failed(failed, " since the exit was proposed: reject the exit with the reason instead")
    return None if line is None else line.record()
