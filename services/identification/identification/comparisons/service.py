"""Department comparison (信息比对). A department's system pushes a list; resident IDs are reduced to blind
indexes at once and never stored in clear. Matches against members of active cases become hits: exclusion
kinds block the case until a county officer resolves the hit, the others warn. Monitoring pushes above
the region's threshold also open a monitoring warning (the first of the nine steps)."""

from __future__ import annotations

import uuid
from typing import Any

from fupin_contracts import identification as contracts
from fupin_kit.auth import client_scopes
from fupin_kit.auth.actor import Actor
from fupin_kit.outbox import record_change
from fupin_kit.pii import InvalidResidentId, PiiCipher, mask_texts, validate_resident_id
from fupin_kit.problems import ProblemError, conflict, forbidden, not_found, unprocessable
from identification import events, regions, workflow
from identification.cases import repository as case_repository
from identification.cases import service as cases
from identification.comparisons import repository
from identification.comparisons.schemas import (
    EXCLUSION_KINDS,
    REASONS,
    HitOut,
    HitOutcome,
    HitResolutionIn,
    PushIn,
    PushKind,
    PushOut,
    SkippedWarnings,
)
from identification.context import SYSTEM_ACTOR, Context

SERVICE = "identification"
# The operation scope of POST /comparisons/pushes (its route declares it); narrowed per list kind.
PUSH_OPERATION = contracts.PUSH_OPERATION

THRESHOLD_KEYS: dict[PushKind, str] = {
    PushKind.MEDICAL_SELF_PAID: "threshold.medical_self_paid",
    PushKind.EDUCATION_FEES: "threshold.education_fees",
}


def matched_kinds(kind: PushKind) -> list[str]:
    """The procedures whose open cases a list is matched against: an exclusion list only those with a
    comparison step (never an exit); a warning list (costs, disasters) informs every open case."""
    kinds = workflow.EXCLUSION_COMPARED if kind in EXCLUSION_KINDS else frozenset(workflow.Kind)
    return sorted(case_kind.value for case_kind in kinds)


def is_department(actor: Actor) -> bool:
    """A departmental system: a client account, or a person token with the department role."""
    return actor.kind == "client" or actor.has_role("department")


def pushes_only(actor: Actor) -> bool:
    """Whether the token is a departmental client that can push lists and read nothing the pushes change:
    each of its scopes is the push operation (whole or narrowed to list kinds) or the feed, whose
    identification events the gateway withholds from a token that may push. A person account reads
    cases and households in its jurisdiction whatever its roles."""
    if actor.kind != "client" or actor.scopes is None:
        return False
    return client_scopes.only(actor.scopes, PUSH_OPERATION, client_scopes.FEED_READ)


def check_push_account(actor: Actor) -> None:
    """Above the county a push is told only what it sent and its hits are not shown (QA10-P3), but a token
    that also reads (cases, their history, households) could watch what each push of candidate numbers
    changed and learn which of them belong to people in cases. The county and below see full identities,
    so there any departmental system, a person account with the department role included, may push."""
    if not is_department(actor):
        raise forbidden("lists are pushed by a departmental system")
    if not actor.sees_full_identity and not pushes_only(actor):
        raise ProblemError(
            403,
            "Forbidden",
            "above the county a departmental system pushes its lists as a client granted nothing but the "
            "comparisons:push scopes (and feeds.read)",
            kind="forbidden",
            code="push-only-account",
        )


