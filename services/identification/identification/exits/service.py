"""Household exit (退出) and monitoring warnings (防止返贫监测): opening the case with its checks; the steps
then run through the shared transition table like every other case.

Exit checks: per-capita net income of the year above the poverty line in force for the household's
region and year (the registry's standards, kept in identification's read model: the highest line along
the region chain, carried forward from the latest earlier year when the year has none), every 两不愁三保障
assurance confirmed, and not registered in the same year. The case records the standard it applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fupin_kit.problems import conflict, not_found, unprocessable
from identification import standards, workflow
from identification.cases import repository as case_repository
from identification.cases import service as cases
from identification.cases.schemas import CaseOut
from identification.context import Context
from identification.exits import monitoring
from identification.exits.schemas import ExitIn, MonitoringIn

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
    ctx: Context, household: dict[str, Any], body: ExitIn
) -> tuple[list[str], standards.Standard | None]:
    """Failed checks, and the poverty line standard the income was compared with."""
    failed = exit_year_failures(body.year, household["registered_year"], ctx.year)
    line = await standards.effective(ctx.session, standards.POVERTY_LINE, body.year, household["division"])
    income = await case_repository.income(ctx.session, household["household_id"], body.year)
    if line is None:
        failed.append(f"no poverty line standard in force for {body.year}")
    elif income is None:
        failed.append(f"no {body.year} income recorded")
    elif Decimal(income["per_capita_net_income"]) <= line.amount:
        failed.append(
            f"per-capita net income {income['per_capita_net_income']} is not above the line {line.amount} "
            f"({line.region}, {line.standard_year})"
        )
    missing = [name for name, confirmed in body.assurances.model_dump().items() if not confirmed]
    if missing:
        failed.append("not confirmed: " + ", ".join(missing))
    return failed, line


async def propose_exit(ctx: Context, body: ExitIn) -> CaseOut:
    lo, hi = ctx.actor.subtree
    household = await case_repository.get_household(ctx.session, body.household_id, lo, hi)
    if household is None:
        raise not_found("household")
    cases.require_opener(ctx)
    if household["status"] not in EXITABLE:
        raise conflict(f"a household in status {household['status']!r} cannot exit", code="household-status")
    failed, line = await exit_checks(ctx, household, body)
    if failed:
        raise unprocessable("the exit checks failed", failed=failed)
    vote = body.finding
    # The assembly reviews the exit year's income and assurances: it meets in that year at the earliest, and
    # so after the household's registration (the exit year is later than the registration year).
    cases.check_assembly(
        ctx,
        vote,
        dt.date(body.year, 1, 1),
        f"the exit's village review judges the household's {body.year}, after its registration"
        + ("" if household["registered_year"] is None else f" in {household['registered_year']}"),
    )
    case = await cases.open_case(
        ctx,
        workflow.Kind.EXIT,
        body.household_id,
        body.year,
        {},
        {
            "assurances": body.assurances.model_dump(),
            "poverty_line": None if line is None else line.record(),
            "finding": vote.model_dump(mode="json"),
        },
    )
    if not workflow.vote_passes(vote.present, vote.votes_for, vote.votes_against):
        # As at the identification's village review: a failed vote ends the proposal, on the record.
        case = await cases.apply(
            ctx,
            case,
            workflow.Action.REJECT,
            {"finding": vote.model_dump(mode="json"), "outcome": "vote failed"},
            cases.vote_failed_reason(vote),
        )
    return cases.render(case, ctx.actor)


async def open_monitoring(ctx: Context, body: MonitoringIn) -> CaseOut:
    lo, hi = ctx.actor.subtree
    household = await case_repository.get_household(ctx.session, body.household_id, lo, hi)
    if household is None:
        raise not_found("household")
    cases.require_opener(ctx)  # 403 before any eligibility answer
    failed = monitoring.type_failures(household, body.monitored_type)
    if body.year > ctx.year:
        failed.append(f"the monitoring year {body.year} is in the future")
    line_failed, facts = await monitoring.opening_failures(
        ctx.session, household, body.year, body.monitored_type
    )
    failed += line_failed
    if failed:
        raise unprocessable("the monitoring checks failed", failed=failed)
    detail = {
        "monitored_type": body.monitored_type.value,
        "discovery": body.discovery.value,
        "detail": body.detail,
        **facts,
    }
    case = await cases.open_case(ctx, workflow.Kind.MONITORING, body.household_id, body.year, {}, detail)
    return cases.render(case, ctx.actor)
