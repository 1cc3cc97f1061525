"""Event builders: every case transition becomes one CloudEvents envelope with the case's village code as
its division and `case/<id>` as its subject (one partition key per case).

Every free-text field of a payload (a reason, a resolution, a note) is published through `_published`: what
people type may quote a resident ID or a mobile number, and a payload never carries a full resident ID
(fupin_contracts). The service's own records keep the text as typed."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from fupin_contracts import identification as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.pii import mask_text

SERVICE = "identification"
AGGREGATE = "case"
# What a confirmed exclusion on a registered household calls for: 清退, the county's review of removal.
EXIT_REVIEW = "exit_review"


def _published(typed: str | None) -> str | None:
    """Typed text as an event may carry it: any resident ID, mobile number, landline or bank account in it
    masked. A domain topic reaches every consumer, the dead-letter topic and the outbox's retention."""
    return None if typed is None else mask_text(typed)


def _case_ref(case: dict[str, Any]) -> dict[str, Any]:
    """What every case event says of its case, whatever else it carries."""
    return {
        "case_id": case["id"],
        "kind": case["kind"],
        "household_id": case["household_id"],
        "division": case["division"],
        "year": case["year"],
    }


def _envelope(
    event_type: str, aggregate: str, aggregate_id: str, division: str, payload: BaseModel, actor: Actor
) -> Envelope:
    return new_event(
        service=SERVICE,
        type=event_type,
        aggregate=aggregate,
        aggregate_id=aggregate_id,
        division=division,
        data=payload.model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )


