"""Routing `/api/v1/<service>/...` to the services: streamed both ways, with timeouts, and a 503 with
Retry-After (never a hang or a 500) when a service is down.

It is pure ASGI middleware, innermost of the gateway's (inside tracing, request ids, security headers and
the access guard, so every proxied request is traced, identified, guarded and audited like any other), and
not a FastAPI route: a proxied request needs none of what the router adds (route matching over every
gateway route, parameter parsing, the dependency solver, the exit stack), which cost about a sixth of the
gateway's CPU per proxied read (B3). Anything that is not a proxied call goes on to the app's own routes.

A caller that goes away before its body has been read to the end (an upload aborted half-way) is neither a
failure of the gateway (500) nor of the service (503): the service's request is dropped, nothing is sent,
the access audit records 499 and the log says so in one line (QA9-OP2).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import orjson
from opentelemetry import trace
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from fupin_gateway.access import note_client_closed
from fupin_gateway.upstream import UpstreamClient
from fupin_kit.problems import ProblemError, not_found, problem_response, service_unavailable
from fupin_kit.telemetry import scrub_text

log = logging.getLogger(__name__)

PREFIX = "/api/v1/"
# The server span's route: one name for every proxied call (the service is an attribute of its own), so
# traces group by operation kind rather than by every household id in a path.
ROUTE = "/api/v1/{service}/{path}"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# The gateway's own middleware sets the request id on the way out; the upstream's copy would duplicate it.
# The gateway's server (uvicorn) always adds its own `date` and `server`: the upstream's would be a second
# copy of each, which HTTP forbids for `date`.
RESPONSE_DROP = frozenset(name.encode() for name in HOP_BY_HOP | {"x-request-id", "date", "server"})
# Request headers arrive lowercased (ASGI) and are compared as bytes, without decoding the ones dropped.
# A declared Content-Length is passed on (it is the body's, not the connection's): a streamed body then goes
# with its length rather than chunked, so the service refuses one larger than its route takes with its own
# 413 problem from the header, at once, before any of it is read. Chunked, the service could only refuse
# once the limit had been read, and the gateway had already invited the body (`100 Continue`) or waited for
# it. `Expect` is passed on too: the body is only read from the caller once the service asks for it.
# A caller's trace context stops at the gateway (fupin_kit.server_spans, edge): the services get the
# gateway's own (upstream.py injects it), and a caller's tracestate or baggage does not ride along with it.
TRACE_CONTEXT = {"traceparent", "tracestate", "baggage"}
REQUEST_DROP = frozenset(
    name.encode() for name in (HOP_BY_HOP - {"content-length"}) | {"x-request-id"} | TRACE_CONTEXT
)
PROBLEM_TYPE = "application/problem+json"
# A service's own doc pages load Swagger UI / ReDoc from a CDN and read `/openapi.json`, which through the
# gateway is the merged document: not proxied. Its document stays at /api/v1/<service>/openapi.json.
SERVICE_DOC_PAGES = frozenset({"docs", "docs/oauth2-redirect", "redoc"})
# An answer whose Content-Length says it is at most this big is read whole and sent as one response:
# streaming it would cost a task group and a disconnect listener per request for a body that fits in a
# few packets. Anything larger, or of unknown length (exports, reports), is streamed as before. The same
# bound applies to request bodies: a small one is read whole and sent with its length, not chunked.
BUFFER_MAX_BYTES = 256 * 1024
STREAM_CHUNK = 64 * 1024


def _forward_headers(request: Request) -> list[tuple[str, str]]:
    headers = [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, value in request.scope["headers"]
        if key not in REQUEST_DROP
    ]
    request_id = request.scope.get("state", {}).get("request_id") or request.headers.get("x-request-id")
    if request_id:
        headers.append(("x-request-id", request_id))
    client = request.client.host if request.client else ""
    headers.append(("x-forwarded-for", client))
    return headers


def _upstream_url(base: str, service: str, path: str, request: Request) -> URL:
    """The service's URL for this request: the path exactly as the caller encoded it (a proxy passes it on,
    it does not decode and re-encode it), and the query string untouched."""
    raw_path: bytes | None = request.scope.get("raw_path")
    prefix = f"/api/v1/{service}/".encode()
    if raw_path is not None and raw_path.startswith(prefix):
        rest = raw_path[len(prefix) :].decode("latin-1")
    else:
        rest = quote(path)
    query: bytes = request.scope.get("query_string", b"")
    target = f"{base}/{rest}?{query.decode('latin-1')}" if query else f"{base}/{rest}"
    return URL(target, encoded=True)


class CallerStream:
    """The caller's body streamed to the service, noting whether the caller went away while it was read.
    aiohttp reports that as a failed exchange with the service (a ClientConnectionError while writing the
    body), the same as a service that broke the connection: only this tells the two apart."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self.caller_gone = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._request.stream():
                yield chunk
        except ClientDisconnect:
            self.caller_gone = True
            raise


