"""`fupin bench <name>`: run one benchmark on a stack of its own and report it against its raw baseline.

The benchmarks live in the `bench` package at the repository root (they ship with the checkout, not with
the installed CLI), so the root (KitSettings().home, i.e. $FUPIN_HOME) is put on sys.path first.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fupin_kit.settings import KitSettings

console = Console()
errors = Console(stderr=True)


def _use_checkout() -> Path:
    """Put the repository root on sys.path, so the `bench` package (and its catalog) can be imported."""
    home = KitSettings().home
    if str(home) not in sys.path:
        sys.path.insert(0, str(home))
    return home


def benchmark_names() -> tuple[str, ...]:
    """The benchmarks of bench/catalog.py, the one list of them; empty outside a checkout."""
    _use_checkout()
    try:
        from bench.catalog import MODULES
    except ImportError:
        return ()
    return tuple(MODULES)


def bench(
    name: Annotated[str, typer.Argument(help="A benchmark of bench/catalog.py, e.g. gateway-read or relay.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object on stdout, nothing else.")
    ] = False,
    repeat: Annotated[int, typer.Option(help="Measured rounds per arm.", min=1)] = 5,
    requests: Annotated[int, typer.Option(help="HTTP requests per arm per round.", min=1)] = 2000,
    concurrency: Annotated[int, typer.Option(help="Load generator connections.", min=1)] = 16,
    households: Annotated[
        int, typer.Option(help="Households seeded for the reads; households imported (import).", min=1)
    ] = 50,
    rows: Annotated[int, typer.Option(help="Outbox rows / raw messages per relay round.", min=1)] = 20_000,
    rate: Annotated[float, typer.Option(help="Writes per second (pipeline).", min=1)] = 500.0,
    duration: Annotated[float, typer.Option(help="Seconds per pipeline round.", min=0.5)] = 20.0,
    cases: Annotated[int, typer.Option(help="Cases in one batch decision (batch-approve).", min=1)] = 100_000,
) -> None:
    """Run a benchmark (platform path and raw baseline interleaved), write .fupin/bench/<name>-<time>.json
    and print a table, or with --json the result object."""
    names = benchmark_names()
    if name not in names:
        errors.print(
            f"[red]unknown benchmark {name!r}; one of {', '.join(names) or '(none: no checkout)'}[/]"
        )
        raise typer.Exit(2)
    home = _use_checkout()
    from bench.catalog import runner
    from bench.options import BenchOptions
    from bench.results import print_table, write

    options = BenchOptions(
        repeat=repeat,
        requests=requests,
        concurrency=concurrency,
        households=households,
        rows=rows,
        rate=rate,
        duration_s=duration,
        cases=cases,
    )
    with errors.status(f"benchmark {name} …"):
        result = asyncio.run(runner(name)(options))
    path = write(result, home)
    if as_json:
        print(json.dumps(result.as_json(path), ensure_ascii=False))
    else:
        print_table(console, result, path)
