"""Public notices (公示): a village's ready list goes on the board for a configured number of days; the
notice closes only when the service clock passes its end and no objection ticket on it is open."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit import divisions
from fupin_kit.auth.actor import require_within
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable
from identification import keyset, regions, workflow
from identification.cases import service as cases
from identification.context import SYSTEM_ACTOR, Context, step_for
from identification.divisions import service as division_names
from identification.notices import document, repository
from identification.notices.line_status import LineStatus
from identification.notices.schemas import (
    NoticeIn,
    NoticeKind,
    NoticeLine,
    NoticeOut,
    OpenedKind,
    PublicEntry,
    PublicNotice,
    TickOut,
)

S, A = workflow.State, workflow.Action
READY: dict[OpenedKind, workflow.State] = {
    OpenedKind.FIRST: S.VILLAGE_REVIEWED,
    OpenedKind.SECOND: S.COMPARED,
    OpenedKind.EXIT: S.EXIT_CONFIRMED,
    OpenedKind.MONITORING: S.MONITOR_VILLAGE_REVIEWED,
}
DURATION_KEY: dict[OpenedKind, str] = {OpenedKind.EXIT: "exit_notice_days"}


async def open_notice(ctx: Context, body: NoticeIn) -> NoticeOut:
    if divisions.level(body.division) != divisions.Level.VILLAGE:
        raise unprocessable("a notice lists one village")
    require_within(ctx.actor, body.division, "division")
    ready = READY[body.kind]
    step_for(ctx, ready, A.OPEN_NOTICE)  # the tier and role, even for an empty list
    identification = workflow.kind_of(ready) is workflow.Kind.IDENTIFICATION
    listed = await repository.cases_ready(
        ctx.session,
        body.division,
        ready.value,
        without_statuses=workflow.POOR_STATUSES if identification else (),
    )
    if not listed:
        raise conflict(
            f"no case of {body.division} is ready for a {body.kind.value} notice", code="nothing-ready"
        )
    days = await regions.decimal(ctx.session, body.division, DURATION_KEY.get(body.kind, "notice_days"), "7")
    ends_at = ctx.now + dt.timedelta(days=float(days))
    notice = {
        "id": uuid.uuid4(),
        "division": body.division,
        "kind": body.kind.value,
        "starts_at": ctx.now,
        "ends_at": ends_at,
        "status": "open",
        "opened_by": ctx.actor.subject,
        "closed_at": None,
    }
    posted = await repository.insert_notice(ctx.session, notice, [case["id"] for case in listed])
    for case in listed:
        await cases.apply(
            ctx,
            case,
            A.OPEN_NOTICE,
            {"notice_id": str(notice["id"]), "ends_at": ends_at.isoformat()},
        )
    return _as_posted(notice, [{**line, "line_status": LineStatus.LISTED.value} for line in posted])


async def tick(ctx: Context) -> TickOut:
    """Close every due notice in the caller's jurisdiction (the background timer calls it for the nation)."""
    if not ctx.is_system and (
        ctx.actor.level > divisions.Level.TOWNSHIP or not ctx.actor.has_role("officer")
    ):
        raise forbidden("notices are closed by a township (or higher) officer")
    lo, hi = ctx.actor.subtree
    system = Context(ctx.session, SYSTEM_ACTOR, ctx.now)
    closed: list[uuid.UUID] = []
    moved = 0
    for notice in await repository.due_notices(ctx.session, lo, hi, ctx.now):
        for case in await repository.listed_cases(ctx.session, notice["id"], lock=True):
            if S(case["state"]) in workflow.NOTICE_STATES:
                await cases.apply(
                    system,
                    case,
                    A.CLOSE_NOTICE,
                    {"notice_id": str(notice["id"]), "closed_by": ctx.actor.subject},
                )
                moved += 1
        await repository.close(ctx.session, notice["id"], ctx.now)
        closed.append(notice["id"])
    return TickOut(closed=closed, cases=moved)


