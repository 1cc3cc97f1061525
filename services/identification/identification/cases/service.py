"""Use cases of the case aggregate. Every transition goes through `apply`: the table decides, the state
changes, a history row records who, when, at which tier and with which finding, and one event is staged —
all in the request's unit of work."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_within
from fupin_kit.outbox import record_change
from fupin_kit.pii import mask_texts
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable
from identification import categories, events, json_limits, keyset, workflow
from identification.cases import income_test, repository, survey
from identification.cases.schemas import (
    EARLIEST_ROUND,
    ActionIn,
    ApiAction,
    CaseFilter,
    CaseIn,
    CaseOut,
    CasePage,
    CategoryIn,
    HistoryOut,
    HouseholdConsent,
    IndividualCheck,
    VillageReviewFinding,
)
from identification.comparisons import repository as comparisons
from identification.comparisons.schemas import EXCLUSION_KINDS
from identification.context import SYSTEM_ACTOR, Context, step_for
from identification.exits import checks as exit_checks
from identification.notices import announcements
from identification.notices import repository as notices
from identification.quotas import service as quotas
from identification.text import not_before, not_future, today

S, A, K = workflow.State, workflow.Action, workflow.Kind
Row = dict[str, Any]
ACTION_FIELDS = ("allowed_actions", "permitted_actions")


def render(case: Row, actor: Actor) -> CaseOut:
    state = S(case["state"])
    allowed = workflow.allowed_actions(state)
    permitted = [
        action.value
        for action in allowed
        if workflow.permits(workflow.transition(state, action), actor.tiers_held, actor.roles)
    ]
    fields = {key: case[key] for key in CaseOut.model_fields if key in case and key not in ACTION_FIELDS}
    if fields.get("category") and not actor.sees_full_identity:
        # The confirmation's reason is what the cadre typed: read above the county as the history reads it.
        fields["category"] = mask_texts(fields["category"])
    return CaseOut(
        **fields,
        allowed_actions=[action.value for action in allowed],
        permitted_actions=permitted,
    )


def finding_row(ctx: Context, case: Row, action: str, detail: dict[str, Any]) -> Row:
    """A history row recording a finding on a case without moving it (its state before and after alike)."""
    return {
        "case_id": case["id"],
        "division": case["division"],
        "action": action,
        "from_state": case["state"],
        "to_state": case["state"],
        "actor": ctx.actor.subject,
        "actor_tier": ctx.actor.tier,
        "at": ctx.now,
        "detail": detail,
    }


async def load(ctx: Context, case_id: uuid.UUID, *, lock: bool = False) -> Row:
    lo, hi = ctx.actor.subtree
    case = await repository.get_case(ctx.session, case_id, lo, hi, lock=lock)
    if case is None:
        raise not_found("case")
    return case


async def apply(
    ctx: Context,
    case: Row,
    action: workflow.Action,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Row:
    """The one way a single case changes state (batches do the same set-based)."""
    state = S(case["state"])
    step = step_for(ctx, state, action)
    target = step.target
    await repository.set_state(ctx.session, case["id"], target.value, workflow.is_active(target), ctx.now)
    await repository.insert_history(
        ctx.session,
        [
            {
                "case_id": case["id"],
                "division": case["division"],
                "action": action.value,
                "from_state": state.value,
                "to_state": target.value,
                "actor": ctx.actor.subject,
                "actor_tier": ctx.actor.tier,
                "at": ctx.now,
                "detail": {**(detail or {}), **({"reason": reason} if reason else {})},
            }
        ],
    )
    await record_change(
        ctx.session, events.case_event(case, action.value, state.value, target.value, ctx.actor, reason)
    )
    if state in workflow.NOTICE_STATES and target in (S.REJECTED, S.WITHDRAWN):
        # A withdrawn or rejected household is no poverty candidate any more: it leaves the public notice
        # (as an upheld objection's case does), and objections to it no longer hold the notice open.
        await notices.unlist_case(ctx.session, case["id"])
    return {
        **case,
        "state": target.value,
        "active": workflow.is_active(target),
        "version": case["version"] + 1,
        "updated_at": ctx.now,
    }


async def carry_exclusions(
    ctx: Context,
    *,
    case_id: uuid.UUID | None = None,
    household_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> list[Row]:
    """A confirmed exclusion (a department hit the county confirmed) keeps blocking: a member on a new or
    still-open case who is the person of a confirmed exclusion hit of another case gets an open blocking
    hit carrying that finding, recorded on the case's history. The county resolves it like any hit:
    confirmed, the case ends; cleared with a reason (the car was sold, the earlier finding was wrong),
    it goes on and the finding is not carried onto that case again."""
    carried = await comparisons.carry_confirmed(
        ctx.session,
        ctx.now,
        sorted(kind.value for kind in workflow.EXCLUSION_COMPARED),
        sorted(kind.value for kind in EXCLUSION_KINDS),
        case_id=case_id,
        household_id=household_id,
        member_id=member_id,
    )
    if not carried:
        return carried
    by_id = {
        row["id"]: row
        for row in await repository.cases_by_id(ctx.session, [hit["case_id"] for hit in carried])
    }
    await repository.insert_history(
        ctx.session,
        [
            finding_row(
                ctx,
                by_id[hit["case_id"]],
                "exclusion_carried",
                {"hit_id": str(hit["id"]), "kind": hit["kind"], "reason": hit["reason"]},
            )
            for hit in carried
        ],
    )
    return carried


async def require_living_members(ctx: Context, household_id: uuid.UUID) -> None:
    if not await repository.has_living_members(ctx.session, household_id):
        raise conflict(
            "nobody lives in the household any more (every member is deceased or gone): it cannot be "
            "identified as poor or monitored",
            code="no-living-members",
        )


def require_opener(ctx: Context) -> None:
    """403 unless the caller may open a case; callers run it before their own eligibility checks, so a
    caller without the power learns nothing about the household from a 422."""
    if ctx.is_system:
        return
    tiers, roles = workflow.OPEN_REQUIREMENT
    if not ctx.actor.holds_tier(*tiers) or not ctx.actor.roles.intersection(roles):
        raise forbidden("a case is opened by a village cadre")


def check_application_year(year: int, now_year: int) -> None:
    """An application names its identification round: a past one (a list completed late, 补录), the
    current one or the next (a list prepared late in the year); a year further ahead would reserve quota
    that has not been decomposed yet. The round never dates the registration: the year a household counts
    as registered in is the year the registry registered it (readmodel.handlers), so naming an earlier
    round cannot make a household registered today look old enough to exit."""
    if year > now_year + 1:
        raise unprocessable(
            f"an application is for a round from {EARLIEST_ROUND} to {now_year + 1} (a past round, the "
            f"current one or the next), not {year}",
            code="year",
            year=year,
        )


# The code of open_case's refusal of a second active case of a kind (a push skips such a household).
CASE_OPEN = "case-open"


async def open_case(
    ctx: Context,
    kind: workflow.Kind,
    household_id: uuid.UUID,
    year: int,
    authorisation: dict[str, Any],
    detail: dict[str, Any],
) -> Row:
    """Open a procedure for a household of the caller's jurisdiction (a village cadre's act)."""
    lo, hi = ctx.actor.subtree
    household = await repository.get_household(ctx.session, household_id, lo, hi)
    if household is None:
        raise not_found("household")
    require_opener(ctx)
    if kind is K.MONITORING:
        active = await identification_in_progress(ctx, household_id)
        if active is not None:
            raise conflict(
                f"the household's identification case {active['id']} is in progress ({active['state']}): "
                "a household is identified as poor or monitored, not both at once",
                code="identification-open",
                case_id=str(active["id"]),
            )
    elif kind is K.IDENTIFICATION:
        await repository.lock_household(ctx.session, household_id)
    initial = workflow.INITIAL[kind]
    case: Row = {
        "id": uuid.uuid4(),
        "kind": kind.value,
        "household_id": household_id,
        "division": household["division"],
        "year": year,
        "state": initial.value,
        "active": True,
        "version": 1,
        "authorisation": authorisation,
        "category": None,
        # Held on the case, so that each later step's event names it as the open event does.
        "discovery": detail.get("discovery") if kind is K.MONITORING else None,
        "opened_by": ctx.actor.subject,
        "opened_at": ctx.now,
        "updated_at": ctx.now,
    }
    try:
        await repository.insert_case(ctx.session, case)
    except repository.CaseAlreadyOpen:
        raise conflict(f"the household already has an open {kind.value} case", code=CASE_OPEN) from None
    await repository.insert_history(
        ctx.session,
        [
            {
                "case_id": case["id"],
                "division": case["division"],
                "action": "open",
                "from_state": None,
                "to_state": initial.value,
                "actor": ctx.actor.subject,
                "actor_tier": ctx.actor.tier,
                "at": ctx.now,
                "detail": detail,
            }
        ],
    )
    await record_change(ctx.session, events.case_event(case, "open", None, initial.value, ctx.actor))
    if kind in workflow.EXCLUSION_COMPARED:
        await carry_exclusions(ctx, case_id=case["id"])
    return case


async def identification_in_progress(ctx: Context, household_id: uuid.UUID) -> Row | None:
    """The household's active identification case, if any, read under the household's lock (held until
    the transaction ends): a monitoring warning is not opened beside it, and an application waits for a
    warning being opened at the same moment, so the two procedures never run side by side."""
    await repository.lock_household(ctx.session, household_id)
    return await repository.active_case(ctx.session, household_id, K.IDENTIFICATION.value)


ENDED_BY_ANNOUNCEMENT = "identified as poor: the household's identification case is announced"
ENDED_BY_REGISTRY = "identified as poor: the registry has the household registered (or returned) as poor"

# Identification cases whose decision is made public: the registry is registering the household as poor.
IDENTIFIED = (S.ANNOUNCED.value,)
POOR = workflow.POOR_STATUSES


async def require_candidate(ctx: Context, case: Row) -> None:
    """An identification goes forward only while the registry does not have its household as poor: one
    registered by another route (the county's own registration) or returned would have its announcement
    refused by the registry, and the case would wait at `announced` for good, holding a quota place."""
    household = await repository.get_household(ctx.session, case["household_id"], *ctx.actor.subtree)
    if household is not None and household["status"] in POOR:
        raise conflict(
            f"the registry has the household as {household['status']!r} (registered as poor) by another "
            "route since the application: this case cannot register it; reject or withdraw it with the reason",
            code="household-status",
            household_status=household["status"],
        )


async def require_not_identified(
    ctx: Context, case: Row, action: workflow.Action = workflow.Action.COUNTY_DECIDE
) -> None:
    """The monitoring decision (county_decide) makes the registry set the household 'monitored', and a
    risk clearance (clear_risk) sets it back to what it was before; the registry refuses both for a
    household registered as poor. Re-checked at those steps against identification's read model of the
    registry (and an announcement not yet applied there), so the two services never silently disagree:
    before the decision the county rejects the monitoring case instead; after it the case ends by itself
    (end_monitoring) once the registration is seen, and it is never cleared."""
    hint = (
        "reject this monitoring case"
        if action is A.COUNTY_DECIDE
        else "it is helped as a poor household and its monitoring ends, it is not cleared"
    )
    household = await repository.get_household(ctx.session, case["household_id"], *ctx.actor.subtree)
    if household is not None and household["status"] in POOR:
        raise conflict(
            f"the registry has the household as {household['status']!r} (registered as poor) since the "
            f"warning was opened: it is not a monitoring object; {hint}",
            code="identified-as-poor",
            household_status=household["status"],
        )
    announced = await repository.cases_in_states(
        ctx.session, case["household_id"], K.IDENTIFICATION.value, IDENTIFIED
    )
    if announced:
        raise conflict(
            f"the household's identification case {announced[0]['id']} is announced: the registry is "
            f"registering it as poor, so it is not a monitoring object; {hint}",
            code="identified-as-poor",
            case_id=str(announced[0]["id"]),
        )


async def end_monitoring(
    ctx: Context,
    household_id: uuid.UUID,
    reason: str,
    detail: dict[str, Any],
    only_in: frozenset[workflow.State] | None = None,
) -> None:
    """The household is (being) registered as poor: its open monitoring case, at whatever step (or only
    at one of `only_in`), ends by the platform's transition (monitor_ended, event monitoring.ended) with
    the reason, so that no later step (a risk clearance, a monitoring decision) contradicts the registry.
    Nothing open: nothing done."""
    open_case_row = await repository.active_case(ctx.session, household_id, K.MONITORING.value)
    if open_case_row is None or (only_in is not None and S(open_case_row["state"]) not in only_in):
        return
    system = Context(ctx.session, SYSTEM_ACTOR, ctx.now)
    await apply(system, open_case_row, A.END_MONITORING, detail, reason)


# A household registered as poor (registered, or returned to poverty) is not identified again: the
# registry could register neither, and the case's forward steps are refused for it (require_candidate).
APPLICANT_STATUSES = ("candidate", "monitored")


async def apply_for(ctx: Context, body: CaseIn) -> CaseOut:
    lo, hi = ctx.actor.subtree
    household = await repository.get_household(ctx.session, body.household_id, lo, hi)
    if household is None:
        raise not_found("household")
    require_opener(ctx)
    check_application_year(body.year, ctx.year)
    not_future(
        body.authorisation.signed_on,
        ctx.now,
        ["body", "authorisation", "signed_on"],
        "the authorisation's signature date",
    )
    # The authorisation is signed for this application: on paper before the cadre records it, but within
    # the identification round (a yearly round, 动态调整) it belongs to or the one before. An application
    # for a past round (补录) may carry that round's paper, so the floor is 1 January of the year before the
    # earlier of the round and the current year; an older signature is not consent to today's checks.
    earliest = dt.date(min(body.year, ctx.year) - 1, 1, 1)
    not_before(
        body.authorisation.signed_on,
        earliest,
        ["body", "authorisation", "signed_on"],
        "the authorisation's signature date",
        f"an authorisation is signed in the application's round or the year before ({earliest.year})",
    )
    # A monitored household found poor goes through the whole procedure like a candidate (the registry
    # then registers it, or records its return to poverty if it had exited).
    if household["status"] not in APPLICANT_STATUSES:
        raise conflict(f"a household in status {household['status']!r} cannot apply", code="household-status")
    await require_living_members(ctx, body.household_id)
    authorisation = body.authorisation.model_dump(mode="json")
    case = await open_case(
        ctx,
        K.IDENTIFICATION,
        body.household_id,
        body.year,
        authorisation,
        {"authorisation": authorisation, "proposed_by_cadre": body.proposed_by_cadre},
    )
    return render(case, ctx.actor)


def finding_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """The same {loc, msg, type} list the request validation 422s carry, located under `finding`."""
    return [
        {
            "loc": ["body", "finding", *(str(part) for part in error["loc"])],
            "msg": str(error["msg"]),
            "type": str(error["type"]),
        }
        for error in exc.errors(include_url=False)
    ]


FindingT = TypeVar("FindingT", bound=BaseModel)


def parsed_finding(model: type[FindingT], body: ActionIn, detail: str, code: str | None = None) -> FindingT:
    """The step's finding read as `model`, or the 422 saying what the step needs, with the finding's own
    field errors (finding_errors)."""
    try:
        return model.model_validate(body.finding)
    except ValidationError as exc:
        coded = {} if code is None else {"code": code}
        raise unprocessable(detail, errors=finding_errors(exc), **coded) from None


def opened_on(case: Row) -> dt.date:
    """The day (in China) the case was opened: no step of its procedure is dated before it."""
    opened: dt.datetime = case["opened_at"]
    return today(opened)


def check_assembly(ctx: Context, vote: VillageReviewFinding, earliest: dt.date, since: str) -> None:
    """A village assembly's record, as any review by the assembly needs it (an application's, an exit's):
    held neither after today nor before `earliest` (`since` says why), with two thirds of the
    representatives present. Whether the vote passed is the caller's to act on."""
    loc = ["body", "finding", "meeting_on"]
    not_future(vote.meeting_on, ctx.now, loc, "the assembly's meeting date")
    not_before(vote.meeting_on, earliest, loc, "the assembly's meeting date", since)
    if not workflow.attendance_ok(vote.representatives, vote.present):
        raise unprocessable("fewer than two thirds of the representatives were present", code="quorum")


def _village_review(ctx: Context, case: Row, body: ActionIn) -> VillageReviewFinding:
    finding = parsed_finding(
        VillageReviewFinding, body, "the village review needs the assembly's attendance and vote"
    )
    check_assembly(
        ctx,
        finding,
        opened_on(case),
        "the assembly reviews a case opened (and verified) on or after that day",
    )
    return finding


# The decisions that end a case for good, taken through the API: each must say why (domain.md §3: every
# step records its finding), in the history and the event. The other endings carry their own: a failed
# vote its tally, a confirmed comparison hit the county's reason, an upheld objection the township's.
REASONED: dict[workflow.Action, str] = {A.REJECT: "a rejection", A.WITHDRAW: "a withdrawal"}


def vote_failed_reason(vote: VillageReviewFinding) -> str:
    """The reason a failed assembly vote records when the cadre typed none: the tally itself."""
    return (
        f"the village assembly's vote failed: {vote.votes_for} for, {vote.votes_against} against, "
        f"{vote.abstentions} abstaining of {vote.present} present"
    )


# The field surveys (入户核实): a free-form finding, whose survey date (visited_on), if any, is checked.
SURVEYS = (A.VERIFY, A.EXIT_VERIFY, A.VISIT)


# The steps that are the household's own agreement: the cadre records who signed and when.
CONSENTS: dict[workflow.Action, str] = {
    A.HOUSEHOLD_CONFIRM: "the household's confirmation of its exit",
    A.AUTHORISE: "the household's authorisation",
}


def _consent(ctx: Context, case: Row, body: ActionIn, what: str) -> HouseholdConsent:
    consent = parsed_finding(
        HouseholdConsent,
        body,
        f"{what}: the household's signature is required: who signed (signed_by) and, if not today, "
        "when (signed_on)",
        "signature-required",
    )
    # A finding that says outright the household did not sign is a refusal, not a step taken: the procedure
    # must not go on without the household's consent.
    if "signed" in body.finding and not TypeAdapter(bool).validate_python(body.finding["signed"]):
        raise unprocessable(
            f"{what}: the household's signature is required; a finding with signed: false does not take "
            "this step",
            code="signature-required",
            errors=[
                {
                    "loc": ["body", "finding", "signed"],
                    "msg": "the household did not sign",
                    "type": "signature_required",
                }
            ],
        )
    if consent.signed_on is None:
        return consent.model_copy(update={"signed_on": today(ctx.now)})
    not_future(consent.signed_on, ctx.now, ["body", "finding", "signed_on"], f"the date of {what}")
    not_before(
        consent.signed_on,
        opened_on(case),
        ["body", "finding", "signed_on"],
        f"the date of {what}",
        "the household signs for a case opened on or after that day",
    )
    return consent


async def _individual_check(
    ctx: Context, case_id: uuid.UUID, action: workflow.Action, body: ActionIn
) -> dict[str, Any]:
    """The record of a list-wide step (township review, county approval) decided for one case on its own.
    The list is reviewed by a batch's spot-check (domain.md §3: at least 20 % / 10 %); deciding a case on
    its own is for the cases a batch leaves (a failed check, a skipped or late case, a list of one) and is
    a full check of that case, so it carries the reviewer's finding (passed, note), and is refused while a
    drawn batch covers the case: its spot-check is decided with the batch, not around it."""
    covering = await repository.open_batch_of_case(ctx.session, case_id, action.value)
    if covering is not None:
        raise conflict(
            f"batch {covering} is drawn over this case and not decided yet: decide the batch (or withdraw it "
            "with a reason) first",
            code="batch-open",
            batch_id=str(covering),
        )
    spot_check: dict[str, Any] = {"individual": True}
    failed = await repository.unaddressed_failed_check(ctx.session, case_id, action.value)
    if failed is not None:
        # The case failed a batch's spot-check at this step: deciding it one by one must say how the
        # finding was addressed, and the decision records both.
        note = failed["detail"].get("note") or ""
        if not (body.reason or "").strip():
            raise conflict(
                f"the case failed the spot-check of batch {failed['batch_id']} ({note or 'no note'}): "
                "give the reason the finding is addressed, or reject the case",
                code="spot-check-failed",
                batch_id=str(failed["batch_id"]),
                note=note,
            )
        spot_check["failed_check"] = {"batch_id": str(failed["batch_id"]), "note": note}
    check = parsed_finding(
        IndividualCheck,
        body,
        f"decided on its own, {action.value} records the reviewer's check of the case: finding {{passed, note}}",
        "check-required",
    )
    if not check.passed:
        raise unprocessable(
            f"the check did not pass: {action.value} is not taken; reject the case with the reason instead",
            code="check-failed",
            errors=[
                {"loc": ["body", "finding", "passed"], "msg": "the check failed", "type": "check_failed"}
            ],
        )
    recorded = check.model_dump(mode="json")
    return {"finding": recorded, "spot_check": {**spot_check, **recorded, "by": ctx.actor.subject}}


async def _months_monitored(ctx: Context, case: Row) -> float:
    since = await repository.last_step_at(ctx.session, case["id"], A.COUNTY_DECIDE.value)
    if since is None:
        return 0.0
    return (ctx.now - since).total_seconds() / (30.4375 * 86400)


# The steps that apply the identification test (cases/income_test.py): the verification, where the survey
# meets the registry's income, and the county's approval, which decides the household is poor.
INCOME_TESTED = (A.VERIFY, A.COUNTY_APPROVE)


async def _income_test(ctx: Context, case: Row, action: workflow.Action) -> dict[str, Any]:
    household = await repository.get_household(ctx.session, case["household_id"], *ctx.actor.subtree)
    return await income_test.checked(ctx.session, case, household, recheck=action is A.COUNTY_APPROVE)


async def advance(ctx: Context, case_id: uuid.UUID, api_action: ApiAction, body: ActionIn) -> CaseOut:
    action = A(api_action.value)
    case = await load(ctx, case_id, lock=True)
    state = S(case["state"])
    step_for(ctx, state, action)  # 409 / 403 before any action-specific check
    if action in REASONED and body.reason is None:
        raise unprocessable(
            f"{REASONED[action]} must give its reason (reason): it closes the case for good, and the "
            "household and the tiers above read why in the history",
            code="reason-required",
            errors=[{"loc": ["body", "reason"], "msg": "a reason is required", "type": "reason_required"}],
        )
    detail: dict[str, Any] = {"finding": body.finding} if body.finding else {}
    kind = K(case["kind"])
    if action in workflow.NEEDS_LIVING_MEMBERS:
        await require_living_members(ctx, case["household_id"])
    if kind is K.IDENTIFICATION and action in workflow.IDENTIFICATION_FORWARD:
        await require_candidate(ctx, case)
    if action is A.VILLAGE_REVIEW:
        vote = _village_review(ctx, case, body)
        detail = {"finding": vote.model_dump(mode="json")}
        if not workflow.vote_passes(vote.present, vote.votes_for, vote.votes_against):
            reason = body.reason or vote_failed_reason(vote)
            return render(
                await apply(ctx, case, A.REJECT, {**detail, "outcome": "vote failed"}, reason), ctx.actor
            )
        if kind is K.IDENTIFICATION:
            await quotas.ensure_room_for_cases(ctx, [case_id], quotas.PAST_VILLAGE_REVIEW)
    elif action in SURVEYS:
        if not body.finding:
            raise unprocessable(
                "the verification needs its survey findings",
                code="survey-required",
                errors=[
                    {
                        "loc": ["body", "finding"],
                        "msg": "survey findings are required",
                        "type": "survey_required",
                    }
                ],
            )
        survey.check_visit_date(body.finding, ctx.now, opened_on(case))
    elif action in CONSENTS:
        detail = {"finding": _consent(ctx, case, body, CONSENTS[action]).model_dump(mode="json")}
    if workflow.blocked_by_open_hit(state, action) and await repository.open_blocking_hits(
        ctx.session, case_id
    ):
        raise conflict("a department comparison hit blocks this case until it is resolved", code="blocked")
    if action is A.COUNTY_APPROVE:
        await quotas.ensure_room_for_cases(ctx, [case_id], quotas.PAST_COUNTY_APPROVAL)
    if action in workflow.MIN_SPOT_CHECK and kind is K.IDENTIFICATION:
        detail.update(await _individual_check(ctx, case_id, action, body))
    if kind is K.IDENTIFICATION and action in INCOME_TESTED:
        detail.update(await _income_test(ctx, case, action))
    if action is A.CLEAR_RISK:
        await require_not_identified(ctx, case, action)
        detail["clearance"] = await _check_clearance(ctx, case)
    if action is A.COUNTY_DECIDE:
        await require_not_identified(ctx, case)
    if action is A.EXIT_ANNOUNCE:
        # The household's income may have been corrected since the proposal: the step that makes it
        # exited judges the exit against what the registry holds now.
        opened = await repository.opening_detail(ctx.session, case["id"])
        detail["poverty_line"] = await exit_checks.recheck(
            ctx, case["household_id"], case["year"], opened.get("assurances") or {}
        )
    if action in announcements.ANNOUNCING:
        # The decision goes on its village's announcement (公告) on the public board, in this transaction.
        detail.update(await announcements.post(ctx, case, action))
    moved = await apply(ctx, case, action, detail, body.reason)
    if action is A.ANNOUNCE and kind is K.IDENTIFICATION:
        # The decision is public and the registry is registering the household as poor.
        await end_monitoring(
            ctx,
            case["household_id"],
            ENDED_BY_ANNOUNCEMENT,
            {"identification_case": str(case["id"])},
        )
    return render(moved, ctx.actor)


async def _check_clearance(ctx: Context, case: Row) -> dict[str, Any]:
    from identification import regions
    from identification.exits import monitoring

    configured = await regions.decimal(ctx.session, case["division"], "risk_clearance_months", "6")
    # Six months is the domain's floor: a region may ask for longer, never for less, whatever is stored.
    months = max(configured, regions.MIN_RISK_CLEARANCE_MONTHS)
    if await _months_monitored(ctx, case) < float(months):
        raise conflict(f"risk is cleared only after {months} months of stable income", code="too-early")
    members = await repository.household_members(ctx.session, case["household_id"])
    if members and all(member["labour_capacity"] in categories.NO_LABOUR for member in members):
        raise conflict("a household with no labour capacity stays monitored", code="no-labour")
    failed, facts = await monitoring.clearance_failures(
        ctx.session, case["household_id"], case["division"], ctx.now
    )
    if failed:
        raise conflict("the income is not stable above the monitoring line", code="income", failed=failed)
    return facts


async def flag_exclusion(ctx: Context, case: Row, hit: Row, reason: str) -> None:
    """Record a confirmed exclusion on a case past its decision (its state does not change) and publish
    it, so the county's 清退 review has both the fact and the event."""
    detail = {"hit_id": str(hit["id"]), "kind": hit["kind"], "reason": reason, "review": events.EXIT_REVIEW}
    await repository.insert_history(ctx.session, [finding_row(ctx, case, "exclusion_confirmed", detail)])
    await record_change(ctx.session, events.exclusion_event(case, hit, reason, ctx.actor))


async def read(ctx: Context, case_id: uuid.UUID) -> CaseOut:
    return render(await load(ctx, case_id), ctx.actor)


async def history(ctx: Context, case_id: uuid.UUID) -> list[HistoryOut]:
    await load(ctx, case_id)
    # A finding stored nested too deep to answer (before findings were bounded) shows as a placeholder
    # rather than failing the whole history.
    rows = [
        {**row, "detail": json_limits.shown(row["detail"])}
        for row in await repository.list_history(ctx.session, case_id)
    ]
    if not ctx.actor.sees_full_identity:
        # Findings and reasons are what cadres typed (a survey note may quote an ID card or a phone).
        rows = [{**row, "detail": mask_texts(row["detail"])} for row in rows]
    return [HistoryOut.model_validate(row) for row in rows]


def encode_cursor(division: str, case_id: uuid.UUID) -> str:
    return keyset.pack(division, case_id)


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    return keyset.unpack(cursor, divisions.validate)


async def search(
    ctx: Context, division: str | None, filters: CaseFilter, after: str | None, limit: int
) -> CasePage:
    lo, hi = ctx.actor.subtree
    if division is not None:
        require_within(ctx.actor, division, "division")
        lo, hi = divisions.subtree_range(division)
    rows = await repository.search(
        ctx.session, lo, hi, filters, None if after is None else decode_cursor(after), limit
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1]["division"], rows[-1]["id"]) if more and rows else None
    return CasePage(items=[render(row, ctx.actor) for row in rows], next_cursor=cursor)


