"""Poor villages and counties (贫困村/贫困县名单) and their exit procedures (贫困村退出, 贫困县摘帽).

A county officer puts its villages on the list, a province (or the nation) its counties; only a code the
registry's events have named (identification/divisions), and not a statistical grouping. A procedure is
proposed for a designated division with no procedure open, for a year not in the future, when its poverty
incidence (exits/indicators.py) is below the threshold: the indicators are kept on the procedure as they
stood. The steps then follow the transition table (division_exits/workflow.py); a county's verification
needs the latest closed third-party evaluation of the county and year to have passed all four veto rates
with no sampled household left unsurveyed, learnt from the evaluation service's events (readmodel/handlers.py). Every step is recorded in the history and
published through the outbox.

Jurisdiction as everywhere in the service: a division or procedure outside the caller's subtree does not
exist for it (404); inside it, a step the caller's tier or roles may not take is a 403, a step the state
does not allow a 409."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import identification as contracts
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_within, tiers_phrase
from fupin_kit.outbox import record_change
from fupin_kit.pii import mask_texts
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable
from identification import events, keyset, settings_rules
from identification.context import Context
from identification.division_exits import repository
from identification.division_exits import workflow as flow
from identification.division_exits.schemas import (
    DesignationIn,
    DivisionExitOut,
    HistoryOut,
    PoorDivisionOut,
    ProposalIn,
    PublicDivisionExit,
    StepIn,
)
from identification.divisions import service as division_names
from identification.exits import indicators

S, A = flow.State, flow.Action
# Who puts a division on the list: its county for a village, its province (or the nation) for a county.
DESIGNATORS: dict[flow.Level, tuple[str, ...]] = {
    flow.Level.VILLAGE: ("county",),
    flow.Level.COUNTY: ("province", "nation"),
}
ROLES = ("officer",)
DEFAULT_NOTICE_DAYS = flow.MIN_NOTICE_DAYS
EVENT_TYPES: dict[flow.Action, str] = {
    A.APPROVE: contracts.DIVISION_EXIT_APPROVED,
    A.REJECT: contracts.DIVISION_EXIT_REJECTED,
    A.WITHDRAW: contracts.DIVISION_EXIT_WITHDRAWN,
}


def _valid(division: str) -> None:
    """422 invalid-division for a code of impossible structure (workflow.code_problem), before anything
    is asked of its level, tier or jurisdiction."""
    try:
        problem = flow.code_problem(division)
    except divisions.InvalidDivisionCode as exc:
        problem = str(exc)
    if problem is not None:
        raise unprocessable(problem, code="invalid-division", division=division)


def _level(division: str) -> flow.Level:
    _valid(division)
    level = flow.level_of(division)
    if level is None:
        raise unprocessable(
            "a poor division is a village or a county (or a city without counties)", code="not-an-exit-unit"
        )
    return level


async def _names(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    return {code: names.place for code, names in (await division_names.names(session, codes)).items()}


# -- the list -----------------------------------------------------------------------------------------


def _designation_out(row: repository.Row, names: dict[str, str], actor: Actor | None) -> PoorDivisionOut:
    basis = row["basis"]
    if actor is not None and not actor.sees_full_identity:
        basis = mask_texts(basis)  # what an officer typed may quote a personal number
    return PoorDivisionOut(**{**row, "basis": basis}, division_name=names.get(row["division"]))


async def designate(ctx: Context, body: DesignationIn) -> PoorDivisionOut:
    level = _level(body.division)
    require_within(ctx.actor, body.division, "division")
    require_role(ctx.actor, *ROLES)
    if not ctx.actor.holds_tier(*DESIGNATORS[level]):
        raise forbidden(f"a poor {level.value} is designated by {tiers_phrase(DESIGNATORS[level])}")
    known = await repository.division_name(ctx.session, body.division)
    if known is None or known["placeholder"]:
        raise unprocessable(
            f"{body.division} is no {level.value} of the division tree this service knows (the registry's "
            "events name the divisions where households live)",
            code="unknown-division",
            division=body.division,
        )
    if body.designated_year > ctx.year:
        raise unprocessable(
            f"the designation year {body.designated_year} is in the future", code="future-year"
        )
    row = await repository.insert_designation(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "division": body.division,
            "level": level.value,
            "designated_year": body.designated_year,
            "basis": body.basis,
            "designated_by": ctx.actor.subject,
            "at": ctx.now,
        },
    )
    if row is None:
        held = await repository.get_designation(ctx.session, body.division, *ctx.actor.subtree)
        status = None if held is None else held["status"]
        raise conflict(
            f"{body.division} is already on the list"
            + (f": it has exited in {held['exit_year']}" if held is not None and status == "exited" else ""),
            code="already-designated",
            division=body.division,
            designation_status=status,
        )
    await record_change(ctx.session, events.poor_division_event(row, ctx.actor))
    return _designation_out(row, await _names(ctx.session, [body.division]), ctx.actor)


async def read_designation(ctx: Context, division: str) -> PoorDivisionOut:
    row = await repository.get_designation(ctx.session, division, *ctx.actor.subtree)
    if row is None:
        raise not_found("poor division")
    return _designation_out(row, await _names(ctx.session, [division]), ctx.actor)


async def list_designations(
    ctx: Context, level: str | None, status: str | None, after: str | None, limit: int
) -> keyset.Page[PoorDivisionOut]:
    rows = await repository.list_designations(
        ctx.session, *ctx.actor.subtree, level, status, keyset.decode(after), limit + 1
    )
    found = keyset.page(rows, limit, "designated_at")
    names = await _names(ctx.session, [row["division"] for row in found.items])
    return keyset.convert(found, lambda row: _designation_out(row, names, ctx.actor))


# -- procedures ---------------------------------------------------------------------------------------


def _tiers(row: repository.Row, step: flow.Transition) -> tuple[str, ...]:
    return flow.acting_tiers(step.tiers, row["division"], row["proposer_tier"])


def _permitted(row: repository.Row, actor: Actor, now: dt.datetime) -> list[str]:
    """The steps of allowed_actions the caller may take now: its tier and roles, and no approval while
    the notice runs (it would be a 409 exit-notice-running)."""
    level, state = flow.Level(row["level"]), flow.State(row["state"])
    notice_running = flow.notice_running(row["notice_ends_at"], now)
    steps = {action: flow.transition(level, state, action) for action in flow.allowed_actions(level, state)}
    return [
        action.value
        for action, step in steps.items()
        if not (action is A.APPROVE and notice_running)
        and flow.permits(_tiers(row, step), step.roles, actor.tiers_held, actor.roles)
    ]


def _render(
    row: repository.Row,
    names: dict[str, str],
    actor: Actor,
    now: dt.datetime,
    history: list[repository.Row] | None = None,
) -> DivisionExitOut:
    masked = not actor.sees_full_identity
    level, state = flow.Level(row["level"]), flow.State(row["state"])
    return DivisionExitOut(
        **{**row, "summary": mask_texts(row["summary"]) if masked else row["summary"]},
        division_name=names.get(row["division"]),
        allowed_actions=[action.value for action in flow.allowed_actions(level, state)],
        permitted_actions=_permitted(row, actor, now),
        history=[
            HistoryOut(
                **{
                    **entry,
                    "reason": mask_texts(entry["reason"]) if masked and entry["reason"] else entry["reason"],
                }
            )
            for entry in history or []
        ],
    )


def _incidence_refusal(found: indicators.IndicatorOut) -> None:
    """422 unless the indicators say the division meets the exit threshold."""
    if found.rural_population is None:
        raise unprocessable(
            f"{found.division} has no rural_population figure: its poverty incidence cannot be computed "
            "(set the region setting rural_population of the division)",
            code="no-rural-population",
            division=found.division,
        )
    if found.meets_threshold is None:
        raise unprocessable(
            f"the poverty incidence of {found.division} is not complete: {found.note}",
            code="incomplete-figures",
            division=found.division,
        )
    if not found.meets_threshold:
        poor, rural = found.incidence_poor_population or 0, found.rural_population
        raise unprocessable(
            f"the poverty incidence of {found.division} is {found.incidence_pct}% ({poor} poor of {rural} "
            f"rural people, {Decimal(100 * poor) / Decimal(rural):.4f}% unrounded), not below the exit "
            f"threshold of {found.threshold_pct}%",
            code="incidence-above-threshold",
            division=found.division,
            incidence_pct=found.incidence_pct,
            threshold_pct=found.threshold_pct,
        )


async def propose(ctx: Context, body: ProposalIn) -> DivisionExitOut:
    level = _level(body.division)
    require_within(ctx.actor, body.division, "division")
    require_role(ctx.actor, *ROLES)
    if not ctx.actor.holds_tier(*flow.PROPOSERS[level]):
        raise forbidden(f"a {level.value}'s exit is proposed by {tiers_phrase(flow.PROPOSERS[level])}")
    designation = await repository.get_designation(ctx.session, body.division, *ctx.actor.subtree, lock=True)
    if designation is None:
        raise conflict(f"{body.division} is not on the list of poor {level.value}s", code="not-designated")
    if designation["status"] != "designated":
        raise conflict(
            f"{body.division} is {designation['status']}: "
            + ("a procedure is open" if designation["status"] == "exiting" else "it has exited"),
            code="procedure-open" if designation["status"] == "exiting" else "already-exited",
            exit_id=str(designation["exit_id"]) if designation["exit_id"] else None,
        )
    if body.year > ctx.year:
        raise unprocessable(f"the exit year {body.year} is in the future", code="future-year")
    if body.year < designation["designated_year"]:
        raise unprocessable(
            f"the exit year {body.year} is before the designation ({designation['designated_year']})",
            code="before-designation",
        )
    found = await indicators.indicators(ctx, body.division)
    _incidence_refusal(found)
    row = await repository.insert_exit(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "division": body.division,
            "level": level.value,
            "year": body.year,
            "state": S.PROPOSED.value,
            "summary": body.summary,
            "proposed_by": ctx.actor.subject,
            "proposer_tier": _proposer_tier(ctx.actor, level),
            "indicators": found.model_dump(mode="json"),
            "at": ctx.now,
        },
    )
    await repository.add_history(
        ctx.session, _history(ctx, row["id"], A.PROPOSE, None, S.PROPOSED, None, {"year": body.year})
    )
    await repository.set_designation_status(ctx.session, body.division, "exiting", None, row["id"], ctx.now)
    await record_change(
        ctx.session,
        events.division_exit_event(
            contracts.DIVISION_EXIT_PROPOSED, row, A.PROPOSE.value, None, None, ctx.actor
        ),
    )
    return await _read(ctx, row)


def _proposer_tier(actor: Actor, level: flow.Level) -> str:
    """The proposing tier: the caller's own, or the county for a city without counties (it holds both)."""
    held = [tier for tier in flow.PROPOSERS[level] if actor.holds_tier(tier)]
    return actor.tier if actor.tier in held else held[0]


