"""The county's announcements (公告) on the public board: the last public step of 两评议两公示一比对一公告 and of
an exit (notice → announcement → 销号). The county's announce (exit_announce) of a case puts its household on
its village's announcement of that day, in the step's own transaction; the first announcement of the day
posts it, by the system on behalf of the county. An announcement is the result: it has no objection period
(objections were the notices' business), so it is posted `published`, never `open`."""

from __future__ import annotations

import uuid
from typing import Any

from identification import workflow
from identification.context import SYSTEM_ACTOR, Context
from identification.notices import repository
from identification.notices.schemas import NoticeKind, NoticeStatus
from identification.text import today

A = workflow.Action
ANNOUNCING: dict[workflow.Action, NoticeKind] = {
    A.ANNOUNCE: NoticeKind.ANNOUNCEMENT,
    A.EXIT_ANNOUNCE: NoticeKind.EXIT_ANNOUNCEMENT,
}
KINDS = frozenset(kind.value for kind in ANNOUNCING.values())
# Names the announcements' ids (uuid5 of village, kind and day); fixed: changing it would split a day.
ANNOUNCEMENT_IDS = uuid.UUID("6f0c3a4e-8d1b-5c2a-9e47-3b1f2d6a7c85")


def announcement_id(village: str, kind: NoticeKind, day: str) -> uuid.UUID:
    """One village's announcement of one kind and one day in China. Derived rather than looked up, so two
    county officers announcing in the same village at once insert the same row, and the primary key keeps
    it one announcement without a lock or another index."""
    return uuid.uuid5(ANNOUNCEMENT_IDS, f"{kind.value}/{village}/{day}")


async def post(ctx: Context, case: dict[str, Any], action: workflow.Action) -> dict[str, str]:
    """Put the case on its village's announcement of today for `action` (one of ANNOUNCING); what the
    step's history records of it."""
    kind = ANNOUNCING[action]
    notice_id = announcement_id(case["division"], kind, today(ctx.now).isoformat())
    await repository.insert_announcement(
        ctx.session,
        {
            "id": notice_id,
            "division": case["division"],
            "kind": kind.value,
            "starts_at": ctx.now,
            "ends_at": ctx.now,  # no objection period: the result is public from the moment it is posted
            "status": NoticeStatus.PUBLISHED.value,
            "opened_by": f"{SYSTEM_ACTOR.subject} for {ctx.actor.subject}"[:200],  # the column's width
            "closed_at": None,
        },
    )
    await repository.add_line(ctx.session, notice_id, case["id"])
    return {"announcement_id": str(notice_id)}
