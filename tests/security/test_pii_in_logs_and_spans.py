"""No full resident ID number in any log line or any span (quality.md, security checks; the jurisdiction
matrix already covers responses above the county tier).

One realistic flow that handles full IDs is driven through the gateway: a village cadre registers a
household with its members (and tries a person twice: a unique-index violation), a county officer imports
a small 登记表 CSV, the events cross the broker (registry → identification), a case is opened, a
departmental system pushes a comparison list naming resident IDs, a client searches with an ID in the query
string, and county reads and the 县档 CSV legitimately return the full IDs.

- Logs: the gateway, registry and identification run as real processes at DEBUG level (so the third-party
  loggers – SQLAlchemy statements and parameters, httpx, aiokafka, uvicorn – speak as well); every line of
  their log files is searched.
- Spans: the same three apps run in-process behind real uvicorn servers (relays and consumers included),
  every finished span is captured in memory (FastAPI, httpx, SQLAlchemy statements, publish and process
  spans), and its name, attributes, events (exception messages and stack traces), links, status and
  resource are searched; so is every log record emitted in-process meanwhile, SQLAlchemy's statements,
  parameters and result rows included (so no plain ID is ever sent to or read from PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fupin_kit.pii import check_digit
from fupin_kit.telemetry import setup_tracing
from fupin_kit.testing import InProcessServer, ServiceProcess, Stack
from registry.imports.template import EXAMPLE_ROWS, HEADERS, csv_file
from tests.bodies import member_body
from tests.e2e.platform import COUNTY, VILLAGE, county_subset, create_topics, registry_database

pytestmark = pytest.mark.timeout(300)
REG = "/api/v1/registry"
ID = "/api/v1/identification"


def _id(year: int, serial: int) -> str:
    first17 = f"520102{year:04d}0707{serial:03d}"
    return first17 + check_digit(first17)


@dataclass
class Ids:
    """The full IDs one run uses (distinct per run: both runs share the session's broker topics)."""

    head: str
    spouse: str
    imported_head: str
    imported_spouse: str
    pushed_unknown: str
    searched: str

    @classmethod
    def make(cls, base: int) -> Ids:
        # The 17th digit is odd for men, even for women: head and imported head men, spouses women.
        male = (True, False, True, False, True, True)
        return cls(*(_id(1960 + base, 10 + 2 * n + int(m)) for n, m in enumerate(male)))

    @property
    def all(self) -> list[str]:
        return [
            self.head,
            self.spouse,
            self.imported_head,
            self.imported_spouse,
            self.pushed_unknown,
            self.searched,
        ]


def _leaks(text: str, ids: Ids) -> list[str]:
    return [rid for rid in ids.all if rid in text]


# ---- the flow ------------------------------------------------------------------------------------------------


def _household(ids: Ids) -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "head_name": "王大山",
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            member_body("王大山", ids.head, "head", "male"),
            member_body("李秀英", ids.spouse, "spouse", "female"),
        ],
        "registered_on": "2026-01-01",
    }


def _import_csv(ids: Ids) -> bytes:
    head = dict(zip(HEADERS, EXAMPLE_ROWS[0], strict=True))
    spouse = dict(zip(HEADERS, EXAMPLE_ROWS[1], strict=True))
    head.update({"户编号": "P1", "村代码": VILLAGE, "证件号码": ids.imported_head})
    spouse.update({"户编号": "P1", "证件号码": ids.imported_spouse})
    return csv_file([row[header] for header in HEADERS] for row in (head, spouse))


