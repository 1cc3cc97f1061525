"""Running the real `fupin` command against a temporary state directory on free ports."""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.e2e.platform import guizhou_tree

FUPIN = [sys.executable, "-m", "fupin_cli"]
# Variables that would point the CLI at someone else's infrastructure or state.
SCRUBBED = (
    "FUPIN_DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "FUPIN_KAFKA_BOOTSTRAP_SERVERS",
    "FUPIN_STATE_DIR",
    "FUPIN_KEYS_DIR",
    "FUPIN_JWKS_SOURCE",
    "FUPIN_REVOKED_SUBJECTS_SOURCE",
    "FUPIN_DATABASE_NAME",
    "FUPIN_UPSTREAMS",
)


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(size: int) -> int:
    """The first of `size` consecutive free loopback ports, away from the dev defaults."""
    for _ in range(200):
        # Below the kernel's ephemeral range (32768-), where an outgoing connection could take a port
        # between this check and the server's bind (as fupin_kit.embedded.free_port).
        base = random.randint(20_000, 32_767 - size)
        if all(_free(port) for port in range(base, base + size)):
            return base
    raise RuntimeError("no block of free ports")


@dataclass(frozen=True)
class Run:
    state_dir: Path
    base_port: int
    pg_port: int
    broker_port: int

    @classmethod
    def new(cls, state_dir: Path) -> Run:
        base = free_port_block(8)
        return cls(state_dir, base, base + 6, base + 7)

    @property
    def up_args(self) -> list[str]:
        return [
            "up",
            "--state-dir",
            str(self.state_dir),
            "--base-port",
            str(self.base_port),
            "--pg-port",
            str(self.pg_port),
            "--broker-port",
            str(self.broker_port),
        ]

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    @property
    def ports(self) -> set[int]:
        return {*range(self.base_port, self.base_port + 6), self.pg_port, self.broker_port}

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
        env["COLUMNS"] = "200"
        # The registry loads one province's rows, not the whole tree, at every fresh start.
        env["FUPIN_DIVISIONS_FILE"] = str(guizhou_tree())
        return env

    def fupin(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*FUPIN, *args], env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )

    def state(self) -> dict[str, object] | None:
        try:
            value: dict[str, object] = json.loads((self.state_dir / "run" / "state.json").read_text())
        except (OSError, ValueError):
            return None
        return value

    def wait_ready(self, timeout_s: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.state()
            if state is not None and state.get("phase") == "ready":
                return state
            time.sleep(0.2)
        raise TimeoutError(f"not ready after {timeout_s}s")


def started_processes(state: dict[str, object]) -> list[psutil.Process]:
    """Every process a run owns right now: supervisor, children, broker, postmaster and its backends."""
    pids: list[int] = []
    for key in ("supervisor", "postgres", "broker"):
        entry = state.get(key)
        if isinstance(entry, dict) and entry.get("pid"):
            pids.append(int(entry["pid"]))
    processes = state.get("processes")
    assert isinstance(processes, dict)
    pids += [int(entry["pid"]) for entry in processes.values() if entry.get("pid")]
    found: list[psutil.Process] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            found.append(process)
            found += process.children(recursive=True)
    return found


def _references(process: psutil.Process, run: Run) -> bool:
    marker = str(run.state_dir)
    with contextlib.suppress(psutil.Error):
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if any(marker in part for part in process.cmdline()):
            return True
        if process.environ().get("FUPIN_STATE_DIR") == marker:
            return True
        ports = {f"{port}" for port in run.ports}
        cmdline = " ".join(process.cmdline())
        if ("tansu" in cmdline or "-m" in cmdline) and any(
            f":{port}" in cmdline or f" {port}" in cmdline for port in ports
        ):
            return True
    return False


def leftovers(run: Run, before: list[psutil.Process], wait_s: float = 5.0) -> list[str]:
    """Processes of the run still alive: those recorded before stopping, and any referencing the run."""
    deadline = time.monotonic() + wait_s
    while True:
        alive: list[str] = []
        for process in before:
            with contextlib.suppress(psutil.Error):
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{process.pid} {' '.join(process.cmdline())}")
        for process in psutil.process_iter():
            if process.pid != os.getpid() and _references(process, run):
                with contextlib.suppress(psutil.Error):
                    alive.append(f"{process.pid} {' '.join(process.cmdline())}")
        if not alive or time.monotonic() > deadline:
            return sorted(set(alive))
        time.sleep(0.2)