async def _body(request: Request) -> bytes | CallerStream | None:
    """The request body: None when the request has none (a GET, typically), the bytes when it is small and
    its length is declared, else a stream (sent with the declared length, or chunked when there is none).
    Raises ClientDisconnect when the caller goes away before a small body has all arrived."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= BUFFER_MAX_BYTES:
        return await request.body()
    if length is not None or "transfer-encoding" in request.headers:
        return CallerStream(request)
    return None


class ProxyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"] if scope["type"] == "http" else ""
        service, slash, rest = path[len(PREFIX) :].partition("/")
        if not path.startswith(PREFIX) or not slash or not service:
            # Not a proxied call: the app's routes answer it, with their 404 or 405. A proxied call goes on
            # whatever its method (TRACE, QUERY, …): the service's answer (its 405 with Allow, a HEAD's
            # headers) reaches the caller, not the gateway's 404 for a route it does not have.
            await self.app(scope, receive, send)
            return
        _name_server_span(scope["method"], service)
        try:
            response = await forward(service, rest, Request(scope, receive))
        except ClientDisconnect:
            _client_closed(scope, service)
            return
        await response(scope, receive, send)


def _client_closed(scope: Scope, service: str) -> None:
    """The caller went away mid-upload: nothing to send (no one would read it), no error to log (nothing
    failed on this side), one line for the operator with the request id that names the audit row."""
    note_client_closed(scope)
    request_id = scope.get("state", {}).get("request_id", "")
    log.info(
        "the client closed %s %s (request %s) before sending all of its body; the request was dropped",
        scope["method"],
        service,
        scrub_text(request_id),
    )


def _name_server_span(method: str, service: str) -> None:
    """What the router would have done for a route: name the request's server span after it."""
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {ROUTE}")
        span.set_attribute("http.route", ROUTE)
        span.set_attribute("fupin.upstream.service", service)


async def forward(service: str, path: str, request: Request) -> Response:
    upstreams: dict[str, str] = request.app.state.settings.upstreams
    base = upstreams.get(service)
    if base is None:
        return problem_response(not_found("service"), request)
    if path in SERVICE_DOC_PAGES:
        return problem_response(not_found("page; the API's docs are at /docs"), request)
    client: UpstreamClient = request.app.state.upstream
    body = await _body(request)
    try:
        upstream = await client.send(
            request.method, _upstream_url(base, service, path, request), _forward_headers(request), body
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        if isinstance(body, CallerStream) and body.caller_gone:
            # aiohttp has closed the service's connection (a request cut short cannot be reused).
            raise ClientDisconnect() from exc
        return _failure(service, exc, request)
    # Passed on as raw bytes (names lowercased, as ASGI wants): no decoding and re-encoding per header.
    headers = [
        (key.lower(), value) for key, value in upstream.raw_headers if key.lower() not in RESPONSE_DROP
    ]
    if 300 <= upstream.status < 400:
        headers = [
            (key, _public_location(value, base, service) if key == b"location" else value)
            for key, value in headers
        ]
    if not _small(upstream):
        streamed = StreamingResponse(
            upstream.content.iter_chunked(STREAM_CHUNK),
            status_code=upstream.status,
            background=BackgroundTask(upstream.release),
        )
        streamed.raw_headers = headers
        return streamed
    try:
        body = await upstream.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return _failure(service, exc, request)
    finally:
        upstream.release()
    if upstream.status >= 400 and upstream.content_type == PROBLEM_TYPE:
        body = _public_instance(body, service)
    response = Response(body, status_code=upstream.status)
    # A HEAD answer has no body but the length the GET's body would have, as the service said.
    length = upstream.headers.get("content-length", "0") if request.method == "HEAD" else str(len(body))
    response.raw_headers = [*headers, (b"content-length", length.encode())]
    return response


def _public_location(location: bytes, base: str, service: str) -> bytes:
    """A service's redirect (a trailing slash, say) names the service's own address, which is internal:
    a client following it would bypass the gateway (its token and body sent past the rate limits and the
    audit). Through the gateway it points at the gateway's path for the same place."""
    text = location.decode("latin-1")
    if text.startswith(base):
        text = text[len(base) :]
    if text.startswith("/") and not text.startswith("//"):
        return f"/api/v1/{service}{text}".encode("latin-1")
    return location


def _public_instance(body: bytes, service: str) -> bytes:
    """A service's problem names its own path as `instance`; the caller used the gateway's, so that is the
    one it gets (only error answers are read, and only when they are problem documents)."""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    instance = problem.get("instance") if isinstance(problem, dict) else None
    if not isinstance(instance, str) or not instance.startswith("/"):
        return body
    problem["instance"] = f"/api/v1/{service}{instance}"
    return orjson.dumps(problem)


def _failure(service: str, exc: BaseException, request: Request) -> Response:
    """503 + Retry-After when the service cannot be reached or breaks the exchange; 504 when it was
    reached but did not answer in time (a slow connect is the former: the service is not there)."""
    if isinstance(exc, TimeoutError) and not isinstance(exc, aiohttp.ConnectionTimeoutError):
        return problem_response(
            ProblemError(
                504,
                "Gateway Timeout",
                f"the {service} service did not answer in time",
                kind="upstream-timeout",
            ),
            request,
        )
    return problem_response(
        service_unavailable(f"the {service} service is unavailable ({type(exc).__name__})"), request
    )


def _small(upstream: aiohttp.ClientResponse) -> bool:
    length = upstream.headers.get("content-length")
    return length is not None and length.isdigit() and int(length) <= BUFFER_MAX_BYTES
