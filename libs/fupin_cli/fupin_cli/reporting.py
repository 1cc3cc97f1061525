"""How the supervisor shows its progress: rich progress in a terminal, plain timestamped lines in a log."""

from __future__ import annotations

import sys
import time
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class Reporter(Protocol):
    def begin(self, step: str) -> None: ...
    def done(self, detail: str = "") -> None: ...
    def ready_count(self, ready: int, total: int, waiting: list[str]) -> None: ...
    def info(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def close(self) -> None: ...


class LogReporter:
    """For the detached supervisor, whose stdout is logs/supervisor.log."""

    def __init__(self) -> None:
        self._step = ""
        self._last_waiting: list[str] = []

    def _line(self, text: str) -> None:
        sys.stdout.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}\n")
        sys.stdout.flush()

    def begin(self, step: str) -> None:
        self._step = step
        self._line(f"{step} …")

    def done(self, detail: str = "") -> None:
        self._line(f"{self._step}: done{f' ({detail})' if detail else ''}")

    def ready_count(self, ready: int, total: int, waiting: list[str]) -> None:
        if waiting != self._last_waiting:
            self._last_waiting = waiting
            self._line(f"ready {ready}/{total}; waiting for {', '.join(waiting) or 'nothing'}")

    def info(self, message: str) -> None:
        self._line(message)

    def warn(self, message: str) -> None:
        self._line(f"WARNING {message}")

    def close(self) -> None:
        sys.stdout.flush()


class RichReporter:
    """For `fupin up` in the foreground: one progress line per step, a bar while processes get ready."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=None if console.is_terminal else 20),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.progress.start()
        self._task: TaskID | None = None
        self._description = ""

    def begin(self, step: str) -> None:
        self._description = step
        self._task = self.progress.add_task(step, total=1, detail="")

    def done(self, detail: str = "") -> None:
        if self._task is not None:
            self.progress.update(self._task, completed=1, total=1, detail=detail)
            self._task = None

    def ready_count(self, ready: int, total: int, waiting: list[str]) -> None:
        if self._task is not None:
            detail = f"{ready}/{total}" + (f" (waiting: {', '.join(waiting)})" if waiting else "")
            self.progress.update(self._task, completed=ready, total=total, detail=detail)

    def info(self, message: str) -> None:
        self.progress.console.print(message)

    def warn(self, message: str) -> None:
        self.progress.console.print(f"[yellow]{message}[/]")

    def close(self) -> None:
        self.progress.stop()
