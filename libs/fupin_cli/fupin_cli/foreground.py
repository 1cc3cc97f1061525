"""`fupin up` in the foreground: the supervisor runs in this process; Ctrl-C stops everything."""

from __future__ import annotations

import asyncio

from rich.console import Console

from fupin_cli import status
from fupin_cli.reporting import RichReporter
from fupin_cli.state import RunState
from fupin_cli.supervisor import Supervisor, UpOptions


def run_foreground(options: UpOptions, console: Console) -> int:
    async def announce(state: RunState) -> None:
        rows = await status.collect(state)
        status.print_table(console, rows, f"Fupin ({options.paths.root})")
        console.print(
            f"[bold green]Ready in {state.ready_after_s:.1f}s.[/] "
            f"Gateway: http://127.0.0.1:{options.base_port} — press Ctrl-C to stop."
        )

    supervisor = Supervisor(options, RichReporter(console), on_ready=announce)
    return asyncio.run(supervisor.run())
