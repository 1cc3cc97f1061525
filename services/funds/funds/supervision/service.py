"""Supervision of payments, allocations and the projects drawing on them (domain.md §6): findings raised
when a payment or project is recorded and by a scan of a subtree (the county and above), listed by the
county and above, resolved by a county officer (funds.supervision.workflow). Each finding raised or resolved is an event, audited in its own transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from funds import access, events
from funds.codes import FindingKind, FindingStatus, Resolution
from funds.context import Context
from funds.supervision import repository, workflow
from funds.supervision.schemas import FindingOut, ResolveIn, ScanOut
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_name, mask_text
from fupin_kit.problems import conflict, not_found

Row = dict[str, Any]


def render(actor: Actor, row: Row) -> FindingOut:
    status = FindingStatus(row["status"])
    shown = (
        row
        if actor.sees_full_identity
        else {
            **row,
            "head_name": mask_name(row["head_name"]),
            "note": None if row["note"] is None else mask_text(row["note"]),
            "issue_note": None if row["issue_note"] is None else mask_text(row["issue_note"]),
        }
    )
    return FindingOut.model_validate(
        {
            **shown,
            "kind_label": FindingKind(row["kind"]).label,
            "status_label": status.label,
            "allowed_resolutions": [resolution.value for resolution in workflow.allowed(status)],
        }
    )


async def check_payment(ctx: Context, payment_id: uuid.UUID) -> list[Row]:
    """Check the payment just recorded: the findings raised (the caller stages their events after the
    payment's own)."""
    return await repository.detailed(ctx.session, await repository.raise_for_payment(ctx.session, payment_id))


async def check_project(ctx: Context, project_id: uuid.UUID) -> list[Row]:
    """Check the project the county just approved (its money committed) against the allocations it draws
    on (outside-category): the findings raised (the caller stages their events after the step's)."""
    return await repository.detailed(ctx.session, await repository.raise_for_project(ctx.session, project_id))


# Why a rejection voids a finding: the project never committed the money.
VOIDED_NOTE = "project rejected"


async def void_for_rejected(ctx: Context, project_id: uuid.UUID) -> list[Envelope]:
    """The resolved events of the rejected project's open outside-category findings, now voided."""
    values = {"status": FindingStatus.VOIDED.value, "note": VOIDED_NOTE, "resolved_by": ctx.actor.subject}
    voided = await repository.detailed(
        ctx.session, await repository.void_for_project(ctx.session, project_id, values)
    )
    return [
        events.finding_resolved(
            row, FindingStatus.OPEN.value, FindingStatus.VOIDED.value, VOIDED_NOTE, ctx.actor
        )
        for row in voided
    ]


async def raise_for_inspection(ctx: Context, failed: list[Row]) -> list[Row]:
    """The findings of an inspection item's failed points not held yet (the caller stages their events)."""
    return await repository.detailed(ctx.session, await repository.raise_for_inspection(ctx.session, failed))


async def scan(ctx: Context, division: str) -> ScanOut:
    access.require_supervisor(ctx.actor, officer=True)
    lo, hi = access.subtree(ctx.actor, division)
    today = civil_time.china_today()
    found = await repository.raise_in_subtree(ctx.session, lo, hi)
    found += await repository.raise_on_allocations(ctx.session, lo, hi, today)
    raised = await repository.detailed(ctx.session, found)
    await record_changes(ctx.session, [events.finding_raised(row, ctx.actor) for row in raised])
    return ScanOut(
        scanned=await repository.count_payments(ctx.session, lo, hi),
        raised=dict(Counter(row["kind"] for row in raised)),
    )


async def search(
    ctx: Context,
    division: str | None,
    filters: Row,
    after: str | None,
    limit: int,
) -> keyset.Page[FindingOut]:
    access.require_supervisor(ctx.actor)
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.page(ctx.session, lo, hi, filters, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx.actor, row), "id")


async def resolve(ctx: Context, finding_id: uuid.UUID, body: ResolveIn) -> FindingOut:
    access.require_county_officer(ctx.actor)
    lo, hi = ctx.actor.subtree
    finding = await repository.get(ctx.session, finding_id, lo, hi, lock=True)
    if finding is None:
        raise not_found("finding")
    before = FindingStatus(finding["status"])
    resolution = Resolution(body.resolution.value)
    after = workflow.target(before, resolution)
    if after is None:
        raise conflict(
            f"a finding in status {before.value!r} cannot be resolved as {resolution.value!r}",
            code="out-of-order",
            finding_status=before.value,
            resolution=resolution.value,
        )
    values = {"status": after.value, "note": body.note, "resolved_by": ctx.actor.subject}
    await repository.resolve(ctx.session, finding_id, values)
    resolved = {**finding, **values, "version": finding["version"] + 1}
    event = events.finding_resolved(resolved, before.value, resolution.value, body.note, ctx.actor)
    await record_changes(ctx.session, [event])
    return render(ctx.actor, resolved)
