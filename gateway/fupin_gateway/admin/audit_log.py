"""`GET /admin/audit`: the gateway's audit chain searched by the admins entitled to it.

A provincial supervisor or a county's discipline office answers "who opened this household's file", "what
did this account do last week", "who signed in from where" without database access. An admin (a person
holding the `admin` role, at any tier) reads the rows whose division lies in its own subtree: the requests
and sign-ins of its jurisdiction's accounts and the changes to them (a refused or locked sign-in is filed at
the tried account's division). Anonymous callers' rows, and sign-ins naming no account, are filed under the
nation, so only the nation's admins read those. The search is itself a request, so the access audit records
who searched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from fupin_gateway.admin import audit_repository
from fupin_gateway.admin.deps import Admin, Limit
from fupin_kit import openapi_scope as scope
from fupin_kit.problems import unprocessable
from fupin_kit.telemetry import scrub_text

router = APIRouter(prefix="/admin/audit", tags=["admin"])

# The bounds of the audit_log columns they are compared with (fupin_kit.infra_tables).
Actor = Annotated[str | None, Query(min_length=1, max_length=200, description="Exactly this actor")]
Action = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=120,
        description="Exactly this action: access, sign_in, sign_in_refused, sign_in_locked, "
        "user.created, client.secret_reset, keys.rotated, …",
    ),
]
SubjectPrefix = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Subjects (a request's path, an account) starting with this text; % and _ are "
        "themselves, no wildcard",
    ),
]
Status = Annotated[int | None, Query(ge=100, le=599, description="An access's HTTP status")]
Instant = Annotated[AwareDatetime | None, Query(description="RFC 3339 instant, with its offset")]
RequestId = Annotated[str | None, Query(min_length=1, max_length=200, description="The X-Request-ID")]
After = Annotated[
    int | None, Query(ge=1, description="Keyset cursor: the seq of the previous page's last item")
]


class AuditItem(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    division: str
    detail: dict[str, Any]
    hash: str


class AuditPage(BaseModel):
    """The gateway's admin paging: the next page is asked for with `after=<next_after>`; null: no more."""

    items: list[AuditItem]
    next_after: int | None = None


def _as_stored(typed: str | None) -> str | None:
    """What a caller typed, masked as the access audit stores it (access._typed), so that a path or request
    id holding a resident ID or mobile number matches its stored, masked form."""
    return None if typed is None else scrub_text(typed)


@router.get(
    "",
    summary="Search the audit chain within the admin's jurisdiction, newest first",
    openapi_extra=scope.caller(),
)
async def search_audit(
    ctx: Admin,
    actor: Actor = None,
    action: Action = None,
    subject_prefix: SubjectPrefix = None,
    status: Status = None,
    since: Instant = None,
    until: Annotated[AwareDatetime | None, Query(description="RFC 3339 instant, exclusive")] = None,
    request_id: RequestId = None,
    after: After = None,
    limit: Limit = 100,
) -> AuditPage:
    if since is not None and until is not None and since > until:
        raise unprocessable("since is after until")
    found = audit_repository.AuditFilter(
        actor=actor,
        action=action,
        subject_prefix=_as_stored(subject_prefix),
        status=status,
        since=since,
        until=until,
        request_id=_as_stored(request_id),
    )
    rows = await audit_repository.newest_first(ctx.session, ctx.actor.division, found, after, limit)
    items = [AuditItem.model_validate(row, from_attributes=True) for row in rows]
    next_after = items[-1].seq if len(items) == limit else None
    return AuditPage(items=items, next_after=next_after)