def case_event(
    case: dict[str, Any],
    action: str,
    from_state: str | None,
    to_state: str,
    actor: Actor,
    reason: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> Envelope:
    """The event of one step of a case. A monitoring case's every step names how its household came to
    notice (the case's `discovery`), not only its opening: the feeds above the county withhold each step
    of a warning a department's list opened by it (fupin_contracts DISCOVERED_BY_PUSH)."""
    payload = contracts.CaseTransitionedV1(
        **_case_ref(case),
        action=action,
        from_state=from_state,
        to_state=to_state,
        batch_id=batch_id,
        reason=_published(reason),
        discovery=case.get("discovery"),
    )
    return _envelope(
        contracts.event_type(case["kind"], action),
        AGGREGATE,
        str(case["id"]),
        case["division"],
        payload,
        actor,
    )


def objection_event(ticket: dict[str, Any], case: dict[str, Any], actor: Actor) -> Envelope:
    """A ticket opened (status open) or resolved; its subject is the case, so it orders with the case. It
    names the case's `discovery`, as the case's steps do: an objection to a warning a department's list
    opened is withheld above the county like the warning."""
    payload = contracts.ObjectionV1(
        objection_id=ticket["id"],
        notice_id=ticket["notice_id"],
        case_id=ticket["case_id"],
        division=ticket["division"],
        status=ticket["status"],
        opened_at=ticket["opened_at"],
        due_at=ticket["due_at"],
        resolved_by=ticket.get("resolved_by"),
        resolution=_published(ticket.get("resolution")),
        discovery=case.get("discovery"),
    )
    return _envelope(
        contracts.OBJECTION_OPENED if ticket["status"] == "open" else contracts.OBJECTION_RESOLVED,
        AGGREGATE,
        str(ticket["case_id"]),
        ticket["division"],
        payload,
        actor,
    )


def quota_event(adjustment: dict[str, Any], actor: Actor) -> Envelope:
    payload = contracts.QuotaSetV1(
        division=adjustment["division"],
        year=adjustment["year"],
        before=adjustment["before"],
        after=adjustment["after"],
        reason=_published(adjustment["reason"]),
    )
    return _envelope(
        contracts.QUOTA_SET,
        "quota",
        f"{adjustment['division']}/{adjustment['year']}",
        adjustment["division"],
        payload,
        actor,
    )


def exclusion_event(case: dict[str, Any], hit: dict[str, Any], reason: str, actor: Actor) -> Envelope:
    """A confirmed exclusion hit on an announced or registered case (flagged for 清退 review)."""
    payload = contracts.ExclusionConfirmedV1(
        **_case_ref(case),
        state=case["state"],
        hit_id=hit["id"],
        hit_kind=hit["kind"],
        reason=_published(reason),
        review=EXIT_REVIEW,
    )
    return _envelope(
        contracts.EXCLUSION_CONFIRMED, AGGREGATE, str(case["id"]), case["division"], payload, actor
    )


def hit_event(case: dict[str, Any], hit: dict[str, Any], actor: Actor, **extra: Any) -> Envelope:
    """A comparison hit opened (status open) or resolved (cleared / confirmed); its subject is the case.
    `hit` carries the entry's detail when the list gave one (repository.get_hit, or as found on a push)."""
    payload = contracts.ComparisonHitV1(
        **_case_ref(case),
        state=case["state"],
        hit_id=hit["id"],
        hit_kind=hit["kind"],
        effect=hit["effect"],
        status=hit["status"],
        reason=_published(hit["reason"]),
        member_id=hit.get("member_id"),
        detail=None if hit.get("detail") is None else _published(hit["detail"]),
        **_published_extra(extra),
    )
    return _envelope(
        contracts.COMPARISON_HIT_OPENED if hit["status"] == "open" else contracts.COMPARISON_HIT_RESOLVED,
        AGGREGATE,
        str(case["id"]),
        case["division"],
        payload,
        actor,
    )


def _published_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """A hit event's optional fields, its resolution (what the resolving officer typed) published masked."""
    if extra.get("resolution") is None:
        return extra
    return {**extra, "resolution": _published(extra["resolution"])}


def category_event(case: dict[str, Any], categories: list[str], reason: str, actor: Actor) -> Envelope:
    """A support-category confirmation; its subject is the case, so it orders with the case's steps, and it
    names the case's `discovery` as they do."""
    payload = contracts.CategoryConfirmedV1(
        **_case_ref(case),
        state=case["state"],
        categories=categories,
        reason=_published(reason),
        discovery=case.get("discovery"),
    )
    return _envelope(
        contracts.CATEGORY_CONFIRMED, AGGREGATE, str(case["id"]), case["division"], payload, actor
    )


def spot_check_failed_event(case: dict[str, Any], batch_id: uuid.UUID, step: str, actor: Actor) -> Envelope:
    """A sampled case that failed a batch's spot-check; `case` carries the checking officer's `note`."""
    payload = contracts.SpotCheckFailedV1(
        **_case_ref(case),
        state=case["state"],
        batch_id=batch_id,
        step=step,
        note=_published(case["note"]) or "",
    )
    return _envelope(
        contracts.SPOT_CHECK_FAILED, AGGREGATE, str(case["id"]), case["division"], payload, actor
    )


def poor_division_event(row: dict[str, Any], actor: Actor) -> Envelope:
    """A village or county put on the list of poor divisions: the division's own event."""
    payload = contracts.PoorDivisionDesignatedV1(
        division=row["division"],
        level=row["level"],
        designated_year=row["designated_year"],
        basis=_published(row["basis"]) or "",
    )
    return _envelope(
        contracts.POOR_DIVISION_DESIGNATED, "poor-division", row["division"], row["division"], payload, actor
    )


def division_exit_event(
    event_type: str,
    row: dict[str, Any],
    action: str,
    from_state: str | None,
    reason: str | None,
    actor: Actor,
) -> Envelope:
    """One step of a village's or county's exit procedure, as the procedure stands after it; its subject
    is `division-exit/<id>`, its division the village or county."""
    figures = row.get("indicators") or {}
    payload = contracts.DivisionExitV1(
        exit_id=row["id"],
        division=row["division"],
        level=row["level"],
        year=row["year"],
        action=action,
        from_state=from_state,
        to_state=row["state"],
        reason=_published(reason),
        incidence_pct=figures.get("incidence_pct"),
        threshold_pct=figures.get("threshold_pct"),
        notice_ends_at=row.get("notice_ends_at"),
        evaluation_id=row.get("evaluation_id"),
    )
    return _envelope(event_type, "division-exit", str(row["id"]), row["division"], payload, actor)
