"""Routing `/api/v1/<service>/...` to the services: streamed both ways, with timeouts, and a 503 with
Retry-After (never a hang or a 500) when a service is down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from fupin_kit.problems import ProblemError, not_found, problem_response, service_unavailable

router = APIRouter()
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
RESPONSE_DROP = HOP_BY_HOP | {"x-request-id"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# An answer whose Content-Length says it is at most this big is read whole and sent as one response:
# streaming it would cost a task group and a disconnect listener per request for a body that fits in a
# few packets. Anything larger, or of unknown length (exports, reports), is streamed as before.
BUFFER_MAX_BYTES = 256 * 1024


def _forward_headers(request: Request) -> list[tuple[str, str]]:
    headers = [(key, value) for key, value in request.headers.items() if key.lower() not in HOP_BY_HOP]
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        headers = [(key, value) for key, value in headers if key.lower() != "x-request-id"]
        headers.append(("x-request-id", request_id))
    client = request.client.host if request.client else ""
    headers.append(("x-forwarded-for", client))
    return headers


def _body(request: Request) -> AsyncIterator[bytes] | None:
    """The request body to stream upstream, or None when the request has none (a GET, typically): an
    iterator would make httpx send an empty chunked body, which both ends then frame and parse."""
    if "content-length" in request.headers or "transfer-encoding" in request.headers:
        return request.stream()
    return None


@router.api_route("/api/v1/{service}/{path:path}", methods=METHODS, include_in_schema=False)
async def forward(service: str, path: str, request: Request) -> Response:
    upstreams: dict[str, str] = request.app.state.settings.upstreams
    base = upstreams.get(service)
    if base is None:
        return problem_response(not_found("service"), request)
    client: httpx.AsyncClient = request.app.state.http_next()
    upstream_request = client.build_request(
        request.method,
        f"{base}/{path}",
        params=request.url.query,
        headers=_forward_headers(request),
        content=_body(request),
    )
    try:
        upstream = await client.send(upstream_request, stream=True)
        headers = {key: value for key, value in upstream.headers.items() if key.lower() not in RESPONSE_DROP}
        if not _small(upstream):
            return StreamingResponse(
                upstream.aiter_raw(),
                status_code=upstream.status_code,
                headers=headers,
                background=BackgroundTask(upstream.aclose),
            )
        try:
            body = b"".join([chunk async for chunk in upstream.aiter_raw()])
        finally:
            await upstream.aclose()
        return Response(body, status_code=upstream.status_code, headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        return problem_response(
            service_unavailable(f"the {service} service is unavailable ({type(exc).__name__})"), request
        )
    except httpx.TimeoutException:
        return problem_response(
            ProblemError(
                504,
                "Gateway Timeout",
                f"the {service} service did not answer in time",
                kind="upstream-timeout",
            ),
            request,
        )


def _small(upstream: httpx.Response) -> bool:
    length = upstream.headers.get("content-length")
    return length is not None and length.isdigit() and int(length) <= BUFFER_MAX_BYTES