async def read(ctx: Context, notice_id: uuid.UUID) -> NoticeOut:
    lo, hi = ctx.actor.subtree
    notice = await repository.get(ctx.session, notice_id, lo, hi)
    if notice is None:
        raise not_found("notice")
    return _as_posted(notice, await repository.posted_lines(ctx.session, notice_id))


def _as_posted(notice: Mapping[str, Any], posted: list[dict[str, Any]]) -> NoticeOut:
    """The notice as it was posted: every case put on it, each line with its status (an upheld objection or
    a withdrawal takes a household off the list, it does not rewrite what was posted)."""
    lines = [_line(line) for line in posted]
    return NoticeOut(**notice, case_ids=[line.case_id for line in lines], lines=lines)


def _line(posted: Mapping[str, Any]) -> NoticeLine:
    """A line with the household as it was posted on it (the read model's household may have changed)."""
    return NoticeLine(
        case_id=posted["case_id"],
        status=LineStatus(posted["line_status"]),
        head_name=posted["head_name_masked"],
        head_id=posted["head_id_masked"],
        member_count=posted["member_count"],
    )


async def search(
    ctx: Context, status: str | None, kind: NoticeKind | None, after: str | None, limit: int
) -> keyset.Page[NoticeOut]:
    """A page of the jurisdiction's notices (and announcements), newest first, each with its posted lines
    (read for the whole page in one query), as its single read shows them."""
    lo, hi = ctx.actor.subtree
    rows = await repository.search(
        ctx.session, lo, hi, status, keyset.decode(after), limit, None if kind is None else kind.value
    )
    found = keyset.page(rows, limit, "starts_at")
    posted = await repository.posted_lines_of(ctx.session, [row["id"] for row in found.items])
    return keyset.convert(found, lambda row: _as_posted(row, posted[row["id"]]))


# ---- the public board: no login, searchable by division, names partly masked, no ID numbers -------------


async def public_search(
    session: AsyncSession, division: str, kind: NoticeKind | None, after: str | None, limit: int
) -> keyset.Page[PublicNotice]:
    lo, hi = divisions.subtree_range(division)
    rows = await repository.search(
        session, lo, hi, None, keyset.decode(after), limit, None if kind is None else kind.value
    )
    found = keyset.page(rows, limit, "starts_at")
    # A notice lists one village (its division): the names of all of them in one query, and the entries of
    # the whole page in another.
    held = await division_names.names(session, [row["division"] for row in found.items])
    entries = await repository.public_entries(session, [row["id"] for row in found.items])
    return keyset.convert(found, lambda row: _public(row, entries[row["id"]], held))


async def public_read(session: AsyncSession, notice_id: uuid.UUID) -> PublicNotice:
    lo, hi = divisions.subtree_range(divisions.NATION)
    row = await repository.get(session, notice_id, lo, hi)
    if row is None:
        raise not_found("notice")
    entries = await repository.public_entries(session, [notice_id])
    return _public(row, entries[notice_id], await division_names.names(session, [row["division"]]))


def _public(
    row: dict[str, Any], posted: list[dict[str, Any]], held: Mapping[str, division_names.Names]
) -> PublicNotice:
    """The notice as the board shows it; its village by name where held, else by its code alone."""
    entries = []
    for entry in posted:
        village = held.get(entry["division"])
        entries.append(
            PublicEntry(
                case_id=entry["id"],
                village=entry["division"],
                village_name=None if village is None else village.name,
                kind=entry["kind"],
                head_name=entry["head_name_masked"],
                head_id=entry["head_id_masked"],
                member_count=entry["member_count"],
                status=LineStatus(entry["line_status"]),
            )
        )
    names = held.get(row["division"])
    place = None if names is None else names.place
    fields = ("id", "division", "kind", "starts_at", "ends_at", "status")
    return PublicNotice(
        **{key: row[key] for key in fields},
        village_name=None if names is None else names.name,
        place=place,
        title=document.title(row["kind"], place, row["starts_at"]),
        entries=entries,
    )
