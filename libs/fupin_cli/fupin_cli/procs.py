"""Process bookkeeping with psutil: is a recorded process still the one we started, and stopping it."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil

from fupin_cli.state import ProcessRef


def create_time(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def ref(pid: int | None) -> ProcessRef:
    return ProcessRef(pid=pid, create_time=None if pid is None else create_time(pid))


def alive(process: ProcessRef | None) -> bool:
    """True when the recorded pid runs and is the same process (same start time), not a zombie."""
    if process is None or process.pid is None:
        return False
    try:
        handle = psutil.Process(process.pid)
        if handle.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time is None or abs(handle.create_time() - process.create_time) < 0.01
    except psutil.Error:
        return False


def _signal_group(pid: int, sig: int) -> None:
    """Signal the process's group when it leads one (children started with start_new_session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
            return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def terminate(processes: list[ProcessRef], timeout_s: float = 10.0) -> list[int]:
    """SIGTERM every live one, wait up to `timeout_s`, then SIGKILL; returns the pids that were killed."""
    live = [process for process in processes if alive(process)]
    for process in live:
        assert process.pid is not None
        _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(alive(process) for process in live):
        time.sleep(0.1)
    killed: list[int] = []
    for process in live:
        if alive(process):
            assert process.pid is not None
            _signal_group(process.pid, signal.SIGKILL)
            killed.append(process.pid)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(alive(process) for process in live):
        time.sleep(0.05)
    return killed


def wait_gone(process: ProcessRef, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(process):
            return True
        time.sleep(0.1)
    return not alive(process)
