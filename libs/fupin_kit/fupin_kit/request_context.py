"""What the work in hand answers to, for the events it writes: the HTTP request being handled, or the
event a consumer is applying.

RequestIdMiddleware sets the request id for the request's task; an event the request writes carries it as
its `correlationid` (envelope.new_event), so an operator can find the events of one call from the
`X-Request-Id` of its answer. Work the request starts in a task of its own (a bulk import) inherits it.

The consumer sets the cause while a handler applies an event (`caused_by`): an event written in reaction
carries the cause's id as its `causationid` and the cause's correlation (or, when it has none, its id) as
its own `correlationid`, so a consumer can tell a reaction from its cause whatever order they arrive in,
and group a whole chain. A builder that names a cause or correlation itself keeps it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

REQUEST_ID: ContextVar[str | None] = ContextVar("fupin_request_id", default=None)


@dataclass(frozen=True)
class Cause:
    causation_id: str
    correlation_id: str


CAUSE: ContextVar[Cause | None] = ContextVar("fupin_event_cause", default=None)


class CausingEvent(Protocol):
    @property
    def id(self) -> object: ...

    @property
    def correlationid(self) -> str | None: ...


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def current_cause() -> Cause | None:
    return CAUSE.get()


@contextlib.contextmanager
def correlated(correlation_id: str) -> Iterator[None]:
    """Work no request or event started (a timer's round): the events it writes share `correlation_id`,
    as a request's share its request id."""
    token = REQUEST_ID.set(correlation_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


@contextlib.contextmanager
def caused_by(event: CausingEvent) -> Iterator[None]:
    token = CAUSE.set(Cause(str(event.id), event.correlationid or str(event.id)))
    try:
        yield
    finally:
        CAUSE.reset(token)
