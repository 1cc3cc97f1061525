"""The proxy's HTTP client to the services: one aiohttp session per gateway process, and the CLIENT span of
each upstream call.

aiohttp rather than httpx on this hop: httpx (httpcore, h11, anyio) cost about a third of the gateway's
CPU per proxied read in B3, aiohttp (C parser, no anyio layer) a fraction of that. httpx stays for the
gateway's other, occasional calls (readiness probes). The span is made here rather than by an
instrumentation package: one span, its attributes and the trace headers, without wrapping every call.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from yarl import URL

from fupin_kit.server_spans import redacted_query

# Upstream connections in all, and how long an idle one is kept. Below uvicorn's keep-alive timeout (5 s)
# on the services, so the gateway drops an idle connection before the service closes it: a request written
# on a connection the other end is closing fails (a spurious 503), and nothing retries it.
MAX_CONNECTIONS = 200
KEEPALIVE_S = 4.0
# Connecting to a service (not waiting for its answer) should take milliseconds on a cluster network.
CONNECT_TIMEOUT_S = 3.0

_tracer = trace.get_tracer("fupin.gateway.proxy")


def _recorded_url(url: URL) -> str:
    """The call's URL as its span records it: a credential the caller put in the query string (a token
    where a header cannot be sent) redacted, as the SERVER spans around this one redact it."""
    query = url.raw_query_string
    if not query:
        return str(url)
    return f"{url.with_query(None)}?{redacted_query(query)}"


class UpstreamClient:
    def __init__(self, read_timeout_s: float) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S),
            # connect covers waiting for a free pooled connection as well as opening one; sock_read is the
            # longest wait for each piece of the answer (httpx's read timeout).
            timeout=aiohttp.ClientTimeout(
                total=None, connect=read_timeout_s, sock_connect=CONNECT_TIMEOUT_S, sock_read=read_timeout_s
            ),
            # Bytes pass through as the service sent them: no decompression, no cookie jar (a shared jar
            # would hand one caller's cookies to the next), no headers the caller did not send.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
            trust_env=False,
        )

    async def close(self) -> None:
        await self.session.close()

    async def send(
        self,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: bytes | AsyncIterable[bytes] | None,
    ) -> aiohttp.ClientResponse:
        """Send one request and return once the answer's head has arrived (its body is the caller's to
        read and release). The CLIENT span covers the call up to the head, like httpx's instrumentation."""
        # The stable HTTP semantic conventions, as the SERVER spans around and below this one have them
        # (fupin_kit.server_spans): one set of names to filter a trace on.
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "url.full": _recorded_url(url),
            "server.address": url.host or "",
            "server.port": url.port or 80,
        }
        span = _tracer.start_span(method, kind=SpanKind.CLIENT, attributes=attributes)
        try:
            carrier: dict[str, str] = {}
            propagate.inject(carrier, context=trace.set_span_in_context(span))
            if carrier:
                # This call's trace context replaces whatever the caller sent under the same names.
                headers = [(key, value) for key, value in headers if key not in carrier]
                headers.extend(carrier.items())
            # A streamed body (a large or chunked one) goes with `Expect: 100-continue`: aiohttp sends the
            # head at once rather than holding it until the first piece of the body, and reads the body
            # from the caller only once the service wants it. A service that refuses the request from its
            # head (a body larger than the route takes: 413) answers at once, and the caller is never
            # invited to send what will be refused. Bytes and no body need neither.
            streamed = body is not None and not isinstance(body, bytes)
            response = await self.session.request(
                method,
                url,
                headers=headers,
                data=body,
                allow_redirects=False,
                compress=None,
                expect100=streamed,
            )
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 400:
                # A client span is an error from 4xx on, error.type saying which (the server's is from 5xx).
                span.set_attribute("error.type", str(response.status))
                span.set_status(Status(StatusCode.ERROR))
            return response
        except BaseException as exc:
            span.record_exception(exc)
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            span.end()
