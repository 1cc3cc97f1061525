"""Objections (异议): anyone may object while a notice runs; each objection is a ticket with an SLA that a
township officer resolves. Upheld → the case leaves the notice and returns to verification; dismissed →
the notice continues (and closes at its end once no ticket is open)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor
from fupin_kit.outbox import record_change
from fupin_kit.pii import mask_phone, mask_texts
from fupin_kit.problems import conflict, forbidden, not_found
from identification import events, keyset, regions, workflow
from identification.cases import repository as case_repository
from identification.cases import service as cases
from identification.context import Context
from identification.notices import announcements
from identification.notices import repository as notices
from identification.objections import repository
from identification.objections.schemas import (
    ObjectionIn,
    ObjectionOut,
    Outcome,
    ResolutionIn,
    TicketOut,
    normalised,
)

A = workflow.Action
PUBLIC = "public"
# A case that ended while on a notice (withdrawn by the household, rejected by the reviewing tier).
CLOSED = frozenset({workflow.State.WITHDRAWN.value, workflow.State.REJECTED.value})
LEFT_NOTICE = (
    "the case had already left this notice when the objection was upheld: its state ({state}) was not changed"
)


def render(row: dict[str, Any], now: dt.datetime, *, disclosed: bool = False) -> ObjectionOut:
    """The ticket as the public route answers it: the objector's words and contact are not in it (an
    identical objection answers an earlier objector's ticket), and any ID or mobile number the resolving
    officer wrote into the resolution is masked unless `disclosed` (county tier and below)."""
    out = ObjectionOut.model_validate(
        row if disclosed else {**row, "resolution": mask_texts(row["resolution"])}
    )
    out.overdue = out.status == "open" and out.due_at < now
    return out


def reads_objections(actor: Actor) -> bool:
    """The township's officers resolve objections, and the officers of the tiers above oversee them; the
    village, whose list is objected to, does not learn who objected or what they said."""
    return actor.level <= divisions.Level.TOWNSHIP and actor.has_role("officer")


def render_ticket(row: dict[str, Any], now: dt.datetime, actor: Actor) -> TicketOut:
    if not reads_objections(actor):
        return TicketOut(**render(row, now).model_dump())
    disclosed = actor.sees_full_identity
    ticket = render(row, now, disclosed=disclosed).model_dump()
    if disclosed:
        return TicketOut(**ticket, text=row["text"], contact=row["contact"])
    # Above the county the objector's words are read as the contact is: any ID or mobile number masked.
    return TicketOut(**ticket, text=mask_texts(row["text"]), contact=mask_phone(row["contact"]))


async def submit(ctx: Context, notice_id: uuid.UUID, body: ObjectionIn, submitted_by: str) -> ObjectionOut:
    lo, hi = "000000000000", "999999999999"  # the board is public: anyone may object to any notice
    # Locked, so the notice cannot close between this check and the ticket's commit (QA9-R1): a ticket
    # taken must hold the notice open until it is resolved.
    notice = await repository.hold_notice(ctx.session, notice_id)
    if notice is None:
        raise not_found("notice")
    if notice["kind"] in announcements.KINDS:
        # 公告 is the result: objections were the business of the notices (公示) before it.
        raise conflict(
            "an announcement publishes the result: objections were taken while its notices ran",
            code="announcement-no-objection",
        )
    if notice["status"] != "open" or ctx.now >= notice["ends_at"]:
        raise conflict("objections are taken only while the notice runs", code="notice-closed")
    listed = {case["id"] for case in await notices.listed_cases(ctx.session, notice_id)}
    if body.case_id not in listed:
        if await notices.on_notice(ctx.session, notice_id, body.case_id):
            # Its line is still on the board (withdrawn, or withdrawn after an upheld objection): the case
            # exists, it has only left this notice's list.
            left = await case_repository.get_case(ctx.session, body.case_id, lo, hi)
            state = None if left is None else left["state"]
            raise conflict(
                f"the case has left the notice's list (now {state}): there is nothing to object to here",
                code="case-closed",
                state=state,
            )
        raise not_found("case")
    # Objections to one case queue on its row, so two identical ones sent together cannot both open.
    case = await case_repository.get_case(ctx.session, body.case_id, lo, hi, lock=True)
    if case is not None and case["state"] in CLOSED:  # withdrawn while this request waited for the lock
        raise conflict(
            f"the case was {case['state']} and has left the notice: there is nothing to object to",
            code="case-closed",
            state=case["state"],
        )
    if case is not None and not await notices.is_listed(ctx.session, notice_id, body.case_id):
        # Another objection to it was upheld while this one waited for the case: it went back to
        # verification and off this notice, so a ticket here would hold nothing and need nobody's answer.
        raise conflict(
            f"the case has left the notice's list (now {case['state']}): there is nothing to object to here",
            code="case-closed",
            state=case["state"],
        )
    same = await _same_open_ticket(ctx, notice_id, body)
    if same is not None:
        # Repeating an objection adds nothing to the township's work, and each ticket blocks the notice.
        return render(same, ctx.now)
    sla = await regions.decimal(ctx.session, notice["division"], "objection_sla_days", "10")
    ticket = {
        "id": uuid.uuid4(),
        "notice_id": notice_id,
        "case_id": body.case_id,
        "division": notice["division"],
        "text": body.text,
        "contact": body.contact,
        "submitted_by": submitted_by,
        "status": "open",
        "opened_at": ctx.now,
        "due_at": ctx.now + dt.timedelta(days=float(sla)),
    }
    await repository.insert_ticket(ctx.session, ticket)
    await record_change(ctx.session, events.objection_event(ticket, case or {}, ctx.actor))
    return render({**ticket, "resolved_by": None, "resolved_at": None, "resolution": None}, ctx.now)


async def _same_open_ticket(ctx: Context, notice_id: uuid.UUID, body: ObjectionIn) -> dict[str, Any] | None:
    """The open ticket on the case with the same words (whitespace aside), if there is one."""
    words = normalised(body.text)
    tickets = await repository.open_tickets(ctx.session, notice_id, body.case_id)
    return next((ticket for ticket in tickets if normalised(ticket["text"]) == words), None)


async def resolve(ctx: Context, ticket_id: uuid.UUID, body: ResolutionIn) -> TicketOut:
    lo, hi = ctx.actor.subtree
    ticket = await repository.get(ctx.session, ticket_id, lo, hi, lock=True)
    if ticket is None:
        raise not_found("objection")
    if ctx.actor.tier != "township" or not ctx.actor.has_role("officer"):
        raise forbidden("objections are resolved by a township officer")
    if ticket["status"] != "open":
        raise conflict("the objection is already resolved", code="resolved")
    note: str | None = None
    if body.outcome is Outcome.UPHELD:
        # The case's lock is held by every step that lists or unlists it, so its line cannot change below.
        case = await cases.load(ctx, ticket["case_id"], lock=True)
        if await notices.is_listed(ctx.session, ticket["notice_id"], ticket["case_id"]):
            await cases.apply(ctx, case, A.UPHOLD_OBJECTION, {"objection_id": str(ticket_id)}, body.reason)
            await notices.unlist(ctx.session, ticket["notice_id"], ticket["case_id"])
        else:
            # The case left this notice before the ticket was decided (another objection was upheld, it
            # was withdrawn or rejected) and may be on a later notice nobody objected to: the ticket is
            # closed with its finding, so the notice can close, and the case is left where it is.
            note = LEFT_NOTICE.format(state=case["state"])
    await repository.resolve(
        ctx.session, ticket_id, body.outcome.value, ctx.actor.subject, ctx.now, body.reason, note
    )
    case_now = await cases.load(ctx, ticket["case_id"])
    await case_repository.insert_history(
        ctx.session,
        [
            {
                "case_id": ticket["case_id"],
                "division": ticket["division"],
                "action": f"objection_{body.outcome.value}",
                "from_state": None,
                "to_state": case_now["state"],
                "actor": ctx.actor.subject,
                "actor_tier": ctx.actor.tier,
                "at": ctx.now,
                "detail": {
                    "objection_id": str(ticket_id),
                    "notice_id": str(ticket["notice_id"]),
                    "reason": body.reason,
                    **({} if note is None else {"case_left_notice": True, "note": note}),
                },
            }
        ],
    )
    updated = await repository.get(ctx.session, ticket_id, lo, hi)
    assert updated is not None
    await record_change(ctx.session, events.objection_event(updated, case_now, ctx.actor))
    return render_ticket(updated, ctx.now, ctx.actor)


async def search(ctx: Context, status: str | None, after: str | None, limit: int) -> keyset.Page[TicketOut]:
    lo, hi = ctx.actor.subtree
    rows = await repository.search(ctx.session, lo, hi, status, keyset.decode(after), limit)
    return keyset.convert(
        keyset.page(rows, limit, "due_at"), lambda row: render_ticket(row, ctx.now, ctx.actor)
    )


def submitter(actor: Actor | None) -> str:
    return PUBLIC if actor is None else actor.subject