async def push(ctx: Context, body: PushIn, cipher: PiiCipher) -> PushOut:
    check_push_account(ctx.actor)
    # A department's system registered for its own lists (comparisons:push:<kind>) pushes only those: the
    # medical-insurance bureau's client cannot file a payroll list that blocks applications.
    allowed = client_scopes.narrowed(ctx.actor.scopes, SERVICE, PUSH_OPERATION)
    if allowed is not None and body.kind.value not in allowed:
        kinds = ", ".join(sorted(allowed)) or "no"
        raise forbidden(f"this system may push {kinds} lists, not {body.kind.value}")
    entries = []
    for seq, entry in enumerate(body.entries):
        try:
            resident_id = validate_resident_id(entry.resident_id)
        except InvalidResidentId as exc:
            raise unprocessable(f"entry {seq}: {exc}") from None
        entries.append(
            {
                "seq": seq,
                "person_index": cipher.blind_index(resident_id),
                "amount": entry.amount,
                "detail": entry.detail,
            }
        )
    push_id = uuid.uuid4()
    await repository.insert_push(
        ctx.session,
        {
            "id": push_id,
            "kind": body.kind.value,
            "department": body.department,
            "division": ctx.actor.division,
            "pushed_by": ctx.actor.subject,
            "entry_count": len(entries),
            "pushed_at": ctx.now,
        },
        [{"push_id": push_id, **entry} for entry in entries],
    )
    lo, hi = ctx.actor.subtree
    # Each matched household is compared with the threshold of its own division (the county's setting,
    # or a more specific one below it), never the pushing system's: a provincial bureau's list must not
    # apply the province's figure to a county that set a lower one.
    thresholds = None
    if body.kind in THRESHOLD_KEYS:
        thresholds = await regions.decimals(
            ctx.session,
            await repository.matched_divisions(ctx.session, push_id, lo, hi),
            THRESHOLD_KEYS[body.kind],
            "10000",
        )
    effect = "block" if body.kind in EXCLUSION_KINDS else "warn"
    await repository.lock_kind(ctx.session, matching_lock(body.kind))
    found = await repository.match_cases(
        ctx.session,
        push_id,
        lo,
        hi,
        effect,
        REASONS[body.kind],
        body.kind.value,
        ctx.now,
        thresholds,
        matched_kinds(body.kind),
    )
    await _record_hits(ctx, found, push_id, body.department)
    hits = len(found)
    opened = 0
    skipped = 0
    if body.kind not in EXCLUSION_KINDS:
        system = Context(ctx.session, SYSTEM_ACTOR, ctx.now)
        # A kind without an amount threshold (a disaster list) warns on the match itself.
        for household in await repository.households_over_threshold(
            ctx.session, push_id, lo, hi, body.kind.value, thresholds
        ):
            amount = None if household["amount"] is None else str(household["amount"])
            # Read again under the household's lock: an application made since the query counts too.
            active = await cases.identification_in_progress(system, household["household_id"])
            if active is not None:
                await _record_skipped(system, active, push_id, body.kind, amount)
                skipped += 1
                continue
            if await _open_warning(system, household["household_id"], push_id, body.kind, amount):
                opened += 1
    outcome = PushOut(
        id=push_id,
        kind=body.kind.value,
        entries=len(entries),
        hits=hits,
        warnings_opened=opened,
        warnings_skipped=skipped,
        skipped=[SkippedWarnings(code=IDENTIFICATION_OPEN, reason=SKIPPED_REASON, households=skipped)]
        if skipped
        else [],
    )
    if ctx.actor.sees_full_identity:
        return outcome
    # QA10-P3: counts over hand-made lists are an oracle for the hidden digits of masked IDs.
    withheld: dict[str, Any] = {
        "hits": None,
        "warnings_opened": None,
        "warnings_skipped": None,
        "skipped": [],
    }
    return outcome.model_copy(update={**withheld, "outcome_withheld": True})


# Every list that can open monitoring warnings takes this one lock: two such lists pushed at once would
# each read a household as having no monitoring case and both open one (the second refused by the unique
# index, its whole list lost). Serialised, the second reads the first's warning and skips the household, as
# it does when pushed later. An exclusion list opens no case: its own kind's lock is enough for its hits.
WARNINGS_LOCK = "monitoring_warnings"


def matching_lock(kind: PushKind) -> str:
    return kind.value if kind in EXCLUSION_KINDS else WARNINGS_LOCK


async def _open_warning(
    system: Context, household_id: uuid.UUID, push_id: uuid.UUID, kind: PushKind, amount: str | None
) -> bool:
    """Open the monitoring warning; False if the household has an open monitoring case by now (a cadre
    opened one by hand since the households were read: the push lock does not cover that path). The
    household is then skipped as one already monitored is, and the rest of the list stands (open_case's
    insert is in a savepoint, so the refusal leaves the transaction usable)."""
    try:
        await cases.open_case(
            system,
            workflow.Kind.MONITORING,
            household_id,
            system.year,
            {},
            {
                "source": "department_push",
                # How the household came to notice, as a monitoring case opened by hand names it: the
                # open event carries it, and the feeds above the county withhold what a push opened.
                "discovery": contracts.DISCOVERED_BY_PUSH,
                "push_id": str(push_id),
                "kind": kind.value,
                "amount": amount,
                "monitored_type": "sudden_hardship",
            },
        )
    except ProblemError as refused:
        if refused.extensions.get("code") == cases.CASE_OPEN:
            return False
        raise
    return True


IDENTIFICATION_OPEN = "identification-open"
SKIPPED_REASON = (
    "an identification case of the household is in progress: a household is identified as poor or "
    "monitored, not both; the list's finding is a hit on that case instead"
)


async def _record_skipped(
    ctx: Context, case: dict[str, Any], push_id: uuid.UUID, kind: PushKind, amount: str | None
) -> None:
    """The warning not opened, on the identification case's history: the finding stays visible to the
    cadres and officers reviewing it (beside the warn hit the same push left on the case)."""
    detail = {
        "push_id": str(push_id),
        "kind": kind.value,
        "amount": amount,
        "code": IDENTIFICATION_OPEN,
        "reason": SKIPPED_REASON,
    }
    await case_repository.insert_history(
        ctx.session, [cases.finding_row(ctx, case, "monitoring_warning_skipped", detail)]
    )


