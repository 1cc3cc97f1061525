"""The supervisor behind `fupin up`: starts the infrastructure and the six processes, keeps them running,
and stops everything in order on SIGINT / SIGTERM.

`fupin up` runs it in the foreground; `fupin up --detach` runs `python -m fupin_cli.supervisor` in its own
session with its output in logs/supervisor.log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from fupin_cli import procs, teardown
from fupin_cli.layout import (
    DEFAULT_BASE_PORT,
    DEFAULT_BROKER_PORT,
    DEFAULT_PG_PORT,
    ProcessSpec,
    plan,
    upstreams_json,
)
from fupin_cli.reporting import LogReporter, Reporter
from fupin_cli.state import (
    ChildState,
    InfraState,
    RunPaths,
    RunState,
    load_state,
    remove_state,
    resolve_keys_dir,
    resolve_paths,
    save_state,
)
from fupin_kit import migrations
from fupin_kit.auth.keys import KeyStore, keep_retired_s
from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH
from fupin_kit.embedded import EmbeddedBroker, EmbeddedPostgres, port_open
from fupin_kit.settings import KitSettings
from fupin_kit.topics import ensure_declared_topics

STOP_GRACE_S = 10.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived during start-up."""


class StartupFailed(Exception):
    pass


class AlreadyRunning(Exception):
    pass


@dataclass(frozen=True)
class UpOptions:
    paths: RunPaths
    keys_dir: Path
    base_port: int = DEFAULT_BASE_PORT
    pg_port: int = DEFAULT_PG_PORT
    broker_port: int = DEFAULT_BROKER_PORT
    ready_timeout_s: float = 180.0
    log_level: str = "info"


@dataclass
class Child:
    spec: ProcessSpec
    state: ChildState
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None


def external_database_url() -> str | None:
    return os.environ.get("FUPIN_DATABASE_URL") or None


