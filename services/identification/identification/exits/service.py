"""Household exit (退出) and monitoring warnings (防止返贫监测): opening the case with its checks; the steps
then run through the shared transition table like every other case.

The exit checks (exits/checks.py) run at the proposal, and again at the county's announcement; the case
records the standard it applied."""

from __future__ import annotations

import datetime as dt

from fupin_kit.problems import not_found, unprocessable
from identification import workflow
from identification.cases import repository as case_repository
from identification.cases import service as cases
from identification.cases.schemas import CaseOut
from identification.context import Context
from identification.exits import checks, monitoring
from identification.exits.schemas import ExitIn, MonitoringIn


async def propose_exit(ctx: Context, body: ExitIn) -> CaseOut:
    lo, hi = ctx.actor.subtree
    household = await case_repository.get_household(ctx.session, body.household_id, lo, hi)
    if household is None:
        raise not_found("household")
    cases.require_opener(ctx)
    if household["status"] not in checks.EXITABLE:
        raise checks.status_refused(household["status"])
    failed, line = await checks.exit_checks(ctx, household, body.year, body.assurances.model_dump())
    if failed:
        raise checks.checks_failed(failed)
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
    # Nobody is monitored in a household nobody lives in any more: 409 as the application answers, whose
    # forward steps the monitoring's share (workflow.NEEDS_LIVING_MEMBERS).
    await cases.require_living_members(ctx, body.household_id)
    failed = monitoring.type_failures(household, body.monitored_type)
    if body.year > ctx.year:
        failed.append(f"the monitoring year {body.year} is in the future")
    line_failed, facts = await monitoring.opening_failures(
        ctx.session, household, body.year, body.monitored_type
    )
    failed += line_failed
    if failed:
        raise unprocessable("the monitoring checks failed", code="monitoring-checks", failed=failed)
    detail = {
        "monitored_type": body.monitored_type.value,
        "discovery": body.discovery.value,
        "detail": body.detail,
        **facts,
    }
    case = await cases.open_case(ctx, workflow.Kind.MONITORING, body.household_id, body.year, {}, detail)
    return cases.render(case, ctx.actor)
