"""Tier feeds over HTTP: the resumable pull API and the SSE stream.

The jurisdiction is the verified token's division subtree, never a parameter; the event types and the
masking are the caller tier's policy. Both endpoints share one cursor, the feed-store seq.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import identification
from fupin_gateway.feeds import repository
from fupin_gateway.feeds.policy import TierPolicy, identity_tier
from fupin_gateway.feeds.runtime import FeedRuntime, feed_runtime
from fupin_gateway.feeds.sse import StreamGuard, event_stream
from fupin_gateway.feeds.views import event_view
from fupin_gateway.identity.claims import verified_claims
from fupin_kit import openapi_scope as scope
from fupin_kit.auth import client_scopes
from fupin_kit.auth.actor import Actor
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from fupin_kit.problems import ProblemError, forbidden, unprocessable

router = APIRouter(prefix="/feeds", tags=["feeds"])
Runtime = Annotated[FeedRuntime, Depends(feed_runtime)]
MAX_SEQ = 2**63 - 1  # bigint


class FeedEvent(BaseModel):
    """A structured CloudEvent (JSON format) with the feed's cursor `seq`; absent attributes are left out."""

    specversion: str = "1.0"
    seq: int
    id: str
    type: str
    division: str
    time: str
    datacontenttype: str = "application/json"
    source: str | None = None
    subject: str | None = None
    extradivisions: list[str] | None = None
    correlationid: str | None = None
    causationid: str | None = None
    actortier: str | None = None
    data: dict[str, Any]


class FeedPage(BaseModel):
    events: list[FeedEvent]
    # Pass as `after` for the next page; equal to `after` when nothing new has arrived.
    next_after: int


def _tier_policy(runtime: FeedRuntime, actor: Actor) -> TierPolicy:
    policy = runtime.policy.for_actor(actor)
    if policy is None:
        raise forbidden(f"the {actor.tier} tier receives no feed")
    if may_push_lists(actor) and not actor.sees_full_identity:
        # A system that pushes comparison lists above the county is told nothing of what they matched
        # (identification answers its push without counts and refuses it the hits). Its feed once left out
        # the identification events its lists caused, yet the feed's seqs still told it: every event stored
        # takes the next seq, withheld or not, so the store's end (where a cursor stops being accepted) and
        # the gap between two events it was shown grew by one for each entry of its list that matched, on a
        # quiet deployment exactly (s17 verifier2). It reads no feed.
        raise ProblemError(
            403,
            "Forbidden",
            "a system that pushes comparison lists above the county reads no feed: the feed would tell it "
            "what its lists matched",
            kind="forbidden",
            code="list-pusher-feed",
        )
    return policy


# The service that takes departments' lists; the route's operation scope is the contract's.
PUSH_SERVICE = "identification"


def may_push_lists(actor: Actor) -> bool:
    """Whether identification takes a department's comparison list from this token: a person with the
    department role, or a client whose scopes allow the push (comparisons.service.push)."""
    if actor.kind == "client":
        return actor.scopes is None or client_scopes.permits(
            actor.scopes, PUSH_SERVICE, "POST", identification.PUSH_OPERATION
        )
    return actor.has_role("department")


# A departmental client reads a feed only with the feeds.read scope (auth.client_scopes).
FEED_OPERATION = client_scopes.FEED_READ
FEED_SCOPE = scope.merge(scope.caller(), client_scopes.operation(FEED_OPERATION))


# Where a new reader starts: with the last `tail` events of its feed rather than from its beginning (a
# province's feed holds every event since the platform began). The cursors it then receives are resumed
# from as any others.
Tail = Annotated[
    int | None,
    Query(
        ge=1,
        le=1000,
        description="Start with the last `tail` events of the caller's feed (not with `after`; "
        "Last-Event-ID, when sent, wins).",
    ),
]