def _history(
    ctx: Context,
    exit_id: uuid.UUID,
    action: flow.Action,
    from_state: flow.State | None,
    to_state: flow.State,
    reason: str | None,
    detail: dict[str, Any],
) -> repository.Row:
    return {
        "exit_id": exit_id,
        "action": action.value,
        "from_state": None if from_state is None else from_state.value,
        "to_state": to_state.value,
        "actor": ctx.actor.subject,
        "actor_tier": ctx.actor.tier,
        "reason": reason,
        "detail": detail,
        "at": ctx.now,
    }


async def _passing_evaluation(ctx: Context, row: repository.Row) -> repository.Row:
    """The latest closed third-party evaluation of the county and year, if it lets the county exit
    (workflow.evaluation_refusal); else 409 no-passing-evaluation. The latest round decides, at the
    verification and again at the approval: a county that passed once and failed, or was only partly
    surveyed in, a later round (a re-check after complaints, say) has not shown it may exit."""
    evaluation = await repository.latest_evaluation(ctx.session, row["division"], row["year"])
    refusal = flow.evaluation_refusal(evaluation)
    if evaluation is None or refusal is not None:
        verified = row["evaluation_id"]
        if verified is not None and evaluation is not None and evaluation["evaluation_id"] != verified:
            refusal = f"{refusal}, a later round than {verified} the exit was verified against"
        raise conflict(
            f"no closed third-party evaluation of {row['division']} for {row['year']} passed all four "
            f"veto rates with every sampled household surveyed ({refusal})",
            code="no-passing-evaluation",
            division=row["division"],
            year=row["year"],
            evaluation_id=None if evaluation is None else str(evaluation["evaluation_id"]),
            unsurveyed_households=None if evaluation is None else evaluation["unsurveyed_households"],
        )
    return evaluation