async def suggest_category(ctx: Context, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = await load(ctx, case_id)
    lo, hi = ctx.actor.subtree
    household = await repository.get_household(ctx.session, case["household_id"], lo, hi)
    if household is None:
        raise not_found("household")
    members = await repository.household_members(ctx.session, case["household_id"])
    return [
        asdict(item)
        for item in categories.suggest(household["main_cause"], household["other_causes"], members)
    ]


async def confirm_category(ctx: Context, case_id: uuid.UUID, body: CategoryIn) -> CaseOut:
    case = await load(ctx, case_id, lock=True)
    if ctx.actor.tier != "village" or not ctx.actor.has_role("cadre"):
        raise forbidden("a village cadre confirms the support category")
    if not case["active"] and case["state"] != "registered":
        # Rejected or withdrawn: no household is assisted on this case. A registered household's category
        # is confirmed (or revised) as its assistance is planned, so registered cases stay open to it.
        raise conflict(f"the case is closed ({case['state']})", code="case-closed", state=case["state"])
    unknown = set(body.categories) - set(categories.CATEGORIES)
    if unknown:
        raise unprocessable(f"unknown categories: {', '.join(sorted(unknown))}")
    suggested = await suggest_category(ctx, case_id)
    category = {
        "confirmed": body.categories,
        "suggested": suggested,
        "confirmed_by": ctx.actor.subject,
        "reason": body.reason,
    }
    await repository.set_state(
        ctx.session, case_id, case["state"], case["active"], ctx.now, category=category
    )
    await repository.insert_history(ctx.session, [finding_row(ctx, case, "category_confirmed", category)])
    await record_change(ctx.session, events.category_event(case, body.categories, body.reason, ctx.actor))
    return render({**case, "category": category, "version": case["version"] + 1}, ctx.actor)
