"""Joint inspections (联合检查, domain.md §6: supervision over the whole lifecycle, jointly by the
supervision, poverty-alleviation and finance departments): an officer of a county, city or province opens
one of a county in its jurisdiction for a year with at least two departments, records the projects
inspected with their checklist (a failed point raises an inspection-issue finding on the project, once
per project and point, listed and resolved as the other findings), and closes it with its conclusion,
after which it takes nothing more. A closed inspection's summary is public. Each open, item and close is
audited (record_changes) in its own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from funds import access, events
from funds.codes import InspectionDepartment, InspectionPoint, InspectionStatus
from funds.context import Context
from funds.inspections import repository
from funds.inspections.schemas import (
    CloseIn,
    InspectionIn,
    InspectionOut,
    ItemIn,
    PublicInspection,
)
from funds.supervision import repository as findings
from funds.supervision import service as supervision
from fupin_kit import division_keyset as keyset
from fupin_kit.auth.actor import Actor
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_text, mask_texts
from fupin_kit.problems import ProblemError, conflict, forbidden, not_found, unprocessable

Row = dict[str, Any]
# What officers typed: read above the county with any personal number in it masked.
TYPED = ("leader_unit", "conclusion")


def _distinct(departments: list[InspectionDepartment]) -> list[str]:
    return list(dict.fromkeys(department.value for department in departments))


def _not_joint(count: int) -> ProblemError:
    return unprocessable(
        f"a joint inspection takes at least two departments; {count} named",
        code="joint-inspection",
        errors=[
            {"loc": ["body", "departments"], "msg": "at least two departments", "type": "joint_inspection"}
        ],
    )


def _render_item(actor: Actor, item: Row) -> Row:
    checklist = [
        {**check, "point_label": InspectionPoint(check["point"]).label}
        for check in (item["checklist"] if actor.sees_full_identity else mask_texts(item["checklist"]))
    ]
    name = item["project_name"] if actor.sees_full_identity else mask_text(item["project_name"])
    return {**item, "checklist": checklist, "project_name": name}


def render(
    actor: Actor, row: Row, items: list[Row] | None = None, raised: list[Row] | None = None
) -> InspectionOut:
    shown = row if actor.sees_full_identity else {**row, **mask_texts({key: row[key] for key in TYPED})}
    return InspectionOut.model_validate(
        {
            **shown,
            "status_label": InspectionStatus(row["status"]).label,
            "items": None if items is None else [_render_item(actor, item) for item in items],
            "findings": None
            if raised is None
            else [supervision.render(actor, finding) for finding in raised],
        }
    )


async def open_inspection(ctx: Context, body: InspectionIn) -> InspectionOut:
    access.require_inspector(ctx.actor)
    access.require_county(ctx.actor, body.division)
    departments = _distinct(body.departments)
    if len(departments) < 2:
        raise _not_joint(len(departments))
    values = {
        **body.model_dump(exclude={"departments"}),
        "id": uuid.uuid4(),
        "departments": departments,
        "opened_by": ctx.actor.subject,
        "opened_division": ctx.actor.division,
    }
    row = await repository.add(ctx.session, values)
    await record_changes(ctx.session, [events.inspection_opened(row, ctx.actor)])
    return render(ctx.actor, row, [], [])


async def _load(ctx: Context, inspection_id: uuid.UUID, *, lock: bool = False) -> Row:
    lo, hi = ctx.actor.subtree
    row = await repository.get(ctx.session, inspection_id, lo, hi, lock=lock)
    if row is None:
        raise not_found("inspection")
    return row


def _require_opener(actor: Actor, inspection: Row) -> None:
    """The inspection is the opening division's: an officer of it, or of a tier above containing it, works
    it; the county inspected by its city or province (within whose jurisdiction it lies) must not write
    or conclude the inspection of itself."""
    if not actor.covers(inspection["opened_division"]):
        raise forbidden(
            f"the inspection was opened by {inspection['opened_division']}: only its officers, or those of "
            "a tier above it, add items to it and close it"
        )


async def _load_open(ctx: Context, inspection_id: uuid.UUID) -> Row:
    """The inspection, locked, 404 outside the caller's jurisdiction, 403 to any but the opening division
    (or a tier above it); 409 once closed."""
    access.require_inspector(ctx.actor)
    row = await _load(ctx, inspection_id, lock=True)
    _require_opener(ctx.actor, row)
    if row["status"] != InspectionStatus.OPEN.value:
        raise conflict(
            "the inspection is closed: it takes no more items and its conclusion stands",
            code="inspection-closed",
            inspection_status=row["status"],
        )
    return row


def _failed_without_note(body: ItemIn) -> ProblemError | None:
    for index, check in enumerate(body.checklist):
        if not check.passed and check.note is None:
            return unprocessable(
                f"the point {check.point.value} failed: say what was found in a note",
                code="note-required",
                errors=[{"loc": ["body", "checklist", index, "note"], "msg": "required", "type": "missing"}],
            )
    return None


async def _project_of_county(ctx: Context, inspection: Row, project_id: uuid.UUID) -> Row:
    """A project of the inspected county; any other (absent, or another county's) is answered alike."""
    lo, hi = access.county_range(inspection["division"])
    project = await repository.project_in(ctx.session, project_id, lo, hi)
    if project is None:
        raise unprocessable(
            f"no project of the inspected county {inspection['division']} has this id",
            code="project-not-in-county",
            errors=[{"loc": ["body", "project_id"], "msg": "not a project of the county", "type": "project"}],
        )
    return project


async def add_item(ctx: Context, inspection_id: uuid.UUID, body: ItemIn) -> InspectionOut:
    inspection = await _load_open(ctx, inspection_id)
    problem = _failed_without_note(body)
    if problem is not None:
        raise problem
    project = await _project_of_county(ctx, inspection, body.project_id)
    if await repository.has_item(ctx.session, inspection_id, project["id"]):
        # The inspection is locked (_load_open): a concurrent second item of the project waits and lands here.
        raise conflict(
            "this inspection has already recorded the project: its checklist stands as recorded",
            code="already-inspected",
            project_id=str(project["id"]),
        )
    checklist = [check.model_dump(mode="json") for check in body.checklist]
    await repository.add_item(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "inspection_id": inspection_id,
            "project_id": project["id"],
            "checklist": checklist,
            "recorded_by": ctx.actor.subject,
        },
    )
    failed = [
        {
            "project_id": project["id"],
            "inspection_id": inspection_id,
            "point": check["point"],
            "note": check["note"],
            "division": project["division"],
        }
        for check in checklist
        if not check["passed"]
    ]
    raised = await supervision.raise_for_inspection(ctx, failed)
    await record_changes(ctx.session, [events.finding_raised(row, ctx.actor) for row in raised])
    return await _read(ctx, inspection)


