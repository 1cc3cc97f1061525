"""Handlers of funds' project events (fupin.funds.events.v1, consumer group `assistance`, the same as the
registry's households: one consumer, one inbox, one dead-letter topic): the county project library as a
link to a household needs it (name, place, county, year, category, status, rejected).

funds' project events carry no version, but a project's lifecycle only moves forward (funds/workflow.py):
each step's place in it, its `sequence`, orders them, and an event of a lower sequence than the one held is
older and changes nothing. A rejection follows the status it rejected, and ends the project's current
links (links/rejection.py); a failed acceptance leaves the project implementing (the same sequence: it
changes nothing either). Payments, findings and allocations on the same topic are skipped."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assistance.links import rejection
from assistance.readmodel import repository
from fupin_contracts import funds as contracts
from fupin_kit.envelope import Envelope

LIFECYCLE: tuple[str, ...] = (
    "proposed",
    "township_reviewed",
    "county_approved",
    "noticed",
    "in_library",
    "implementing",
    "accepted",
    "reimbursed",
    "announced",
)
REJECTED = "rejected"


def county_of(division: str) -> str:
    """The county-level code above a village or township (a city without counties: the city itself)."""
    return division[:6] + "000000"


def sequence_of(from_status: str, to_status: str) -> int:
    """1 for a proposal, one more per step forward; a rejection comes right after what it rejected."""
    if to_status == REJECTED:
        return LIFECYCLE.index(from_status) + 2
    return LIFECYCLE.index(to_status) + 1


async def on_proposed(session: AsyncSession, event: Envelope) -> None:
    data = contracts.ProjectProposedV1.model_validate(event.data)
    await repository.upsert_project(
        session,
        {
            "project_id": data.project_id,
            "name": data.project_name,
            "category": data.category,
            "division": data.division,
            "county": county_of(data.division),
            "year": data.year,
            "status": LIFECYCLE[0],
            "rejected": False,
            "sequence": sequence_of(LIFECYCLE[0], LIFECYCLE[0]),
        },
    )


STEP_FIELDS = ("project_id", "division", "year", "action", "from_status", "to_status")


def _known(from_status: str, to_status: str) -> bool:
    statuses = (*LIFECYCLE, REJECTED)
    return from_status in statuses and to_status in statuses


async def on_step(session: AsyncSession, event: Envelope) -> None:
    """Every step but the proposal (the notice's payload has the fields this reads, and so has any other
    project.* type funds adds with a step's fields). One naming a status this lifecycle does not know is
    skipped rather than dead-lettered: funds may add statuses before this read model learns them."""
    if any(key not in event.data for key in STEP_FIELDS):
        return
    data = contracts.ProjectStepV1.model_validate({key: event.data[key] for key in STEP_FIELDS})
    if not _known(data.from_status, data.to_status):
        return
    await repository.upsert_project(
        session,
        {
            "project_id": data.project_id,
            "division": data.division,
            "county": county_of(data.division),
            "year": data.year,
            "status": data.to_status,
            "rejected": data.to_status == REJECTED,
            "sequence": sequence_of(data.from_status, data.to_status),
        },
    )
    if data.to_status == REJECTED:
        await rejection.end_links(session, data.project_id, event)


HANDLERS = {
    contracts.PROJECT_PROPOSED: on_proposed,
    **{event_type: on_step for event_type in contracts.PAYLOADS if event_type.startswith("fupin.funds.project.")
       and event_type != contracts.PROJECT_PROPOSED},
}  # fmt: skip
