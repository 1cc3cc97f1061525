"""The real platform for end-to-end tests: gateway, registry and identification as real processes on the
session's PostgreSQL and Tansu broker, every call through the gateway with a real token.

The registry loads the national division tree (665k rows) when its `divisions` table is empty; here its
database gets only the rows of one real county (and the county's ancestors), taken from the published
file and loaded by the registry's own loader, so household validation runs against real village codes
and start-up costs a fraction of a second instead of tens of seconds.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import gzip
import json
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from fupin_kit.db import create_engine
from fupin_kit.envelope import dlq_topic, domain_topic, feed_topic
from fupin_kit.testing import ServiceProcess, Stack
from registry.divisions.loader import DATA_FILE, load_divisions

COUNTY = "520102000000"  # 南明区, 贵阳市, 贵州省 (a western province: the 3% exit indicator)
TOWNSHIP = "520102016000"
VILLAGE = "520102016001"
SIBLING = "520102016002"
NATION = "000000000000"
PASSWORD = "correct horse battery"
T = TypeVar("T")


def county_subset(target: Path, county: str = COUNTY) -> Path:
    """The published rows of one county and its ancestors, in the published format."""
    return _subset(target, county[:6], {county[:2] + "0" * 10, county[:4] + "0" * 8})


def _subset(target: Path, prefix: str, ancestors: set[str]) -> Path:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as source:
        rows = [row for row in csv.reader(source) if row[0] in ancestors or row[0].startswith(prefix)]
    with gzip.open(target, "wt", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerows(row for row in rows if row[0] != "code")
    return target


@functools.cache
def guizhou_tree() -> Path:
    """The published rows of 贵州省 (about 19,600 of the 665k), written once per test process: the tree a
    registry loads at start-up (FUPIN_DIVISIONS_FILE) in runs of `fupin up` and of the benchmarks, whose
    demo county (榕江县), 南明区 and the dashboard's province all lie in it. The whole tree's load is
    tested by services/registry/tests/test_division_tree.py."""
    directory = Path(tempfile.mkdtemp(prefix="fupin-tree-"))
    return _subset(directory / "divisions-52.csv.gz", "52", set())


async def registry_database(stack: Stack, tree: Path) -> str:
    name = await stack.fresh_database("registry", "registry")
    engine = create_engine(stack.settings("registry", name), pool_size=1)
    try:
        await load_divisions(engine, tree)
    finally:
        await engine.dispose()
    return name


async def create_topics(stack: Stack) -> None:
    """Everything the three processes read or write: nothing relies on auto-creation."""
    services = ["registry", "identification", "gateway", "assistance", "funds", "evaluation"]
    topics = {domain_topic(service): 3 for service in services}
    topics[feed_topic("52")] = 1
    for group in ("registry", "identification", "assistance", "gateway-feed-router"):
        topics[dlq_topic(group)] = 1
    await stack.topics(topics)


class CallFailed(AssertionError):
    pass


@dataclass
class Platform:
    """The gateway's public URL, the processes behind it and the tokens of the actors of the procedure."""

    client: httpx.AsyncClient
    processes: list[ServiceProcess]
    root: str
    tokens: dict[str, str] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)  # service → its database's name

    def logs(self) -> str:
        return "\n".join(f"----- {p.service} -----\n{p.log_tail(60)}" for p in self.processes)

    async def call(
        self,
        method: str,
        path: str,
        actor: str | None,
        body: Any = None,
        expect: int | tuple[int, ...] = (200, 201),
        **kwargs: Any,
    ) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if actor is not None:
            headers["Authorization"] = f"Bearer {self._token(actor)}"
        response = await self.client.request(method, path, json=body, headers=headers, **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise CallFailed(f"{method} {path} as {actor}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    async def raw(self, method: str, path: str, actor: str | None, body: Any = None) -> httpx.Response:
        headers = {} if actor is None else {"Authorization": f"Bearer {self._token(actor)}"}
        return await self.client.request(method, path, json=body, headers=headers)

    def _token(self, actor: str) -> str:
        return self.root if actor == "root" else self.tokens[actor]

    async def login(self, name: str, username: str) -> None:
        response = await self.client.post(
            "/oauth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        self.tokens[name] = response.json()["access_token"]

    async def user(self, name: str, tier: str, division: str, roles: list[str]) -> None:
        """An account created through the admin API, then signed in with its password."""
        body = {
            "username": f"e2e.{name}",
            "display_name": "王建国",
            "tier": tier,
            "division": division,
            "roles": roles,
            "password": PASSWORD,
        }
        await self.call("POST", "/admin/users", "root", body, expect=201)
        await self.login(name, f"e2e.{name}")

    async def department_client(self, name: str, admin: str, department: str) -> None:
        """A departmental system registered by a county admin, signed in by client credentials."""
        body = {
            "client_id": f"e2e-{name}",
            "department": department,
            "tier": "county",
            "division": COUNTY,
            "scopes": ["comparisons:push"],
            "roles": ["department"],
        }
        created = await self.call("POST", "/admin/clients", admin, body, expect=201)
        form = {
            "grant_type": "client_credentials",
            "client_id": body["client_id"],
            "client_secret": created["client_secret"],
        }
        response = await self.client.post("/oauth/token", data=form)
        assert response.status_code == 200, response.text
        self.tokens[name] = response.json()["access_token"]

    async def advance_clock(self, seconds: int) -> None:
        """The identification service's test clock, moved by a nation admin."""
        await self.call("POST", "/api/v1/identification/admin/clock", "root", {"advance_s": seconds})


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, timeout_s: float = 60.0) -> T:
    """Poll until `check` returns a value (events cross the broker asynchronously)."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = await check()
            if value is not None:
                return value
        except CallFailed as exc:
            last_error = exc
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last error: {last_error}")


@asynccontextmanager
async def platform_of(
    stack: Stack, tree: Path, services: Mapping[str, Mapping[str, str]]
) -> AsyncIterator[Platform]:
    """The registry on the division tree `tree`, the named services (each with its extra environment) and
    the gateway in front of them, each on a fresh database and started as a real process; stopped at the
    end, their logs printed if the body fails. `platform.databases` names each service's database."""
    await create_topics(stack)
    await stack.topics({dlq_topic(service): 1 for service in services})
    databases = {"registry": await registry_database(stack, tree)}
    for service in services:
        databases[service] = await stack.fresh_database(service, service)
    started = [
        ServiceProcess(name, name, stack.env(name, databases[name], **services.get(name, {})))
        for name in databases
    ]
    upstreams = {process.service: process.url for process in started}
    gateway_db = await stack.fresh_database("fupin_gateway", "gateway")
    gateway = ServiceProcess(
        "fupin_gateway", "gateway", stack.env("gateway", gateway_db, FUPIN_UPSTREAMS=json.dumps(upstreams))
    )
    processes = [*started, gateway]
    root = stack.token("nation", NATION, ["admin"], subject="user:root")
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(process.wait_ready(90) for process in processes))
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            platform = Platform(client, processes, root, databases=databases)
            try:
                yield platform
            except BaseException:
                print(platform.logs())
                raise
    finally:
        for process in reversed(processes):
            try:
                process.terminate(15)
            except Exception:
                process.kill()
        for process in processes:
            print(f"----- {process.service} log: {process.log_path}")


def running_platform(
    stack: Stack, workdir: Path, *, with_assistance: bool = False
) -> AbstractAsyncContextManager[Platform]:
    """Registry and identification (its notice timer ticking every second, on the test clock) behind the
    gateway on the demo county's tree; `with_assistance`: the assistance service too (the demo's third part)."""
    services: dict[str, dict[str, str]] = {
        "identification": {"FUPIN_TEST_CLOCK": "1", "FUPIN_NOTICE_TICK_S": "1"}
    }
    if with_assistance:
        services["assistance"] = {}
    return platform_of(stack, county_subset(workdir / "divisions-520102.csv.gz"), services)