async def _record_hits(
    ctx: Context, found: list[dict[str, Any]], push_id: uuid.UUID, department: str
) -> None:
    """Each hit opened, on its case's history (the case does not move): what the department's list found,
    whether it blocks the case, and who pushed it."""
    if not found:
        return
    details = {
        hit["id"]: hit["detail"] for hit in await repository.hits_by_id(ctx.session, [h["id"] for h in found])
    }
    by_id = {
        case["id"]: case
        for case in await case_repository.cases_by_id(ctx.session, [hit["case_id"] for hit in found])
    }
    await case_repository.insert_history(
        ctx.session,
        [
            cases.finding_row(
                ctx,
                by_id[hit["case_id"]],
                HIT_OPENED,
                {
                    "hit_id": str(hit["id"]),
                    "push_id": str(push_id),
                    "department": department,
                    "kind": hit["kind"],
                    "effect": hit["effect"],
                    "reason": hit["reason"],
                    "amount": None if hit["amount"] is None else str(hit["amount"]),
                    # Whose entry it is and what the list said: the finding the county clears or confirms
                    # (stored as typed; the history masks it above the county).
                    "member_id": str(hit["member_id"]),
                    "detail": details[hit["id"]],
                },
            )
            for hit in found
        ],
    )
    for hit in found:
        await record_change(
            ctx.session,
            events.hit_event(
                by_id[hit["case_id"]],
                {**hit, "status": "open", "detail": details[hit["id"]]},
                ctx.actor,
                push_id=push_id,
                department=department,
            ),
        )


# The history actions of a hit: opened by a department's list, resolved by the county.
HIT_OPENED = "comparison_hit"
HIT_RESOLVED = {
    HitOutcome.CLEARED: "comparison_hit_cleared",
    HitOutcome.CONFIRMED: "comparison_hit_confirmed",
}


async def resolve(ctx: Context, hit_id: uuid.UUID, body: HitResolutionIn) -> HitOut:
    lo, hi = ctx.actor.subtree
    hit = await repository.get_hit(ctx.session, hit_id, lo, hi, lock=True)
    if hit is None:
        raise not_found("hit")
    if not ctx.actor.holds_tier("county") or not ctx.actor.has_role("officer"):
        raise forbidden("a comparison hit is resolved by a county officer")
    if hit["status"] != "open":
        raise conflict("the hit is already resolved", code="resolved")
    await repository.resolve_hit(
        ctx.session, hit_id, body.outcome.value, ctx.actor.subject, ctx.now, body.reason
    )
    case = await cases.load(ctx, hit["case_id"], lock=True)
    # On the case's record before what the resolution does to it (a confirmed exclusion rejects it next).
    detail = {
        "hit_id": str(hit_id),
        "kind": hit["kind"],
        "effect": hit["effect"],
        "outcome": body.outcome.value,
        "reason": body.reason,
    }
    await case_repository.insert_history(
        ctx.session, [cases.finding_row(ctx, case, HIT_RESOLVED[body.outcome], detail)]
    )
    await record_change(
        ctx.session,
        events.hit_event(
            case,
            {**hit, "status": body.outcome.value},
            ctx.actor,
            push_id=hit["push_id"],
            resolved_by=ctx.actor.subject,
            resolution=mask_texts(body.reason),
        ),
    )
    if body.outcome is HitOutcome.CONFIRMED and hit["effect"] == "block":
        state = workflow.State(case["state"])
        if workflow.ends_on_confirmed_exclusion(state):
            # A confirmed exclusion ends a case still under review: the household does not qualify.
            system = Context(ctx.session, SYSTEM_ACTOR, ctx.now)
            await cases.apply(
                system,
                case,
                workflow.Action.REJECT,
                {"hit_id": str(hit_id), "kind": hit["kind"]},
                body.reason,
            )
        elif state in workflow.FLAGGED_AFTER_DECISION:
            # Announced (the registry acts on it) or registered: too late to reject, so the household is
            # flagged for 清退 review — recorded on the case and published for the county and the registry.
            await cases.flag_exclusion(ctx, case, hit, body.reason)
        # The finding is on the person, not only this case: another open case with them as a member
        # (they moved household, or a parallel procedure) is blocked by it too.
        await cases.carry_exclusions(ctx, member_id=hit["member_id"])
    updated = await repository.get_hit(ctx.session, hit_id, lo, hi)
    assert updated is not None
    return render_hit(updated, ctx.actor)


async def search(ctx: Context, case_id: uuid.UUID | None, status: str | None) -> list[HitOut]:
    if is_department(ctx.actor) and not ctx.actor.sees_full_identity:
        # Watching hits appear after its own pushes would tell a system above the county which of the ID
        # numbers it tried are people in cases, as the push's counts would (QA10-P3).
        raise forbidden(
            "a departmental system above the county is not shown the hits of its lists: the county resolves them"
        )
    lo, hi = ctx.actor.subtree
    return [
        render_hit(row, ctx.actor)
        for row in await repository.search_hits(ctx.session, lo, hi, case_id, status)
    ]


def render_hit(row: dict[str, Any], actor: Actor) -> HitOut:
    """Above the county, an ID or mobile number an officer typed into the resolution (or a department put
    in its list's reason or its entry's detail) is masked; the county and below read them as typed, as
    the county reads an objection's text."""
    if actor.sees_full_identity:
        return HitOut.model_validate(row)
    return HitOut.model_validate(
        {
            **row,
            "reason": mask_texts(row["reason"]),
            "resolution": mask_texts(row["resolution"]),
            "detail": mask_texts(row.get("detail")),
        }
    )
