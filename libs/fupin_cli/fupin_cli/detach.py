"""`fupin up --detach`: run the supervisor in its own session and return once everything is ready."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

from rich.console import Console

from fupin_cli import procs, status
from fupin_cli.state import load_state
from fupin_cli.supervisor import UpOptions, argv_for, log_tail


def start_detached(options: UpOptions, console: Console, errors: Console) -> int:
    paths = options.paths
    existing = load_state(paths)
    if existing is not None and procs.alive(existing.supervisor):
        errors.print(
            f"[red]Fupin is already running from {paths.root} (supervisor pid {existing.supervisor.pid});"
            " run `fupin down` first.[/]"
        )
        return 1
    paths.create()
    began = time.monotonic()
    with paths.supervisor_log.open("ab") as log:
        supervisor = subprocess.Popen(
            argv_for(options),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = began + options.ready_timeout_s + 120
    try:
        with console.status("Starting the supervisor …") as spinner:
            while True:
                code = supervisor.poll()
                if code is not None:
                    errors.print(
                        f"[red]the supervisor exited with code {code} before everything was ready:[/]"
                    )
                    errors.print(log_tail(paths.supervisor_log), markup=False, highlight=False)
                    return 1
                state = load_state(paths)
                if state is not None and state.supervisor.pid == supervisor.pid:
                    if state.phase == "ready":
                        break
                    spinner.update(f"{state.step} …")
                if time.monotonic() > deadline:
                    errors.print(f"[red]not ready in time; see {paths.supervisor_log}[/]")
                    os.kill(supervisor.pid, signal.SIGTERM)
                    return 1
                time.sleep(0.2)
    except KeyboardInterrupt:
        errors.print("interrupted: stopping the supervisor")
        os.kill(supervisor.pid, signal.SIGTERM)
        supervisor.wait(90)
        return 130
    elapsed = time.monotonic() - began
    rows = asyncio.run(status.collect(state))
    status.print_table(console, rows, f"Fupin ({paths.root})")
    console.print(
        f"[bold green]Ready in {elapsed:.1f}s[/] (supervisor: {state.ready_after_s:.1f}s). "
        f"Gateway: http://127.0.0.1:{options.base_port}. Logs: {paths.logs_dir}. Stop with `fupin down`."
    )
    # The supervisor outlives us by design; stop Popen from warning about it at exit.
    supervisor.returncode = 0
    return 0
