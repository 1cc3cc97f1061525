"""Resident teams (驻村工作队): every poor village has one, led by its first secretary (第一书记), formed and
replaced by the county's officers; a replaced team is kept with the day it ended and why."""

from __future__ import annotations

import uuid
from typing import Any

from assistance import access, events
from assistance.context import Context
from assistance.teams import repository
from assistance.teams.schemas import TeamIn, TeamOut, TeamsOut
from assistance.text import not_before, not_future, reason_required
from fupin_kit import division_keyset as keyset
from fupin_kit import divisions
from fupin_kit.auth.actor import require_within
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_texts
from fupin_kit.problems import unprocessable

WRITER_TIERS = ("county",)


def render(ctx: Context, row: repository.Row) -> TeamOut:
    shown: dict[str, Any] = {
        **row,
        "first_secretary": access.person_as_shown(ctx.actor, row["first_secretary"]),
        "members": [access.person_as_shown(ctx.actor, member) for member in row["members"]],
    }
    if not ctx.actor.sees_full_identity:
        shown["reason"] = mask_texts(row["reason"])
        shown["end_reason"] = mask_texts(row["end_reason"])
    return TeamOut.model_validate(shown)


def _village(ctx: Context, code: str) -> None:
    """404 outside the caller's jurisdiction, then 422 for a code that is not a village's."""
    require_within(ctx.actor, code, "village")
    if divisions.level(code) != divisions.Level.VILLAGE:
        raise unprocessable(
            f"{code} is not a village-level code: a resident team is sent to a village",
            code="not-a-village",
            errors=[{"loc": ["path", "code"], "msg": "not a village-level code", "type": "village_code"}],
        )


async def form(ctx: Context, code: str, body: TeamIn) -> TeamOut:
    access.require_writer(ctx.actor, *WRITER_TIERS)
    _village(ctx, code)
    not_future(body.started_on, ["body", "started_on"], "the start date")
    await repository.lock_village(ctx.session, code)
    previous = await repository.current(ctx.session, code)
    team_id = uuid.uuid4()
    changes = []
    if previous is not None:
        if body.reason is None:
            raise reason_required(["body", "reason"], "a team replaces the current one")
        not_before(
            body.started_on, previous["started_on"], ["body", "started_on"], "the start date",
            "the current team started then",
        )  # fmt: skip
        ended = await repository.end(
            ctx.session,
            previous["id"],
            {"ended_on": body.started_on, "end_reason": body.reason, "ended_by": ctx.actor.subject},
        )
        changes.append(events.team_ended(ended, ctx.actor, replaced_by=team_id))
    added = await repository.add(
        ctx.session,
        {
            "id": team_id,
            "division": code,
            "first_secretary": body.first_secretary.model_dump(),
            "members": [member.model_dump() for member in body.members],
            "sent_by": body.sent_by.value,
            "started_on": body.started_on,
            "reason": body.reason,
            "formed_by": ctx.actor.subject,
        },
    )
    changes.append(
        events.team_formed(added, ctx.actor, replaces=None if previous is None else previous["id"])
    )
    await record_changes(ctx.session, changes)
    return render(ctx, added)


async def read(ctx: Context, code: str) -> TeamsOut:
    _village(ctx, code)
    rows = await repository.of_village(ctx.session, code)
    current = next((row for row in rows if row["ended_on"] is None), None)
    return TeamsOut(
        division=code,
        current=None if current is None else render(ctx, current),
        history=[render(ctx, row) for row in rows if row["ended_on"] is not None],
    )


async def search(ctx: Context, division: str | None, after: str | None, limit: int) -> keyset.Page[TeamOut]:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.current_page(ctx.session, lo, hi, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")