async def close(ctx: Context, inspection_id: uuid.UUID, body: CloseIn) -> InspectionOut:
    await _load_open(ctx, inspection_id)
    closed = await repository.close(
        ctx.session, inspection_id, {"conclusion": body.conclusion, "closed_by": ctx.actor.subject}
    )
    tally = await repository.tally(ctx.session, inspection_id)
    event = events.inspection_closed(closed, tally["projects_inspected"], tally["failed_points"], ctx.actor)
    await record_changes(ctx.session, [event])
    return await _read(ctx, closed)


async def _read(ctx: Context, row: Row) -> InspectionOut:
    items = await repository.items_of(ctx.session, row["id"])
    raised = await findings.detailed(ctx.session, await repository.finding_ids_of(ctx.session, row["id"]))
    return render(ctx.actor, row, items, raised)


async def read(ctx: Context, inspection_id: uuid.UUID) -> InspectionOut:
    access.require_supervisor(ctx.actor)
    return await _read(ctx, await _load(ctx, inspection_id))


async def search(
    ctx: Context, division: str | None, filters: Row, after: str | None, limit: int
) -> keyset.Page[InspectionOut]:
    access.require_supervisor(ctx.actor)
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.page(ctx.session, lo, hi, filters, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx.actor, row), "id")


# ---- the public board ------------------------------------------------------------------------------------


async def _public(session: AsyncSession, row: Row) -> PublicInspection:
    """What the board shows: typed texts with any personal number masked; no account, no item's note."""
    tally = await repository.tally(session, row["id"])
    return PublicInspection(
        inspection_id=row["id"],
        division=row["division"],
        year=row["year"],
        departments=row["departments"],
        department_labels=[InspectionDepartment(code).label for code in row["departments"]],
        leader_unit=mask_text(row["leader_unit"]),
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        projects_inspected=tally["projects_inspected"],
        failed_points=tally["failed_points"],
        conclusion=mask_text(row["conclusion"]),
    )


async def public_search(
    session: AsyncSession, division: str, year: int | None, after: str | None, limit: int
) -> keyset.Page[PublicInspection]:
    lo, hi = access.public_subtree(division)
    filters: Row = {"status": InspectionStatus.CLOSED.value}
    if year is not None:
        filters["year"] = year
    rows = await repository.page(session, lo, hi, filters, keyset.decode(after), limit)
    shown = {row["id"]: await _public(session, row) for row in rows[:limit]}
    return keyset.page(rows, limit, lambda row: shown[row["id"]], "id")