async def act(ctx: Context, exit_id: uuid.UUID, action: flow.Action, body: StepIn) -> DivisionExitOut:
    row = await repository.get_exit(ctx.session, exit_id, *ctx.actor.subtree, lock=True)
    if row is None:
        raise not_found("division exit")
    level, state = flow.Level(row["level"]), flow.State(row["state"])
    try:
        step = flow.transition(level, state, action)
    except flow.OutOfOrder as exc:
        raise conflict(str(exc), code="out-of-order", state=state.value, action=action.value) from None
    tiers = _tiers(row, step)
    if not ctx.actor.holds_tier(*tiers):
        raise forbidden(f"only {tiers_phrase(tiers)} may {action.value} this procedure")
    require_role(ctx.actor, *step.roles)
    if action in flow.NEEDS_REASON and not body.reason:
        raise unprocessable(f"a reason is required to {action.value}", code="reason-required")
    if body.notice_days is not None and action is not A.OPEN_NOTICE:
        raise unprocessable("notice_days is given with open_notice only", code="notice-days")
    changes: dict[str, Any] = {"state": step.target.value, "updated_at": ctx.now}
    detail: dict[str, Any] = {}
    if action is A.OPEN_NOTICE:
        days = DEFAULT_NOTICE_DAYS if body.notice_days is None else Decimal(body.notice_days)
        short_allowed = settings_rules.short_notices_allowed()
        problem = flow.notice_days_problem(days, short_allowed)
        if problem is not None:
            low, high = flow.notice_days_bounds(short_allowed)
            raise unprocessable(problem, code="notice-days", minimum_days=str(low), maximum_days=str(high))
        ends = ctx.now + dt.timedelta(days=float(days))
        changes.update(notice_days=days, notice_starts_at=ctx.now, notice_ends_at=ends)
        detail = {"notice_days": str(days), "notice_ends_at": ends.isoformat()}
    elif action is A.APPROVE:
        ends_at = row["notice_ends_at"]
        if flow.notice_running(ends_at, ctx.now):
            raise conflict(
                f"the notice runs until {ends_at.isoformat() if ends_at else '-'}: the exit is approved after it",
                code="exit-notice-running",
                notice_ends_at=None if ends_at is None else ends_at.isoformat(),
            )
        if level is flow.Level.COUNTY:
            detail = {"evaluation_id": str((await _passing_evaluation(ctx, row))["evaluation_id"])}
    elif action is A.VERIFY:
        evaluation = await _passing_evaluation(ctx, row)
        changes.update(
            evaluation_id=evaluation["evaluation_id"],
            evaluation={
                "verdict": evaluation["verdict"],
                "rates": evaluation["rates"],
                "unsurveyed_households": evaluation["unsurveyed_households"],
                "partial_reason": evaluation["partial_reason"],
                "closed_at": evaluation["closed_at"].isoformat(),
            },
        )
        detail = {"evaluation_id": str(evaluation["evaluation_id"])}
    updated = await repository.update_exit(ctx.session, exit_id, changes)
    await repository.add_history(
        ctx.session, _history(ctx, exit_id, action, state, step.target, body.reason, detail)
    )
    if step.target is S.EXITED:
        await repository.set_designation_status(
            ctx.session, row["division"], "exited", row["year"], exit_id, ctx.now
        )
    elif step.target in (S.REJECTED, S.WITHDRAWN):
        await repository.set_designation_status(
            ctx.session, row["division"], "designated", None, None, ctx.now
        )
    event_type = EVENT_TYPES.get(action, contracts.DIVISION_EXIT_PROGRESSED)
    await record_change(
        ctx.session,
        events.division_exit_event(event_type, updated, action.value, state.value, body.reason, ctx.actor),
    )
    return await _read(ctx, updated)


