"""Stopping what a run left behind: the supervisor, its processes, the embedded broker and PostgreSQL."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field

from fupin_cli import procs
from fupin_cli.state import ProcessRef, RunPaths, RunState, load_state, remove_state
from fupin_kit.embedded import EmbeddedBroker, EmbeddedPostgres


@dataclass
class DownReport:
    supervisor_stopped: bool = False
    supervisor_killed: bool = False
    leftovers: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return self.supervisor_stopped or self.supervisor_killed or bool(self.leftovers)


def cleanup(paths: RunPaths, state: RunState | None, timeout_s: float = 10.0) -> list[str]:
    """Stop every process recorded in `state` and any embedded server found under the state directory.

    Returns a description of each thing that was still running."""
    found: list[str] = []
    if state is not None:
        children = {name: child for name, child in state.processes.items() if procs.alive(child)}
        found += [f"{name} (pid {child.pid})" for name, child in children.items()]
        procs.terminate(list(children.values()), timeout_s)
    broker = EmbeddedBroker(paths.broker_dir, 0)
    broker_pid = broker.pid()
    if broker_pid is not None:
        found.append(f"broker (pid {broker_pid})")
        broker.stop()
    if state is not None and state.broker is not None and state.broker.embedded and procs.alive(state.broker):
        procs.terminate([state.broker], 5.0)
    postgres = EmbeddedPostgres(paths.pg_dir, 0)
    postgres_pid = postgres.pid()
    if postgres_pid is not None and procs.alive(procs.ref(postgres_pid)):
        found.append(f"postgres (pid {postgres_pid})")
        postgres.stop(mode="fast")
        leftover = procs.ref(postgres_pid)
        if procs.alive(leftover) and not procs.wait_gone(leftover, 10.0):
            postgres.stop(mode="immediate")
            procs.terminate([leftover], 5.0)
    return found


def down(paths: RunPaths, timeout_s: float = 60.0) -> DownReport:
    """Ask the supervisor to stop everything, wait for it, then make sure nothing of the run remains."""
    report = DownReport()
    state = load_state(paths)
    if state is not None and procs.alive(state.supervisor):
        supervisor: ProcessRef = state.supervisor
        assert supervisor.pid is not None
        os.kill(supervisor.pid, signal.SIGTERM)
        report.supervisor_stopped = True
        if not procs.wait_gone(supervisor, timeout_s):
            os.kill(supervisor.pid, signal.SIGKILL)
            procs.wait_gone(supervisor, 5.0)
            report.supervisor_killed = True
        # The supervisor may have recorded restarted processes after we loaded the state.
        state = load_state(paths) or state
    report.leftovers = cleanup(paths, state)
    remove_state(paths)
    return report