@router.get(
    "/events",
    summary="Feed events of the caller's jurisdiction after a cursor (seq)",
    openapi_extra=FEED_SCOPE,
    response_model_exclude_none=True,
)
async def pull_events(
    actor: CurrentActor,
    session: DbSession,
    runtime: Runtime,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Last seq already seen; 0 for the beginning.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    tail: Tail = None,
) -> FeedPage:
    policy = _tier_policy(runtime, actor)
    if tail is not None:
        after = await _tail_cursor(session, actor, policy, tail, after=after)
        limit = max(limit, tail)
    rows = await repository.events_after(
        session,
        subtree=actor.subtree,
        after=after,
        limit=limit,
        policy=policy,
    )
    if not rows:
        # Only an empty page can come from a cursor past the end (a page with rows proves it is not).
        await check_cursor(session, after, actor, policy)
    events = [FeedEvent.model_validate(event_view(row, identity_tier(actor), policy)) for row in rows]
    return FeedPage(events=events, next_after=rows[-1].seq if rows else after)


@router.get(
    "/stream",
    summary="Server-sent events of the caller's jurisdiction, resumable with Last-Event-ID",
    response_class=StreamingResponse,
    openapi_extra=FEED_SCOPE,
    responses={200: {"content": {"text/event-stream": {}}, "description": "id = seq, event = type"}},
)
async def stream_events(
    request: Request,
    actor: CurrentActor,
    runtime: Runtime,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Start after this seq (no header).")
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    tail: Tail = None,
) -> StreamingResponse:
    policy = _tier_policy(runtime, actor)
    # A reconnecting EventSource repeats the original URL and adds the header: the header is newer, and
    # wins over `tail` too (a reconnect resumes, it does not start again from the recent past).
    cursor = _parse_cursor(last_event_id) if last_event_id is not None else (after or 0)
    async with request.app.state.sessionmaker() as session:
        if tail is not None and last_event_id is None:
            cursor = await _tail_cursor(session, actor, policy, tail, after=after or 0)
        await check_cursor(session, cursor, actor, policy)
    # CurrentActor has verified the token; the stream must also end when it expires or is revoked.
    claims = verified_claims(request)
    guard = StreamGuard(
        subject=actor.subject,
        expires_at=float(claims["exp"]),
        blocklist=request.app.state.blocklist,
        issued_at=actor.issued_at,
    )
    return StreamingResponse(
        event_stream(
            sessionmaker=request.app.state.sessionmaker,
            runtime=runtime,
            actor=actor,
            policy=policy,
            after=cursor,
            guard=guard,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _tail_cursor(
    session: AsyncSession, actor: Actor, policy: TierPolicy, tail: int, *, after: int
) -> int:
    if after:
        raise unprocessable("give either `after` (resume) or `tail` (start with the last events), not both")
    return await repository.cursor_before_last(session, subtree=actor.subtree, policy=policy, count=tail)


async def check_cursor(session: AsyncSession, cursor: int, actor: Actor, policy: TierPolicy) -> None:
    """A cursor this feed never gave out (a typo, another deployment's, one from before a restore of the
    store) is refused: accepted, it would answer "nothing new" until the feed reaches it, and every event
    numbered up to it would be skipped for good. Any seq the feed has sent is at most the store's end, so a
    resume from the event just received is always accepted, even one of a type the caller's tier has since
    stopped receiving. The refusal names the caller's own feed's last seq, not the store's end: seqs run
    over every province's events, and their end told any reader how busy the whole platform was."""
    if cursor == 0:
        return
    end = await repository.last_seq(session)
    if cursor > end:
        own_end = await repository.last_seq_in_feed(
            session,
            subtree=actor.subtree,
            policy=policy,
        )
        raise unprocessable(
            f"the cursor is beyond the feed's end ({own_end}): resume from a cursor this feed gave you",
            feed_end=own_end,
        )


def _parse_cursor(value: str) -> int:
    text = value.strip()
    # The length first: int() refuses strings of more than 4,300 digits with a ValueError (a 500).
    if len(text) > len(str(MAX_SEQ)) or not (text.isascii() and text.isdigit()) or int(text) > MAX_SEQ:
        raise unprocessable("Last-Event-ID must be a feed seq (a non-negative integer)")
    return int(text)
