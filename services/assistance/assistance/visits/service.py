"""The visit log (走访记录) of a household: each visit, call or other contact of its helper or cadres,
kept as logged and read newest first."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid

from assistance import events, households
from assistance.context import Context
from assistance.text import not_future
from assistance.visits import repository
from assistance.visits.schemas import VisitIn, VisitOut
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_texts
from fupin_kit.problems import unprocessable

TYPED = ("notes", "findings")


def render(ctx: Context, row: repository.Row) -> VisitOut:
    if ctx.actor.sees_full_identity:
        return VisitOut.model_validate(row)
    return VisitOut.model_validate({**row, **{key: mask_texts(row[key]) for key in TYPED}})


def encode(position: repository.Position) -> str:
    visited_on, visit_id = position
    return base64.urlsafe_b64encode(f"{visited_on.isoformat()}:{visit_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> repository.Position | None:
    """The (visited_on, id) a cursor names; 422 for anything that is not one of ours."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, visit_id = raw.split(":", 1)
        return dt.date.fromisoformat(day), uuid.UUID(visit_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise unprocessable("the cursor is not valid") from None


async def log(ctx: Context, household_id: uuid.UUID, body: VisitIn) -> VisitOut:
    households.require_ledger_writer(ctx.actor)
    household = await households.within(ctx, household_id, lock=True)
    households.require_assisted(household, "a visit log")
    not_future(body.visited_on, ["body", "visited_on"], "the visit day")
    added = await repository.add(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "household_id": household_id,
            "division": household["division"],
            "visited_on": body.visited_on,
            "visitor": body.visitor,
            "kind": body.kind.value,
            "notes": body.notes,
            "findings": body.findings,
            "logged_by": ctx.actor.subject,
        },
    )
    await record_changes(ctx.session, [events.visit_logged(added, ctx.actor)])
    return render(ctx, added)


async def read(ctx: Context, household_id: uuid.UUID, after: str | None, limit: int) -> keyset.Page[VisitOut]:
    await households.within(ctx, household_id)
    rows = await repository.newest_first(ctx.session, household_id, decode(after), limit)
    items = rows[:limit]
    more = len(rows) > limit and bool(items)
    cursor = encode((items[-1]["visited_on"], items[-1]["id"])) if more else None
    return keyset.Page([render(ctx, row) for row in items], cursor)
