"""Test harness pieces: one embedded PostgreSQL and one Tansu broker per test session, a fresh migrated
database per test, token minting, and real service processes started on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from fupin_kit import migrations
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.auth.revocations import render_document
from fupin_kit.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from fupin_kit.kafka import create_topics
from fupin_kit.settings import KitSettings, repository_root

_database_counter = itertools.count(1)


@dataclass
class Stack:
    """The real infrastructure a test session runs on."""

    root: Path
    postgres: EmbeddedPostgres
    broker: EmbeddedBroker
    keys: KeyStore
    _templates: dict[str, str] = field(default_factory=dict)
    _template_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    @property
    def revoked_subjects_path(self) -> Path:
        """An empty revoked-subjects document: what processes poll unless a test points them at a
        gateway (FUPIN_REVOKED_SUBJECTS_SOURCE), so they never poll whatever listens on port 8000."""
        return self.root / "revoked-subjects.json"

    def env(self, service: str, database_name: str | None = None, **extra: str) -> dict[str, str]:
        """Environment for a process of this stack (subprocess or in-process settings)."""
        values = {
            "FUPIN_SERVICE": service,
            "FUPIN_HOME": str(repository_root()),
            "FUPIN_DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "FUPIN_KEYS_DIR": str(self.keys.directory),
            "FUPIN_JWKS_SOURCE": str(self.keys.public_path),
            "FUPIN_REVOKED_SUBJECTS_SOURCE": str(self.revoked_subjects_path),
            "FUPIN_CONSUMER_WATCHDOG_S": "30",
            "FUPIN_RELAY_POLL_INTERVAL_S": "0.2",
            "FUPIN_KAFKA_REQUEST_TIMEOUT_S": "8",
        }
        if database_name:
            values["FUPIN_DATABASE_NAME"] = database_name
        values.update(extra)
        return values

    def settings(self, service: str, database_name: str | None = None, **extra: Any) -> KitSettings:
        env = self.env(service, database_name)
        values: dict[str, Any] = {
            "service": service,
            "home": Path(env["FUPIN_HOME"]),
            "database_url": env["FUPIN_DATABASE_URL"],
            "kafka_bootstrap_servers": env["KAFKA_BOOTSTRAP_SERVERS"],
            "keys_dir": Path(env["FUPIN_KEYS_DIR"]),
            "jwks_source": env["FUPIN_JWKS_SOURCE"],
            "revoked_subjects_source": env["FUPIN_REVOKED_SUBJECTS_SOURCE"],
            "database_name_override": database_name,
            "consumer_watchdog_s": 30.0,
            "relay_poll_interval_s": 0.2,
            "kafka_request_timeout_s": 8.0,
        }
        # A test may override any of these (a service pointed at a test gateway's revoked subjects).
        return KitSettings(**{**values, **extra})

    def token(
        self,
        tier: str,
        division: str,
        roles: list[str] | None = None,
        subject: str = "test-user",
        lifetime_s: int = 900,
        **overrides: Any,
    ) -> str:
        return mint(
            self.keys.current(),
            subject=subject,
            tier=tier,
            division=division,
            roles=roles or [],
            issuer=overrides.pop("issuer", "fupin"),
            audience=overrides.pop("audience", "fupin-api"),
            lifetime_s=lifetime_s,
            extra=overrides or None,
        )

    async def fresh_database(self, package: str, service: str) -> str:
        """A new database with `package`'s migrations applied, copied from a per-package template."""
        async with self._template_lock:
            template = self._templates.get(package)
            if template is None:
                template = f"tmpl_{package.replace('.', '_')}"
                await migrations.drop_database(self.database_url, template)
                await migrations.ensure_database(self.database_url, template)
                settings = self.settings(service, template)
                await migrations.upgrade(package, settings.service_database_url())
                self._templates[package] = template
        name = f"t{next(_database_counter)}_{service}"[:60]
        await migrations.drop_database(self.database_url, name)
        await migrations.ensure_database(self.database_url, name, template=template)
        return name

    async def topics(self, topics: Mapping[str, int]) -> None:
        await create_topics(self.settings("test"), dict(topics))

    def stop(self) -> None:
        self.broker.stop()
        self.postgres.stop(mode="immediate")


def start_stack(root: Path | None = None, *, durable: bool = True) -> Stack:
    """`durable`: False for the test suite's server (fupin_kit.embedded.EmbeddedPostgres.durable); the
    benchmarks keep the default, so their figures include what a real commit costs."""
    root = root or Path(tempfile.mkdtemp(prefix="fupin-test-"))
    postgres = EmbeddedPostgres(root / "pg", free_port(), durable=durable)
    broker = EmbeddedBroker(root / "broker", free_port())
    postgres.start()
    broker.start()
    keys = KeyStore(root / "keys")
    keys.ensure()
    stack = Stack(root=root, postgres=postgres, broker=broker, keys=keys)
    empty = render_document([], 0, datetime.now(UTC), key=stack.settings("test").revocation_key())
    stack.revoked_subjects_path.write_bytes(empty)
    return stack


@dataclass
class ServiceProcess:
    """A real service process on loopback (`python -m <module>`), for end-to-end and fault tests."""

    module: str
    service: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    role: str = "all"
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        inherited = {key: value for key, value in os.environ.items() if key != "FUPIN_FAULT"}
        environment = {**inherited, **self.env, "FUPIN_SERVICE": self.service}
        log_path = self.log_path or Path(tempfile.mkstemp(prefix=f"{self.service}-", suffix=".log")[1])
        self.log_path = log_path
        log = log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                self.module,
                "--port",
                str(self.port),
                "--role",
                self.role,
                "--log-level",
                "warning",
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=3.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.service} exited with {self.process.returncode}: {self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(f"{self.url}/readyz")
                    if response.status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{self.service} not ready after {timeout_s}s: {self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self, timeout_s: float = 15.0) -> float:
        """SIGTERM and wait; returns how long the process took to exit."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise
        return time.monotonic() - started


# A registry's start-up loads the 665,271-row division tree into an empty database: ~15 s on a quiet
# 2-core machine, over 30 s with another test worker busy beside it.
START_TIMEOUT_S = 120.0


class InProcessServer:
    """A real uvicorn server on loopback inside the test process (shares the test's tracer provider)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning", access_log=False
            )
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> InProcessServer:
        self._task = asyncio.create_task(self.server.serve())
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if self._task.done():
                self._task.result()
            if time.monotonic() > deadline:
                raise TimeoutError("in-process server did not start")
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await asyncio.wait_for(self._task, 20)


# A bound on each wait of a Gate, so a regression shows as a failure rather than a hung run.
GATE_WAIT_S = 10.0


class Gate:
    """Holds the first call of a patched function at a point: `arrived` once it got there, and it goes on
    once `open()` is called. Race tests use it to fix one interleaving of two requests on every run."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.go = asyncio.Event()
        self.used = False

    async def hold(self) -> None:
        if self.used:
            return
        self.used = True
        self.arrived.set()
        await asyncio.wait_for(self.go.wait(), GATE_WAIT_S)

    def open(self) -> None:
        self.go.set()


@contextlib.asynccontextmanager
async def running(request: Awaitable[httpx.Response]) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    """`request` under way as a task for the body of the block, cancelled if it has not ended by then."""
    task = asyncio.ensure_future(request)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