async def _read(ctx: Context, row: repository.Row) -> DivisionExitOut:
    history = await repository.history(ctx.session, row["id"])
    return _render(row, await _names(ctx.session, [row["division"]]), ctx.actor, ctx.now, history)


async def read(ctx: Context, exit_id: uuid.UUID) -> DivisionExitOut:
    row = await repository.get_exit(ctx.session, exit_id, *ctx.actor.subtree)
    if row is None:
        raise not_found("division exit")
    return await _read(ctx, row)


async def search(
    ctx: Context, level: str | None, state: str | None, year: int | None, after: str | None, limit: int
) -> keyset.Page[DivisionExitOut]:
    rows = await repository.list_exits(
        ctx.session, *ctx.actor.subtree, level, state, year, keyset.decode(after), limit + 1
    )
    found = keyset.page(rows, limit, "created_at")
    names = await _names(ctx.session, [row["division"] for row in found.items])
    return keyset.convert(found, lambda row: _render(row, names, ctx.actor, ctx.now))


def _public(row: repository.Row, names: dict[str, str]) -> PublicDivisionExit:
    figures = row["indicators"] or {}
    return PublicDivisionExit(
        id=row["id"],
        division=row["division"],
        division_name=names.get(row["division"]),
        level=row["level"],
        year=row["year"],
        state=row["state"],
        incidence_pct=figures.get("incidence_pct"),
        threshold_pct=figures.get("threshold_pct"),
        notice_starts_at=row["notice_starts_at"],
        notice_ends_at=row["notice_ends_at"],
    )


async def public_search(
    session: AsyncSession, division: str | None, level: str | None, after: str | None, limit: int
) -> keyset.Page[PublicDivisionExit]:
    """The procedures whose notice has been put up (running or ended), newest first; no login. A
    division's board holds its subtree's and those of the divisions above it (a village's board shows its
    county's 摘帽 notice)."""
    if division is not None:
        _valid(division)
    lo, hi = divisions.subtree_range(division or divisions.NATION)
    above = divisions.government_chain(division)[1:] if division is not None else []
    rows = await repository.list_exits(
        session,
        lo,
        hi,
        level,
        None,
        None,
        keyset.decode(after),
        limit + 1,
        noticed_only=True,
        ancestors=above,
    )
    found = keyset.page(rows, limit, "created_at")
    names = await _names(session, [row["division"] for row in found.items])
    return keyset.convert(found, lambda row: _public(row, names))
