"""The id of the HTTP request being handled, for what that request causes beyond its answer.

RequestIdMiddleware sets it for the request's task; an event the request writes carries it as its
`correlationid` (envelope.new_event), so a consumer can group a change with everything it goes on to cause
(reactions carry their cause's correlation), and an operator can find the events of one call from the
`X-Request-Id` of its answer. Work the request starts in a task of its own (a bulk import) inherits it."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("fupin_request_id", default=None)


def current_request_id() -> str | None:
    return REQUEST_ID.get()