async def _eventually(check: Callable[[], Any], what: str, timeout_s: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await check()
        if value is not None:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


async def drive(client: httpx.AsyncClient, stack: Stack, ids: Ids) -> None:
    """The flow, through the gateway. Asserts only what proves the full IDs were really handled."""

    def auth(tier: str, division: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {stack.token(tier, division, list(roles), subject=f'user:{tier}')}"}

    village = auth("village", VILLAGE, "cadre")
    county = auth("county", COUNTY, "officer")
    department = auth("county", COUNTY, "department")

    created = await client.post(f"{REG}/households", json=_household(ids), headers=village)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    # The same person again: the blind-index unique constraint refuses it (an IntegrityError on the way).
    again = await client.post(f"{REG}/households", json=_household(ids), headers=village)
    assert again.status_code == 409, again.text
    # Invalid requests carrying a full ID: a validation error and an unknown code.
    invalid = {**_household(ids), "main_cause": "no-such-cause"}
    assert (await client.post(f"{REG}/households", json=invalid, headers=village)).status_code == 422

    upload = await client.post(
        f"{REG}/imports", files={"file": ("登记表.csv", _import_csv(ids), "text/csv")}, headers=county
    )
    assert upload.status_code == 202, upload.text
    import_path = f"{REG}/imports/{upload.json()['id']}"

    async def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(import_path, headers=county)).json()
        return body if body.get("finished_at") else None

    done = await _eventually(finished, "the import")
    assert done["status"] == "accepted", done
    report = await client.get(f"{import_path}/report", params={"format": "csv"}, headers=county)
    assert report.status_code == 200, report.text

    # A client searching by resident ID in the query string (not a parameter of the route: ignored).
    searched = await client.get(f"{REG}/households", params={"resident_id": ids.searched}, headers=county)
    assert searched.status_code == 200, searched.text

    # Once the registry's event has crossed the broker, identification knows the household.
    application = {
        "household_id": household_id,
        "year": 2026,
        "authorisation": {"signed": True, "signed_by": "王大山", "signed_on": "2026-11-01"},
    }

    async def applied() -> str | None:
        response = await client.post(f"{ID}/cases", json=application, headers=village)
        if response.status_code == 404:
            return None
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    case_id = await _eventually(applied, "the household in identification's read model")
    push = {
        "kind": "government_payroll",
        "department": "县人社局",
        "entries": [{"resident_id": ids.head}, {"resident_id": ids.pushed_unknown, "detail": "在编"}],
    }
    pushed = await client.post(f"{ID}/comparisons/pushes", json=push, headers=department)
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["hits"] == 1, pushed.text
    bad = {**push, "entries": [{"resident_id": ids.head[:17] + ("0" if ids.head[17] != "0" else "1")}]}
    assert (await client.post(f"{ID}/comparisons/pushes", json=bad, headers=department)).status_code == 422
    hits = await client.get(f"{ID}/comparisons/hits", params={"case_id": case_id}, headers=county)
    assert hits.status_code == 200 and len(hits.json()) == 1, hits.text

    # County reads legitimately return the full IDs: proof that the flow carried them.
    read = await client.get(f"{REG}/households/{household_id}", headers=county)
    assert read.status_code == 200, read.text
    assert {member["resident_id"] for member in read.json()["members"]} == {ids.head, ids.spouse}
    archive = await client.get(f"{REG}/exports/counties/{COUNTY}/archive.csv", headers=county)
    assert archive.status_code == 200, archive.text
    assert ids.imported_head in archive.text and ids.head in archive.text
    # Above the county tier they are masked (the matrix checks this everywhere; here once more for this flow).
    city = await client.get(
        f"{REG}/households/{household_id}", headers=auth("city", "520100000000", "officer")
    )
    assert city.status_code == 200 and not _leaks(city.text, ids), city.text

    # The registry hears of the case (identification → broker → registry) before the flow ends.
    async def heard() -> bool | None:
        history = await client.get(f"{REG}/households/{household_id}/history", headers=county)
        return True if history.status_code == 200 and len(history.json()) >= 1 else None

    await _eventually(heard, "the household history")


# ---- logs of real processes ------------------------------------------------------------------------------------


class DebugServiceProcess(ServiceProcess):
    """ServiceProcess at DEBUG level (its start() passes --log-level warning): every logger speaks."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", self.module, "--port", str(self.port), "--role", self.role]

    def start(self) -> None:
        inherited = {key: value for key, value in os.environ.items() if key != "FUPIN_FAULT"}
        environment = {**inherited, **self.env, "FUPIN_SERVICE": self.service}
        log_path = self.log_path or Path(tempfile.mkstemp(prefix=f"{self.service}-", suffix=".log")[1])
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.command(), "--log-level", "debug"],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )


async def test_no_full_resident_id_in_any_log_line(fupin_stack: Stack, tmp_path: Path) -> None:
    ids = Ids.make(1)
    await create_topics(fupin_stack)
    registry_db = await registry_database(fupin_stack, county_subset(tmp_path / "divisions.csv.gz"))
    identification_db = await fupin_stack.fresh_database("identification", "identification")
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    registry = DebugServiceProcess(
        "registry", "registry", fupin_stack.env("registry", registry_db), log_path=tmp_path / "registry.log"
    )
    identification = DebugServiceProcess(
        "identification",
        "identification",
        fupin_stack.env("identification", identification_db),
        log_path=tmp_path / "identification.log",
    )
    upstreams = json.dumps({"registry": registry.url, "identification": identification.url})
    gateway = DebugServiceProcess(
        "fupin_gateway",
        "gateway",
        fupin_stack.env("gateway", gateway_db, FUPIN_UPSTREAMS=upstreams),
        log_path=tmp_path / "gateway.log",
    )
    processes = [registry, identification, gateway]
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(process.wait_ready(90) for process in processes))
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            await drive(client, fupin_stack, ids)
        await asyncio.sleep(1.0)  # let relays and consumers log what they do with the last events
    finally:
        for process in reversed(processes):
            try:
                process.terminate(15)
            except Exception:
                process.kill()

    total = 0
    leaks: list[str] = []
    for process in processes:
        assert process.log_path is not None
        lines = process.log_path.read_text(errors="replace").splitlines()
        total += len(lines)
        leaks += [f"{process.service}: {line[:400]}" for line in lines if _leaks(line, ids)]
    assert total > 100, f"only {total} log lines: is DEBUG logging on?"
    assert not leaks, f"{len(leaks)} of {total} log lines name a full resident ID:\n" + "\n".join(leaks[:20])


# ---- spans (and log records) in-process --------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name} {record.levelname}: {self.format(record)}")
        except Exception as exc:  # a record that cannot be formatted is a finding too
            self.lines.append(f"{record.name} unformattable: {exc!r} {record.msg!r} {record.args!r}")


@asynccontextmanager
async def debug_logging() -> AsyncIterator[Records]:
    """Every record of every logger at DEBUG, SQLAlchemy's too (which sets itself to WARNING by default):
    each statement with its parameters and each result row, so a plain ID sent to PostgreSQL shows."""
    root, engine = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    handler = Records()
    handler.setFormatter(logging.Formatter("%(message)s"))
    levels = root.level, engine.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    engine.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        engine.setLevel(levels[1])


def span_text(span: ReadableSpan) -> str:
    """Everything a span carries to an exporter, as text."""
    parts = [span.name, repr(dict(span.attributes or {})), repr(span.status.description)]
    parts += [f"{event.name} {dict(event.attributes or {})!r}" for event in span.events]
    parts += [repr(dict(link.attributes or {})) for link in span.links]
    parts.append(repr(dict(span.resource.attributes)))
    return "\n".join(parts)


async def test_no_full_resident_id_in_any_span(fupin_stack: Stack, tmp_path: Path) -> None:
    from fupin_gateway.config import GatewaySettings
    from fupin_gateway.main import create_app as create_gateway
    from identification.main import create_app as create_identification
    from registry.main import create_app as create_registry

    ids = Ids.make(2)
    exporter = InMemorySpanExporter()
    setup_tracing("pii-test", extra_processors=[SimpleSpanProcessor(exporter)])
    await create_topics(fupin_stack)
    registry_db = await registry_database(fupin_stack, county_subset(tmp_path / "divisions.csv.gz"))
    identification_db = await fupin_stack.fresh_database("identification", "identification")
    gateway_db = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    registry_app = create_registry(fupin_stack.settings("registry", registry_db))
    identification_app = create_identification(fupin_stack.settings("identification", identification_db))
    async with (
        debug_logging() as records,
        InProcessServer(registry_app) as registry,
        InProcessServer(identification_app) as identification,
    ):
        base = fupin_stack.settings("gateway", gateway_db).model_dump()
        base["upstreams"] = {"registry": registry.url, "identification": identification.url}
        gateway_app = create_gateway(GatewaySettings(**base))
        async with InProcessServer(gateway_app) as gateway:
            async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
                await drive(client, fupin_stack, ids)
            await asyncio.sleep(1.0)  # the last publish and process spans
            # The test's own client logs its requests to the gateway (httpx, INFO): not the platform's.
            own = f"HTTP Request: GET {gateway.url}/"

    spans = exporter.get_finished_spans()
    names = {span.name for span in spans}
    # The capture really saw every layer: server, client, database, publish and process spans.
    assert any(name.startswith("POST /api/v1/") for name in names), names
    assert any(name.startswith("INSERT") or name.startswith("SELECT") for name in names), names
    assert any(name.startswith("publish ") for name in names), names
    assert any(name.startswith("process ") for name in names), names
    assert any("db.statement" in (span.attributes or {}) for span in spans)
    leaking = [(span.name, _leaks(span_text(span), ids), span_text(span)[:600]) for span in spans]
    leaking = [entry for entry in leaking if entry[1]]
    assert not leaking, f"{len(leaking)} of {len(spans)} spans name a full resident ID:\n" + "\n\n".join(
        f"{name}: {found}\n{text}" for name, found, text in leaking[:10]
    )
    assert any(line.startswith("sqlalchemy.engine") for line in records.lines), "no SQL was logged"
    logged = [line[:400] for line in records.lines if _leaks(line, ids) and own not in line]
    assert not logged, (
        f"{len(logged)} of {len(records.lines)} log records name a full resident ID:\n"
        + "\n".join(logged[:20])
    )
