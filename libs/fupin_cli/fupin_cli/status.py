"""`fupin status`: every process of a run with its pid, port, health, outbox lag and consumer backlog."""

from __future__ import annotations

import asyncio
import os
from dataclasses import asdict, dataclass

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from fupin_cli import procs
from fupin_cli.state import ChildState, InfraState, RunState
from fupin_kit.embedded import port_open
from fupin_kit.settings import KitSettings

HEALTH_STYLES = {"ready": "green", "not-ready": "yellow", "down": "red"}


@dataclass
class Row:
    process: str
    pid: int | None
    port: int | None
    health: str  # ready | not-ready | down
    lag: int | None  # unpublished outbox rows; None when the database could not be read
    restarts: int | None = None
    detail: str = ""
    # Events on the topics the process consumes that it has not reached yet (its /readyz, summed over its
    # consumer groups); None when it consumes nothing or did not say.
    backlog: int | None = None


def database_url(state: RunState) -> str | None:
    """The server URL: FUPIN_DATABASE_URL when set (it may carry a password), else the run's embedded one."""
    from_env = os.environ.get("FUPIN_DATABASE_URL")
    if from_env:
        return KitSettings(database_url=from_env).database_url
    if state.postgres is not None and state.postgres.embedded:
        return state.postgres.address
    return None


async def _health(client: httpx.AsyncClient, child: ChildState) -> tuple[str, int | None]:
    """The process's readiness, and its consumers' backlog as its /readyz reports it."""
    if not procs.alive(child):
        return "down", None
    try:
        response = await client.get(f"http://127.0.0.1:{child.port}/readyz")
    except httpx.HTTPError:
        return "down", None
    return ("ready" if response.status_code == 200 else "not-ready"), _backlog(response)


def _backlog(response: httpx.Response) -> int | None:
    try:
        consumers = response.json().get("consumers") or {}
    except (ValueError, AttributeError):
        return None
    counts = [entry.get("backlog") for entry in consumers.values() if isinstance(entry, dict)]
    known = [count for count in counts if isinstance(count, int)]
    return sum(known) if known else None


async def _lag(server_url: str | None, database: str) -> int | None:
    if server_url is None:
        return None
    dsn = make_url(server_url).set(drivername="postgresql", database=database)
    try:
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        value = await asyncio.wait_for(
            connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"), 3
        )
        return int(value)
    except (asyncpg.PostgresError, TimeoutError, OSError):
        return None
    finally:
        await connection.close(timeout=2)


def _infra_row(name: str, infra: InfraState | None) -> Row:
    if infra is None:
        return Row(name, None, None, "down", None, detail="not started")
    if infra.embedded:
        up = procs.alive(infra) and infra.port is not None and port_open(infra.port)
        return Row(name, infra.pid, infra.port, "ready" if up else "down", None, detail=infra.address)
    host, _, port = infra.address.split(",")[0].rpartition(":")
    if name == "postgres":
        parsed = make_url(infra.address)
        host, port = parsed.host or "127.0.0.1", str(parsed.port or 5432)
    up = port.isdigit() and port_open(int(port), host or "127.0.0.1", timeout=1.0)
    return Row(
        name,
        None,
        int(port) if port.isdigit() else None,
        "ready" if up else "down",
        None,
        detail=infra.address,
    )


async def collect(state: RunState) -> list[Row]:
    server_url = database_url(state)
    settings = KitSettings(
        database_url=server_url or "postgresql://localhost/postgres", database_name_override=None
    )
    names = list(state.processes)
    async with httpx.AsyncClient(timeout=3.0) as client:
        healths, lags = await asyncio.gather(
            asyncio.gather(*(_health(client, state.processes[name]) for name in names)),
            asyncio.gather(*(_lag(server_url, settings.database_name(name)) for name in names)),
        )
    rows = [_infra_row("postgres", state.postgres), _infra_row("broker", state.broker)]
    for name, (health, backlog), lag in zip(names, healths, lags, strict=True):
        child = state.processes[name]
        detail: str = child.status if child.status != "running" else ""
        if child.last_exit is not None:
            detail = f"{detail} last exit {child.last_exit}".strip()
        rows.append(Row(name, child.pid, child.port, health, lag, child.restarts, detail, backlog))
    return rows


def render(rows: list[Row], title: str = "Fupin") -> Table:
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("process", "left"),
        ("pid", "right"),
        ("port", "right"),
        ("health", "left"),
        ("lag", "right"),
        ("backlog", "right"),
        ("restarts", "right"),
        ("detail", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        style = HEALTH_STYLES.get(row.health, "")
        table.add_row(
            row.process,
            "-" if row.pid is None else str(row.pid),
            "-" if row.port is None else str(row.port),
            f"[{style}]{row.health}[/]",
            "-" if row.lag is None else str(row.lag),
            "-" if row.backlog is None else str(row.backlog),
            "-" if row.restarts is None else str(row.restarts),
            row.detail,
        )
    return table


def as_json(rows: list[Row]) -> list[dict[str, object]]:
    return [asdict(row) for row in rows]


def print_table(console: Console, rows: list[Row], title: str) -> None:
    console.print(render(rows, title))
