"""One benchmark result: written as JSON under <home>/.fupin/bench/ and shown as a table or one JSON line."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class BenchResult:
    name: str
    bench_id: str
    goal: str
    meets_goal: bool | None
    # Headline figures (flat, stable keys: scripts and CI read them).
    figures: dict[str, Any]
    params: dict[str, Any]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    duration_s: float = 0.0
    # The machine's 1/5/15-minute load averages when the result is made (the end of the run): on a shared
    # machine a figure means little without the load it was measured under.
    load_average: tuple[float, ...] = field(
        default_factory=lambda: tuple(round(v, 2) for v in os.getloadavg())
    )

    def as_json(self, result_file: Path | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "benchmark": self.name,
            "id": self.bench_id,
            "goal": self.goal,
            "meets_goal": self.meets_goal,
            **self.figures,
            "params": self.params,
            "rounds": self.rounds,
            "notes": self.notes,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 2),
            "load_average": list(self.load_average),
        }
        if result_file is not None:
            body["result_file"] = str(result_file)
        return body


def write(result: BenchResult, home: Path) -> Path:
    # FUPIN_BENCH_DIR moves the results (the smoke test keeps them out of the checkout).
    directory = Path(os.environ.get("FUPIN_BENCH_DIR") or home / ".fupin" / "bench")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = directory / f"{result.name}-{stamp}.json"
    path.write_text(json.dumps(result.as_json(path), indent=2, ensure_ascii=False) + "\n")
    return path


def print_table(console: Console, result: BenchResult, path: Path) -> None:
    verdict = {True: "[green]meets goal[/]", False: "[red]misses goal[/]", None: "[yellow]no verdict[/]"}
    table = Table(title=f"{result.bench_id} {result.name} — goal {result.goal}: {verdict[result.meets_goal]}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in result.figures.items():
        table.add_row(key, "—" if value is None else str(value))
    console.print(table)
    for note in result.notes:
        console.print(f"[dim]note: {note}[/]")
    console.print(f"[dim]load average (1/5/15 min) at the end: {', '.join(map(str, result.load_average))}[/]")
    console.print(f"[dim]{path}[/]")
