"""The SERVER span of every HTTP request, as pure ASGI middleware: parented to the caller's trace context
(W3C traceparent, through the globally configured propagators), current while the request is handled so
every DB, client and publish span it starts is its child, named "METHOD /route/{template}" once the router
has matched, with the HTTP semantic-convention attributes an operator filters on.

It replaces FastAPI's own integration, which did the same and more per request: a second receive wrapper,
header views built twice (propagation, then the server address), the query string parsed and re-encoded,
provider checks and a per-request telemetry object; on B3's read (gateway and registry, two server spans)
tracing cost a third of the platform's CPU, this layer most of it.

At the edge (the gateway, which callers outside the platform reach) a caller's trace context is not
trusted: its span starts a trace of the platform's own, linked to the caller's span. Followed, a
`traceparent` whose sampled flag is off would leave a caller's requests unrecorded at every process (the
samplers follow their parent), and a chosen trace id would mix its requests into another's trace; the
caller's baggage would reach every service.

Resident IDs that reach a span (a query string, an exception message) are masked by the exporting
processors (fupin_kit.telemetry.ScrubbingSpanProcessor), so they are not handled here. Query parameters
named like credentials are dropped before they are recorded at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any
from urllib.parse import unquote_plus

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import Link, SpanKind, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH

# Request headers the propagators read (W3C trace context and baggage): only these are copied out of the
# ASGI header list, and only when present.
PROPAGATION_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage"})
# Paths whose requests get no span: polling that is not traffic would drown real traffic in the trace store.
# The health probes, and the revoked-subjects document every service polls every 2 s (150 root spans a
# minute from five services on an idle platform).
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", REVOKED_SUBJECTS_PATH})
# Query parameters whose values are never recorded (a token passed where a header cannot be): any whose
# name, once decoded, contains one of these (access_token, client_secret, X-Amz-Signature, api_key, passwd,
# authorization). Redacting a harmless parameter costs only its value in a span.
SECRET_NAME_PARTS = (
    "token",
    "secret",
    "pass",
    "pwd",
    "sig",
    "key",
    "credential",
    "auth",
    "session",
    "jwt",
    "bearer",
    "otp",
)
# A JSON Web Token (its base64url header and payload) under any name: a bearer token where none is expected.
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+")
# How long a stopping process waits for its last spans to be exported.
FLUSH_TIMEOUT_MS = 3000
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})


def _parent(scope: Scope) -> otel_context.Context | None:
    carrier: dict[str, str] | None = None
    for key, value in scope["headers"]:
        if key in PROPAGATION_HEADERS:
            if carrier is None:
                carrier = {}
            carrier[key.decode("latin-1")] = value.decode("latin-1")
    return None if carrier is None else propagate.extract(carrier)


def _query(raw: bytes) -> str:
    return redacted_query(raw.decode("latin-1"))


def _decoded(text: str) -> str:
    """`text` percent-decoded until it no longer changes (a few rounds): a value encoded twice (%252E) is
    still the token it spells once a server or a reader decodes it again."""
    for _ in range(3):
        plain = unquote_plus(text)
        if plain == text:
            break
        text = plain
    return text


def _is_secret(name: str, value: str) -> bool:
    # Decoded first: access%5Ftoken and %70assword are access_token and password to every server. A JWT is
    # looked for in the name too: a bare `?<token>` has it as its name and no value.
    plain_name = _decoded(name)
    if any(part in plain_name.lower() for part in SECRET_NAME_PARTS):
        return True
    return _JWT.search(plain_name) is not None or _JWT.search(_decoded(value)) is not None


def redacted_query(query: str) -> str:
    """A query string as a span records it: the value of each parameter named like a credential, or
    holding a JSON Web Token, replaced."""
    kept: list[str] = []
    changed = False
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if _is_secret(name, value):
            # A token in the name (`?<token>=1`, or bare) goes with it.
            kept.append("REDACTED" if _JWT.search(_decoded(name)) else f"{name}=REDACTED")
            changed = True
        else:
            kept.append(part)
    return "&".join(kept) if changed else query


def _caller_link(parent: otel_context.Context | None) -> list[Link]:
    """A link to the span a caller outside the platform named in its traceparent, if it named a valid
    one: who runs that system can still find our trace from theirs."""
    if parent is None:
        return []
    caller = trace.get_current_span(parent).get_span_context()
    return [Link(caller, {"fupin.link": "caller"})] if caller.is_valid else []


class ServerSpanMiddleware:
    def __init__(
        self, app: ASGIApp, tracer_provider: trace.TracerProvider | None = None, *, edge: bool = False
    ) -> None:
        self.app = app
        self.tracer = trace.get_tracer("fupin.http.server", tracer_provider=tracer_provider)
        self._tracer_provider = tracer_provider
        # The gateway: a caller's trace context is linked to, not continued (module docstring).
        self.edge = edge

    def _flushing_at_shutdown(self, send: Send) -> Send:
        """`send` for the lifespan, exporting the spans still waiting in their batch once the application
        has shut down (every shutdown hook run, the relay's last publish included). The SDK's own flush is
        an atexit hook, which never runs under uvicorn: after a graceful shutdown on SIGTERM it raises the
        signal again, which ends the process first; up to a batch delay of spans (5 s) was lost at every
        stop, restart or deploy."""

        async def send_flushed(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self._flush()
            await send(message)

        return send_flushed

    async def _flush(self) -> None:
        provider = self._tracer_provider or trace.get_tracer_provider()
        flush = getattr(provider, "force_flush", None)
        if flush is None:
            return  # tracing not configured (the API's no-op provider)
        # In a thread, and waited for a bounded time: an exporter whose collector is down retries for its
        # whole timeout, and a stop must not wait for that.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.to_thread(flush, FLUSH_TIMEOUT_MS), FLUSH_TIMEOUT_MS / 1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._flushing_at_shutdown(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in UNTRACED_PATHS:
            # Nor do the calls a probe makes (the gateway's /readyz asks every service): without the
            # request's span they would each start a trace of their own.
            with suppress_instrumentation():
                await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        if method not in KNOWN_METHODS:
            method = "_OTHER"
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "url.scheme": scope.get("scheme", "http"),
            "url.path": scope["path"],
        }
        if scope.get("query_string"):
            attributes["url.query"] = _query(scope["query_string"])
        if scope.get("http_version"):
            attributes["network.protocol.version"] = scope["http_version"]
        server = scope.get("server")
        if server:
            attributes["server.address"] = server[0]
            if server[1] is not None:
                attributes["server.port"] = server[1]
        parent = _parent(scope)
        links: list[Link] = []
        if self.edge:
            # An empty context, not None: None would fall back to whatever context is current.
            links, parent = _caller_link(parent), otel_context.Context()
        span = self.tracer.start_span(
            "HTTP" if method == "_OTHER" else method,
            context=parent,
            kind=SpanKind.SERVER,
            attributes=attributes,
            links=links,
        )
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        status: list[int] = []

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        failure: BaseException | None = None
        try:
            await self.app(scope, receive, send_observed)
        except BaseException as error:
            failure = error
            raise
        finally:
            otel_context.detach(token)
            self._finish(span, scope, method, status, failure)

    @staticmethod
    def _finish(
        span: trace.Span, scope: Scope, method: str, status: list[int], failure: BaseException | None
    ) -> None:
        route = getattr(scope.get("route"), "path", None)
        if isinstance(route, str):
            span.set_attribute("http.route", route)
            span.update_name(f"{'HTTP' if method == '_OTHER' else method} {route}")
        code = status[0] if status else None
        if code is not None:
            span.set_attribute("http.response.status_code", code)
        if failure is not None or code is None or code >= 500:
            # The type only: an exception's message may carry personal data.
            span.set_attribute(
                "error.type", type(failure).__qualname__ if failure is not None else str(code or "incomplete")
            )
            span.set_status(StatusCode.ERROR)
        span.end()