def external_bootstrap() -> str | None:
    return (
        os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("FUPIN_KAFKA_BOOTSTRAP_SERVERS") or None
    )


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Supervisor:
    options: UpOptions
    reporter: Reporter
    home: Path = field(default_factory=lambda: KitSettings().home)
    children: dict[str, Child] = field(default_factory=dict)
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    database_url: str = ""
    bootstrap: str = ""
    state: RunState | None = None
    # Called once every process is ready (the foreground prints the table); default: a log line.
    on_ready: Callable[[RunState], Awaitable[None]] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _started: float = field(default_factory=time.monotonic)

    @property
    def paths(self) -> RunPaths:
        return self.options.paths

    # ---- lifecycle ------------------------------------------------------------------------------------

    async def run(self) -> int:
        """Start everything, supervise until told to stop, then stop everything. Returns an exit code."""
        self._started = time.monotonic()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_stop)
        code = 0
        try:
            self._claim()
            await self._start()
            self.reporter.close()
            assert self.state is not None
            if self.on_ready is not None:
                await self.on_ready(self.state)
            else:
                self.reporter.info(f"ready in {self.state.ready_after_s:.1f}s")
            await self._supervise()
        except StopRequested:
            self.reporter.close()
            self.reporter.info("stop requested during start-up")
            code = 130
        except AlreadyRunning as exc:
            self.reporter.close()
            self.reporter.warn(str(exc))
            return 1
        except Exception as exc:
            self.reporter.close()
            ready = self.state is not None and self.state.phase == "ready"
            self.reporter.warn(f"{'the supervisor failed' if ready else 'start-up failed'}: {exc}")
            if not isinstance(exc, StartupFailed) or exc.__cause__ is not None:
                self.reporter.info(traceback.format_exc())
            code = 1
        finally:
            self.reporter.close()
            await self._shutdown()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return code

    def request_stop(self) -> None:
        self._stop.set()

    def _checkpoint(self) -> None:
        if self._stop.is_set():
            raise StopRequested

    def _claim(self) -> None:
        existing = load_state(self.paths)
        if (
            existing is not None
            and procs.alive(existing.supervisor)
            and existing.supervisor.pid != os.getpid()
        ):
            raise AlreadyRunning(
                f"fupin is already running from {self.paths.root} (supervisor pid {existing.supervisor.pid});"
                " run `fupin down` first"
            )
        leftovers = teardown.cleanup(self.paths, existing)
        if leftovers:
            self.reporter.warn(f"stopped leftovers of an earlier run: {', '.join(leftovers)}")
        self.paths.create()
        self.state = RunState(
            supervisor=procs.ref(os.getpid()),
            started_at=datetime.now(UTC).isoformat(),
            home=str(self.home),
            state_dir=str(self.paths.root),
            keys_dir=str(self.options.keys_dir),
        )
        self._save()

    def _save(self) -> None:
        if self.state is not None:
            save_state(self.paths, self.state)

    def _begin(self, step: str) -> None:
        self._checkpoint()
        assert self.state is not None
        self.state.step = step
        self._save()
        self.reporter.begin(step)

    # ---- start-up -------------------------------------------------------------------------------------

    async def _start(self) -> None:
        assert self.state is not None
        specs = plan(self.options.base_port)
        busy = [str(spec.port) for spec in specs if port_open(spec.port)]
        if busy:
            raise StartupFailed(f"ports already in use: {', '.join(busy)} (choose another --base-port)")
        await self._start_postgres()
        await self._start_broker()
        await self._prepare_databases()
        await self._create_topics()

        self._begin("Signing keys")
        settings = self._settings()
        keys = KeyStore(
            self.options.keys_dir, keep_retired_s(settings.token_lifetime_s, settings.jwt_leeway_s)
        )
        current = (await asyncio.to_thread(keys.ensure))[-1]
        self.reporter.done(f"key {current['kid']}")

        self._begin("Starting processes")
        environment = self._child_environment(specs)
        for spec in specs:
            child = Child(
                spec=spec,
                state=ChildState(
                    module=spec.module, port=spec.port, log=str(self.paths.process_log(spec.name))
                ),
            )
            self.children[spec.name] = child
            self._spawn(child, environment)
        self.reporter.done(", ".join(f"{spec.name}:{spec.port}" for spec in specs))

        await self._wait_ready()
        self.state.phase = "ready"
        self.state.step = "ready"
        self.state.ready_after_s = round(time.monotonic() - self._started, 2)
        self._save()

    async def _start_postgres(self) -> None:
        assert self.state is not None
        url = external_database_url()
        if url is not None:
            self._begin("PostgreSQL (FUPIN_DATABASE_URL)")
            self.database_url = KitSettings(database_url=url).database_url
            parsed = make_url(self.database_url)
            self.state.postgres = InfraState(
                embedded=False, port=parsed.port, address=parsed.render_as_string(hide_password=True)
            )
            self.reporter.done(self.state.postgres.address)
            return
        self._begin(f"PostgreSQL (embedded, port {self.options.pg_port})")
        postgres = EmbeddedPostgres(self.paths.pg_dir, self.options.pg_port)
        if not postgres.running() and port_open(self.options.pg_port):
            raise StartupFailed(f"port {self.options.pg_port} is in use (choose another --pg-port)")
        self.postgres = postgres
        await asyncio.to_thread(postgres.start)
        self.database_url = postgres.url
        pid = postgres.pid()
        self.state.postgres = InfraState(
            embedded=True, port=postgres.port, address=postgres.url, **procs.ref(pid).model_dump()
        )
        self._save()
        self.reporter.done(f"pid {pid}, data in {postgres.data_dir}")

    async def _start_broker(self) -> None:
        assert self.state is not None
        bootstrap = external_bootstrap()
        if bootstrap is not None:
            self._begin("Kafka (KAFKA_BOOTSTRAP_SERVERS)")
            self.bootstrap = bootstrap
            self.state.broker = InfraState(embedded=False, address=bootstrap)
            self.reporter.done(bootstrap)
            return
        self._begin(f"Tansu broker (embedded, port {self.options.broker_port})")
        if port_open(self.options.broker_port):
            raise StartupFailed(f"port {self.options.broker_port} is in use (choose another --broker-port)")
        broker = EmbeddedBroker(self.paths.broker_dir, self.options.broker_port)
        self.broker = broker
        pid = await asyncio.to_thread(broker.start)
        self.bootstrap = broker.bootstrap
        self.state.broker = InfraState(
            embedded=True, port=broker.port, address=broker.bootstrap, **procs.ref(pid).model_dump()
        )
        self._save()
        self.reporter.done(f"pid {pid}")

    def _settings(self) -> KitSettings:
        return KitSettings(
            service="fupin-cli",
            home=self.home,
            database_url=self.database_url,
            database_name_override=None,
            kafka_bootstrap_servers=self.bootstrap,
        )

    async def _prepare_databases(self) -> None:
        settings = self._settings()
        specs = plan(self.options.base_port)
        self._begin("Databases")
        created = [
            spec.name
            for spec in specs
            if await migrations.ensure_database(settings.database_url, settings.database_name(spec.name))
        ]
        self.reporter.done(f"created {', '.join(created)}" if created else "all present")
        self._begin("Migrations")
        for spec in specs:
            self._checkpoint()
            try:
                await migrations.upgrade(spec.module, settings.service_database_url(spec.name))
            except Exception as exc:
                raise StartupFailed(f"migrating {spec.name} ({spec.module}) failed: {exc!r}") from exc
        self.reporter.done(f"{len(specs)} databases at head")

    async def _create_topics(self) -> None:
        self._begin("Topics")
        created = await ensure_declared_topics(self._settings())
        self.reporter.done(f"{len(created)} created" if created else "all present")

    def _child_environment(self, specs: list[ProcessSpec]) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if key not in {"FUPIN_DATABASE_NAME", "FUPIN_SERVICE", "FUPIN_PORT", "FUPIN_ROLE"}
        }
        gateway = next(spec for spec in specs if spec.name == "gateway")
        return {
            **inherited,
            "FUPIN_HOME": str(self.home),
            "FUPIN_STATE_DIR": str(self.paths.root),
            "FUPIN_DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "FUPIN_KEYS_DIR": str(self.options.keys_dir),
            "FUPIN_JWKS_SOURCE": str(KeyStore(self.options.keys_dir).public_path),
            "FUPIN_UPSTREAMS": upstreams_json(specs),
            "FUPIN_GATEWAY_URL": gateway.url,
            # Where the services learn which accounts were disabled (the gateway itself ignores it).
            "FUPIN_REVOKED_SUBJECTS_SOURCE": gateway.url + REVOKED_SUBJECTS_PATH,
            # The embedded platform is for development and demonstration: `fupin demo` shortens its
            # county's notices to seconds and its project notices to the day (fupin_kit.short_notices).
            "FUPIN_SHORT_NOTICES": inherited.get("FUPIN_SHORT_NOTICES", "1"),
            "PYTHONUNBUFFERED": "1",
        }

    def _spawn(self, child: Child, environment: dict[str, str] | None = None) -> None:
        environment = environment or self._child_environment(plan(self.options.base_port))
        log_path = self.paths.process_log(child.spec.name)
        with log_path.open("ab") as log:
            log.write(f"\n---- {datetime.now(UTC).isoformat()} starting {child.spec.name} ----\n".encode())
            log.flush()
            child.popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    child.spec.module,
                    "--role",
                    "all",
                    "--port",
                    str(child.spec.port),
                    "--log-level",
                    self.options.log_level,
                ],
                env=environment,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child.started_at = time.monotonic()
        child.restart_at = None
        reference = procs.ref(child.popen.pid)
        child.state.pid, child.state.create_time = reference.pid, reference.create_time
        child.state.status = "running"
        assert self.state is not None
        self.state.processes[child.spec.name] = child.state
        self._save()

    async def _wait_ready(self) -> None:
        self._begin("Waiting for /readyz")
        deadline = time.monotonic() + self.options.ready_timeout_s
        ready: set[str] = set()
        total = len(self.children)
        async with httpx.AsyncClient(timeout=3.0) as client:
            while len(ready) < total:
                self._checkpoint()
                for name, child in self.children.items():
                    if child.popen is not None and child.popen.poll() is not None:
                        raise StartupFailed(
                            f"{name} exited with code {child.popen.returncode} during start-up; "
                            f"last lines of {child.state.log}:\n{log_tail(Path(child.state.log))}"
                        )
                waiting = [name for name in self.children if name not in ready]
                results = await asyncio.gather(*(self._is_ready(client, self.children[n]) for n in waiting))
                ready.update(name for name, ok in zip(waiting, results, strict=True) if ok)
                self.reporter.ready_count(len(ready), total, [n for n in self.children if n not in ready])
                if len(ready) == total:
                    break
                if time.monotonic() > deadline:
                    raise StartupFailed(
                        f"not ready after {self.options.ready_timeout_s:.0f}s: "
                        f"{', '.join(n for n in self.children if n not in ready)} (see {self.paths.logs_dir})"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.25)
        self.reporter.done(f"all {total} ready")

    @staticmethod
    async def _is_ready(client: httpx.AsyncClient, child: Child) -> bool:
        try:
            response = await client.get(f"{child.spec.url}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # ---- supervision ----------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Until asked to stop: restart any process that exits, with exponential backoff."""
        infra_down: set[str] = set()
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.5)
            if self._stop.is_set():
                break
            now = time.monotonic()
            for child in self.children.values():
                self._check_child(child, now)
            assert self.state is not None
            for name, infra in (("postgres", self.state.postgres), ("broker", self.state.broker)):
                if infra is None or not infra.embedded:
                    continue
                up = procs.alive(infra)
                if not up and name not in infra_down:
                    self.reporter.warn(f"{name} (pid {infra.pid}) is no longer running; see `fupin status`")
                    infra_down.add(name)
                elif up:
                    infra_down.discard(name)

    def _check_child(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.state.restarts += 1
                self.reporter.info(f"restarting {child.spec.name} (restart #{child.state.restarts})")
                self._spawn(child)
            return
        if child.popen is None or child.popen.poll() is None:
            if child.failures and now - child.started_at > STABLE_AFTER_S:
                child.failures = 0
            return
        code = child.popen.returncode
        child.failures = 1 if now - child.started_at > STABLE_AFTER_S else child.failures + 1
        delay = min(MAX_BACKOFF_S, 2.0 ** (child.failures - 1))
        child.restart_at = now + delay
        child.state.last_exit = code
        child.state.status = "restarting"
        self._save()
        self.reporter.warn(
            f"{child.spec.name} (pid {child.popen.pid}) exited with code {code}; restarting in {delay:.0f}s "
            f"(log: {child.state.log})"
        )

    # ---- shutdown -------------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        if self.state is None:
            return
        began = time.monotonic()
        self.state.phase = "stopping"
        self._save()
        running = [child for child in self.children.values() if procs.alive(child.state)]
        if running:
            names = ", ".join(child.spec.name for child in running)
            self.reporter.info(f"stopping {names}")
            killed = await asyncio.to_thread(
                procs.terminate, [child.state for child in running], STOP_GRACE_S
            )
            if killed:
                self.reporter.warn(f"killed after {STOP_GRACE_S:.0f}s: pids {killed}")
        for child in self.children.values():
            if child.popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.popen.wait(1)
            child.state.status = "stopped"
        if self.broker is not None:
            self.reporter.info("stopping the broker")
            await asyncio.to_thread(self.broker.stop)
        if self.postgres is not None:
            self.reporter.info("stopping PostgreSQL")
            await asyncio.to_thread(self.postgres.stop, "fast")
        # Whatever start-up left half-done (a failure between steps) goes too.
        await asyncio.to_thread(teardown.cleanup, self.paths, self.state)
        remove_state(self.paths)
        self.reporter.info(f"stopped in {time.monotonic() - began:.1f}s")


def options_from_args(args: argparse.Namespace) -> UpOptions:
    paths = resolve_paths(Path(args.state_dir) if args.state_dir else None)
    return UpOptions(
        paths=paths,
        keys_dir=resolve_keys_dir(paths, Path(args.keys_dir) if args.keys_dir else None),
        base_port=args.base_port,
        pg_port=args.pg_port,
        broker_port=args.broker_port,
        ready_timeout_s=args.timeout,
        log_level=args.log_level,
    )


def argv_for(options: UpOptions) -> list[str]:
    """The command line that runs this supervisor detached with the same options."""
    return [
        sys.executable,
        "-m",
        "fupin_cli.supervisor",
        "--state-dir",
        str(options.paths.root),
        "--keys-dir",
        str(options.keys_dir),
        "--base-port",
        str(options.base_port),
        "--pg-port",
        str(options.pg_port),
        "--broker-port",
        str(options.broker_port),
        "--timeout",
        str(options.ready_timeout_s),
        "--log-level",
        options.log_level,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fupin_cli.supervisor", description="Run the Fupin supervisor")
    parser.add_argument("--state-dir")
    parser.add_argument("--keys-dir")
    parser.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    parser.add_argument("--pg-port", type=int, default=DEFAULT_PG_PORT)
    parser.add_argument("--broker-port", type=int, default=DEFAULT_BROKER_PORT)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--log-level", default="info")
    options = options_from_args(parser.parse_args(argv))
    reporter = LogReporter()
    reporter.info(f"supervisor pid {os.getpid()}: {json.dumps(sys.argv[1:])}")
    return asyncio.run(Supervisor(options, reporter).run())


if __name__ == "__main__":
    sys.exit(main())
