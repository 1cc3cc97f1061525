"""HTTP-level behaviour of the proxy and the gateway's own routes that a well-behaved client does not
exercise: a declared body larger than the service takes, Expect: 100-continue, redirects, HEAD."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer

TOO_LARGE = "https://fupin.dev/problems/content-too-large"


@pytest.fixture
async def stack(fupin_stack) -> AsyncIterator[tuple[str, str, str]]:
    """(gateway URL, sample service URL, a village cadre's token)."""
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    producer_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", producer_db, role="api"),
    )
    async with InProcessServer(service) as upstream:
        values = fupin_stack.settings("gateway", gateway_db, role="api").model_dump()
        values["upstreams"] = {"sample": upstream.url}
        async with InProcessServer(create_app(GatewaySettings(**values))) as gateway:
            yield gateway.url, upstream.url, fupin_stack.token("village", "520102001001", ["cadre"])


@asynccontextmanager
async def _socket(url: str) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        yield reader, writer
    finally:
        writer.close()


async def _head_of_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    )
    body = b""
    if status >= 200 and "content-length" in headers:
        body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 10)
    return status, headers, body


@pytest.mark.parametrize("expect", [False, True])
async def test_a_declared_body_too_large_for_the_service_is_413_at_once(stack, expect):
    """The service refuses a body larger than its limit from the declared length, before reading it; the
    gateway passes that length on, so the caller gets the same 413 problem at once: not a 100 Continue
    (inviting 50 MB it will refuse), not a 503 blaming the service after waiting for the body."""
    gateway, _, token = stack
    host = urlsplit(gateway).netloc
    request = (
        f"POST /api/v1/sample/items HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 50000000\r\n"
        + ("Expect: 100-continue\r\n" if expect else "")
        + "\r\n"
    )
    async with _socket(gateway) as (reader, writer):
        writer.write(request.encode())
        await writer.drain()
        status, headers, body = await _head_of_answer(reader)
    assert status == 413, (status, headers, body)
    assert headers["content-type"].startswith("application/problem+json")
    problem = orjson.loads(body)
    assert problem["type"] == TOO_LARGE and problem["max_bytes"] == 1024 * 1024, problem


async def test_a_too_large_body_really_sent_gets_the_documented_problem(stack):
    gateway, _, token = stack
    big = b'{"division":"520102001001","name":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    async with httpx.AsyncClient(timeout=20) as client:
        answer = await client.post(
            f"{gateway}/api/v1/sample/items",
            content=big,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert answer.status_code == 413, answer.text
    assert answer.json()["type"] == TOO_LARGE and answer.json()["max_bytes"] == 1024 * 1024


async def test_a_body_within_the_limit_above_the_buffer_still_reaches_the_service(stack):
    """Above the proxy's buffer (256 KiB) the body is streamed, now with its declared length."""
    gateway, _, token = stack
    async with httpx.AsyncClient(timeout=20) as client:
        answer = await client.post(
            f"{gateway}/api/v1/sample/items",
            content=b'{"division":"520102001001","name":"big"}' + b" " * (600 * 1024),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert answer.status_code == 201, answer.text

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"division":"520102001001","name":"chunked"}'
        yield b" " * (600 * 1024)

    async with httpx.AsyncClient(timeout=20) as client:
        chunked = await client.post(
            f"{gateway}/api/v1/sample/items",
            content=chunks(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    assert chunked.status_code == 201, chunked.text


async def test_the_gateways_own_slash_redirects_are_relative_never_from_the_host_header(stack):
    """A Location built from the Host header would send a client (or a poisoned cache) to any host the
    request named; the gateway's own trailing-slash redirects name only the path (and query)."""
    gateway, _, token = stack
    auth = {"Authorization": f"Bearer {token}", "Host": "evil.example"}
    async with httpx.AsyncClient(timeout=10) as client:
        for path, location in (
            ("/admin/users/", "/admin/users"),
            ("/feeds/events/?limit=5", "/feeds/events?limit=5"),
            ("/whoami/", "/whoami"),
            ("/console", "/console/"),
        ):
            answer = await client.get(f"{gateway}{path}", headers=auth)
            assert answer.status_code == 307, (path, answer.status_code)
            assert answer.headers["location"] == location, (path, answer.headers["location"])
        # Never a protocol-relative Location either (another host, without naming a scheme).
        for path in ("//evil.example/", "//admin/users/"):
            answer = await client.get(f"{gateway}{path}", headers=auth)
            assert not answer.headers.get("location", "").startswith("//"), path


async def test_two_authorization_headers_are_refused_as_ambiguous(stack):
    """Authorization is a singleton field (RFC 9110 §5.3: not a list); RFC 6750 §3.1 answers a request
    that offers its token more than once `invalid_request` (400). Taking the first, as the gateway did,
    leaves which credentials were meant to whatever reads them next."""
    gateway, _, token = stack
    async with httpx.AsyncClient(timeout=10) as client:
        for path in ("/whoami", "/api/v1/sample/items/00000000-0000-0000-0000-000000000000"):
            answer = await client.get(
                f"{gateway}{path}",
                headers=[("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")],
            )
            assert answer.status_code == 400, (path, answer.text)
            assert answer.json()["type"] == "https://fupin.dev/problems/ambiguous-credentials"
        alone = await client.get(f"{gateway}/whoami", headers={"Authorization": f"Bearer {token}"})
        assert alone.status_code == 200


async def test_head_is_answered_wherever_get_is_with_the_gets_headers_and_no_body(stack):
    """RFC 9110 §9.3.2: the gateway's own GET routes, proxied ones (the HEAD goes on to the service), and a
    service called directly."""
    gateway, upstream, token = stack
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(
            f"{gateway}/api/v1/sample/items",
            json={"division": "520102001001", "name": "head"},
            headers=auth,
        )
        item = created.json()["id"]
        for url in (
            f"{gateway}/whoami",
            f"{gateway}/api/v1/sample/items/{item}",
            f"{gateway}/api/v1/sample/whoami",
            f"{upstream}/items/{item}",
            f"{gateway}/openapi.json",
        ):
            get = await client.get(url, headers=auth)
            head = await client.head(url, headers=auth)
            assert get.status_code == head.status_code == 200, (url, head.status_code)
            assert head.content == b"", url
            assert head.headers["content-length"] == get.headers["content-length"], url
            assert head.headers["content-type"] == get.headers["content-type"], url
        # A refusal is the GET's refusal, without its document.
        anonymous = await client.head(f"{gateway}/api/v1/sample/items/{item}")
        assert anonymous.status_code == 401 and anonymous.content == b""
        # HEAD follows GET only: a path with no GET still answers 405.
        post_only = await client.head(f"{gateway}/oauth/token")
        assert post_only.status_code == 405


async def test_a_method_a_service_does_not_answer_is_its_405_with_allow(stack):
    """RFC 9110 §15.5.6: TRACE (or QUERY) on a proxied path that exists is the service's 405 with Allow; the
    proxy passed on a fixed set of methods and the gateway answered the rest with its own 404 (QA7
    dept-client DC-4)."""
    gateway, upstream, token = stack
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=10) as client:
        for method in ("TRACE", "QUERY"):
            direct = await client.request(method, f"{upstream}/whoami", headers=auth)
            proxied = await client.request(method, f"{gateway}/api/v1/sample/whoami", headers=auth)
            assert direct.status_code == proxied.status_code == 405, (method, proxied.status_code)
            assert proxied.headers["allow"] == direct.headers["allow"], method
