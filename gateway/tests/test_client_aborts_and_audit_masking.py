"""A caller that goes away in the middle of its upload is audited as what it is, a client that closed its
request (499), not as a server failure (QA9-OP2); and what callers type into the access audit (path,
request id, the account of a sign-in) is stored with resident IDs and mobile numbers masked (QA9-OP4)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.divisions import NATION
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer

RESIDENT_ID = "522634196303031072"
MOBILE = "13987650303"


@dataclass
class Stack:
    gateway_url: str
    gateway: FastAPI
    token: str
    admin_token: str


@pytest.fixture
async def stack(fupin_stack) -> AsyncIterator[Stack]:
    """A real gateway (uvicorn on loopback) in front of a real service."""
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    producer_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", producer_db, role="api"),
    )
    async with InProcessServer(service) as upstream:
        values = fupin_stack.settings("gateway", gateway_db, role="api").model_dump()
        values["upstreams"] = {"sample": upstream.url}
        app = create_app(GatewaySettings(**values))
        async with InProcessServer(app) as server:
            yield Stack(
                server.url,
                app,
                fupin_stack.token("village", "520102001001", ["cadre"]),
                fupin_stack.token("nation", NATION, ["admin"], subject="user:root"),
            )


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log_records() -> Iterator[list[logging.LogRecord]]:
    """Every record logged in this process, uvicorn's included (its loggers do not propagate to root)."""
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


async def _audit_rows(app: FastAPI, where: str, **values: Any) -> list[dict[str, Any]]:
    await app.state.audit_writer.flush()
    async with app.state.sessionmaker() as session:
        query = text(f"SELECT actor, action, subject, detail FROM audit_log WHERE {where} ORDER BY seq")
        return [dict(row) for row in (await session.execute(query, values)).mappings().all()]


async def _audit_row_of(app: FastAPI, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        rows = await _audit_rows(app, "detail->>'request_id' = :id", id=request_id)
        if rows:
            return rows[0]
        assert time.monotonic() < deadline, f"no audit row for {request_id}"
        await asyncio.sleep(0.1)


async def _abort_upload(url: str, token: str, request_id: str, declared: int, sent: int) -> None:
    """Send a POST's head declaring `declared` bytes of body, then `sent` of them, then close the socket."""
    parts = urlsplit(url)
    _, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = (
        f"POST /api/v1/sample/items HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
        f"X-Request-Id: {request_id}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    )
    writer.write(head.encode() + b'{"a":' + b" " * (sent - 5))
    await writer.drain()
    # Long enough for the gateway to have passed the request (and a streamed body's first part) on.
    await asyncio.sleep(0.3)
    writer.close()
    await writer.wait_closed()


@pytest.mark.parametrize(
    ("declared", "sent"),
    [(1000, 6), (900 * 1024, 300 * 1024)],
    ids=["read-whole", "streamed-over-256KiB"],
)
async def test_a_caller_that_aborts_its_upload_is_audited_499_and_logged_without_error(
    stack, log_records, declared, sent
):
    request_id = f"abort-{declared}"
    await _abort_upload(stack.gateway_url, stack.token, request_id, declared, sent)
    row = await _audit_row_of(stack.gateway, request_id)
    assert row["detail"]["status"] == 499, row
    connector = stack.gateway.state.upstream.session.connector
    deadline = time.monotonic() + 5
    # The service's connection is given back (closed: its request was never finished), not leaked.
    while connector._acquired:  # aiohttp has no public count of the connections in use
        assert time.monotonic() < deadline, "the upstream connection was not released"
        await asyncio.sleep(0.05)
    errors = [record for record in log_records if record.levelno >= logging.ERROR or record.exc_info]
    assert not errors, [(record.name, record.getMessage()) for record in errors]

    # The gateway still proxies as before.
    async with httpx.AsyncClient(timeout=20) as client:
        answer = await client.post(
            f"{stack.gateway_url}/api/v1/sample/items",
            json={"division": "520102001001", "name": "after"},
            headers={"Authorization": f"Bearer {stack.token}"},
        )
    assert answer.status_code == 201, answer.text


async def test_the_access_audit_masks_resident_ids_and_mobiles_that_callers_typed(stack):
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as client:
        token = {"Authorization": f"Bearer {stack.token}"}
        await client.get(
            f"/api/v1/sample/items/{RESIDENT_ID}", headers={**token, "X-Request-Id": "typed-path"}
        )
        await client.get("/api/v1/sample/items", headers={**token, "X-Request-Id": RESIDENT_ID})
        form = {"grant_type": "password", "username": MOBILE, "password": "not the password 1"}
        refused = await client.post("/oauth/token", data=form, headers={"X-Request-Id": "typed-account"})
        assert refused.status_code in (400, 401, 422), refused.text

        # The query string is kept too (what a search asked for), credentials redacted, numbers masked.
        searched = await client.get(
            "/api/v1/sample/items",
            params={"q": RESIDENT_ID, "bank": "6222020200112233445", "access_token": "abc.def", "after": "5"},
            headers={**token, "X-Request-Id": "typed-query"},
        )
        assert searched.status_code < 500, searched.text
        query_row = await _audit_row_of(stack.gateway, "typed-query")
        assert query_row["detail"]["query"] == (
            "q=522634********1072&bank=***************3445&access_token=REDACTED&after=5"
        ), query_row
        path_row = await _audit_row_of(stack.gateway, "typed-path")
        assert path_row["subject"] == "/api/v1/sample/items/522634********1072", path_row
        id_rows = await _audit_rows(
            stack.gateway, "detail->>'request_id' LIKE :id", id=f"{RESIDENT_ID[:6]}%{RESIDENT_ID[-4:]}"
        )
        assert [row["detail"]["request_id"] for row in id_rows] == ["522634********1072"], id_rows
        sign_in = await _audit_row_of(stack.gateway, "typed-account")
        assert sign_in["action"] == "sign_in_refused" and sign_in["detail"]["account"] == "139****0303"
        # Nothing the callers typed is stored in full anywhere in the chain.
        leaked = await _audit_rows(
            stack.gateway,
            "subject LIKE :id OR detail::text LIKE :id OR actor LIKE :id "
            "OR subject LIKE :mobile OR detail::text LIKE :mobile",
            id=f"%{RESIDENT_ID}%",
            mobile=f"%{MOBILE}%",
        )
        assert not leaked, leaked

        report = (
            await client.get("/admin/audit/verify", headers={"Authorization": f"Bearer {stack.admin_token}"})
        ).json()
        assert report["ok"] is True, report
