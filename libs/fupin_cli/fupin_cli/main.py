"""The `fupin` command line: wiring only; each command's work lives in its own module."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fupin_cli.audit_cmd import app as audit_app
from fupin_cli.bench_cmd import bench as bench_command
from fupin_cli.layout import DEFAULT_BASE_PORT, DEFAULT_BROKER_PORT, DEFAULT_PG_PORT
from fupin_cli.state import load_state, resolve_keys_dir, resolve_paths

app = typer.Typer(help="Fupin: run, inspect, demo and benchmark the platform.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.command(name="bench")(bench_command)
console = Console()
errors = Console(stderr=True)

StateDir = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Run directory \\[default: $FUPIN_STATE_DIR or <FUPIN_HOME>/.fupin]"),
]
KeysDir = Annotated[
    Path | None,
    typer.Option("--keys-dir", help="Signing keys \\[default: $FUPIN_KEYS_DIR or <state dir>/keys]"),
]


@app.command()
def up(
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Run in the background and return.")] = False,
    base_port: Annotated[
        int, typer.Option(help="Gateway port; the services use the next five.")
    ] = DEFAULT_BASE_PORT,
    pg_port: Annotated[int, typer.Option(help="Embedded PostgreSQL port.")] = DEFAULT_PG_PORT,
    broker_port: Annotated[int, typer.Option(help="Embedded broker port.")] = DEFAULT_BROKER_PORT,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every /readyz.")] = 180.0,
    log_level: Annotated[str, typer.Option(help="Log level of the processes.")] = "info",
    state_dir: StateDir = None,
    keys_dir: KeysDir = None,
) -> None:
    """Start PostgreSQL, the broker and the six processes (embedded unless FUPIN_DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS are set). In the foreground, Ctrl-C stops everything."""
    from fupin_cli.supervisor import UpOptions

    paths = resolve_paths(state_dir)
    options = UpOptions(
        paths=paths,
        keys_dir=resolve_keys_dir(paths, keys_dir),
        base_port=base_port,
        pg_port=pg_port,
        broker_port=broker_port,
        ready_timeout_s=timeout,
        log_level=log_level,
    )
    if detach:
        from fupin_cli.detach import start_detached

        raise typer.Exit(start_detached(options, console, errors))
    from fupin_cli.foreground import run_foreground

    raise typer.Exit(run_foreground(options, console))


@app.command()
def down(
    state_dir: StateDir = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the supervisor.")] = 60.0,
) -> None:
    """Stop a running `fupin up` and everything it started (safe to repeat)."""
    from fupin_cli.teardown import down as stop_run

    paths = resolve_paths(state_dir)
    began = time.monotonic()
    with console.status("Stopping Fupin …"):
        report = stop_run(paths, timeout)
    if not report.anything:
        console.print(f"Fupin is not running ({paths.root}).")
        return
    if report.supervisor_killed:
        errors.print("[yellow]the supervisor did not stop in time and was killed[/]")
    if report.leftovers:
        errors.print(f"[yellow]stopped leftovers: {', '.join(report.leftovers)}[/]")
    console.print(f"Fupin stopped in {time.monotonic() - began:.1f}s.")


@app.command()
def status(
    state_dir: StateDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each process with its pid, port, health (/readyz), outbox lag (unpublished rows) and consumer
    backlog (events it has not reached yet).

    Exit code 0 when everything is ready, 1 when something is not, 3 when Fupin is not running."""
    from fupin_cli import status as status_module
    from fupin_cli.procs import alive

    paths = resolve_paths(state_dir)
    state = load_state(paths)
    if state is None or not alive(state.supervisor):
        if as_json:
            print(json.dumps({"running": False, "processes": []}))
        else:
            console.print(f"Fupin is not running ({paths.root}).")
        raise typer.Exit(3)
    rows = asyncio.run(status_module.collect(state))
    all_ready = state.phase == "ready" and all(row.health == "ready" for row in rows)
    if as_json:
        body = {"running": True, "phase": state.phase, "ready_after_s": state.ready_after_s}
        print(json.dumps({**body, "processes": status_module.as_json(rows)}))
    else:
        title = f"Fupin ({state.phase}, supervisor pid {state.supervisor.pid}, {paths.root})"
        status_module.print_table(console, rows, title)
    raise typer.Exit(0 if all_ready else 1)


@app.command()
def token(
    tier: Annotated[str, typer.Option(help="nation, province, city, county, township or village.")],
    division: Annotated[str, typer.Option(help="12-digit division code at that tier.")],
    role: Annotated[list[str] | None, typer.Option("--role", help="A role; repeat for several.")] = None,
    subject: Annotated[str, typer.Option(help="The token's subject.")] = "fupin-cli",
    lifetime: Annotated[
        int | None,
        typer.Option(help="Lifetime in seconds; default and maximum FUPIN_TOKEN_LIFETIME_S (900).", min=1),
    ] = None,
    gateway: Annotated[
        str | None,
        typer.Option(
            help="Gateway URL whose registry checks the division (default: $FUPIN_GATEWAY_URL or "
            "http://127.0.0.1:8000)."
        ),
    ] = None,
    state_dir: StateDir = None,
    keys_dir: KeysDir = None,
) -> None:
    """Print a signed access token (only the token, on stdout) for scripts. The division must be in the
    registry's tree (exit code 2 otherwise); when the platform cannot be asked, a warning says so."""
    from rich.markup import escape

    from fupin_cli.tokens import TokenError, check_token_division, mint_token
    from fupin_kit.settings import KitSettings

    paths = resolve_paths(state_dir)
    try:
        value = mint_token(
            resolve_keys_dir(paths, keys_dir),
            tier=tier,
            division=division,
            roles=role or [],
            subject=subject,
            lifetime_s=lifetime,
        )
        warning = check_token_division(gateway or KitSettings().gateway_url, value, division)
    except TokenError as exc:
        errors.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    if warning is not None:
        errors.print(f"[yellow]{escape(warning)}[/]", soft_wrap=True)
    print(value)


@app.command()
def republish(
    service: Annotated[
        str, typer.Argument(help="gateway, registry, identification, assistance, funds or evaluation")
    ],
    since: Annotated[
        datetime,
        typer.Option(
            help="ISO date-time; rows created since then are sent again. A time without an offset is read as "
            "UTC, not Beijing time: add +08:00 for that (2026-11-27T09:00+08:00)."
        ),
    ],
    state_dir: StateDir = None,
) -> None:
    """Mark retained outbox rows created since --since unpublished, so the relay sends them again. Exit
    code 2 when the database cannot be reached."""
    from rich.markup import escape
    from sqlalchemy.exc import SQLAlchemyError

    from fupin_cli.republish import republish as run_republish
    from fupin_cli.status import database_url
    from fupin_kit.settings import PROCESS_NAMES

    if service not in PROCESS_NAMES:
        errors.print(f"[red]unknown service {service!r}; one of {', '.join(PROCESS_NAMES)}[/]")
        raise typer.Exit(2)
    paths = resolve_paths(state_dir)
    state = load_state(paths)
    server_url = database_url(state) if state is not None else None
    server_url = server_url or os.environ.get("FUPIN_DATABASE_URL")
    if not server_url:
        errors.print("[red]no database: set FUPIN_DATABASE_URL or start Fupin with `fupin up`[/]")
        raise typer.Exit(2)
    moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    try:
        count = asyncio.run(run_republish(server_url, service, moment))
    except (OSError, SQLAlchemyError) as exc:
        # As `fupin audit verify` says it: one line, exit code 2 (the database, not the rows, is the problem).
        errors.print(f"[red]cannot reach the {service} database: {escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(2) from exc
    console.print(f"{count} {service} outbox rows since {moment.isoformat()} queued for publishing again.")


@app.command()
def feed(
    division: Annotated[str, typer.Option(help="12-digit division code whose feed to read.")],
    tier: Annotated[
        str | None, typer.Option(help="Tier of the token (default: the division code's level).")
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Tail the SSE stream until Ctrl-C.")] = False,
    after: Annotated[int, typer.Option(help="Start after this feed seq.", min=0)] = 0,
    tail: Annotated[
        int | None,
        typer.Option(
            help="Start with the feed's last N events, not its beginning (not with --after).", min=1, max=1000
        ),
    ] = None,
    gateway: Annotated[
        str | None, typer.Option(help="Gateway URL (default: $FUPIN_GATEWAY_URL or http://127.0.0.1:8000).")
    ] = None,
    state_dir: StateDir = None,
    keys_dir: KeysDir = None,
) -> None:
    """Print a division's tier feed (policy-filtered and masked for its tier), one line per event."""
    from rich.markup import escape

    from fupin_cli.feed_cmd import FeedError, FeedOptions, run_feed
    from fupin_cli.tokens import TokenError
    from fupin_kit.settings import KitSettings

    paths = resolve_paths(state_dir)
    options = FeedOptions(
        gateway_url=gateway or KitSettings().gateway_url,
        keys_dir=resolve_keys_dir(paths, keys_dir),
        division=division,
        tier=tier,
        after=after,
        follow=follow,
        tail=tail,
    )
    try:
        raise typer.Exit(run_feed(options, console, errors))
    except (TokenError, FeedError) as exc:
        errors.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def demo(
    county: Annotated[
        str, typer.Option(help="12-digit county code, or 'random' (chosen by --seed).")
    ] = "522632000000",
    households: Annotated[int, typer.Option(help="Households to generate.", min=1)] = 2000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same population.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the CSV \\[default: <state dir>/demo/].")
    ] = None,
    gateway: Annotated[
        str | None, typer.Option(help="Gateway URL (default: $FUPIN_GATEWAY_URL or http://127.0.0.1:8000).")
    ] = None,
    state_dir: StateDir = None,
    keys_dir: KeysDir = None,
) -> None:
    """Generate a realistic synthetic population across a real county's villages and import it through
    the registry's import API, like an uploaded 登记表."""
    from rich.markup import escape

    from fupin_cli.demo.procedure import ProcedureError
    from fupin_cli.demo_cmd import DemoError, DemoOptions, random_county, run_demo
    from fupin_cli.tokens import TokenError
    from fupin_kit.settings import KitSettings

    paths = resolve_paths(state_dir)
    code = random_county(seed) if county == "random" else county
    options = DemoOptions(
        gateway_url=gateway or KitSettings().gateway_url,
        keys_dir=resolve_keys_dir(paths, keys_dir),
        county=code,
        households=households,
        seed=seed,
        out=out or paths.root / "demo" / f"demo-{code}-{households}-{seed}.csv",
    )
    try:
        raise typer.Exit(run_demo(options, console))
    except (TokenError, DemoError) as exc:
        errors.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    except ProcedureError as exc:
        # The population was imported; a step of driving it through identification was refused.
        errors.print(f"[red]the identification part of the demo stopped: {escape(str(exc))}[/]")
        raise typer.Exit(1) from exc


@app.command(name="import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            help="A 登记表 in the template's layout (.csv or .xlsx).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    division: Annotated[
        str | None,
        typer.Option(
            help="12-digit division of the importing cadre \\[default for a CSV file: the county of its first "
            "村代码; required for an XLSX file]."
        ),
    ] = None,
    tier: Annotated[
        str | None, typer.Option(help="village, township or county \\[default: the division's level].")
    ] = None,
    role: Annotated[str, typer.Option(help="cadre or officer.")] = "officer",
    subject: Annotated[
        str, typer.Option(help="The token's subject (recorded as the importer).")
    ] = "fupin-cli",
    report: Annotated[Path | None, typer.Option(help="Also save the per-row report (CSV) here.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the import to finish.")] = 3600.0,
    gateway: Annotated[
        str | None, typer.Option(help="Gateway URL (default: $FUPIN_GATEWAY_URL or http://127.0.0.1:8000).")
    ] = None,
    state_dir: StateDir = None,
    keys_dir: KeysDir = None,
) -> None:
    """Import a 登记表 through the gateway with a progress bar; all-or-nothing for the file. Exit code 0
    when applied (or already imported), 1 when rejected or failed (gateway unreachable, upload refused,
    timeout), 2 on usage errors (bad arguments, found before uploading), 130 on Ctrl-C. An uploaded import
    cannot be cancelled: the server applies it even if the command is interrupted."""
    from rich.markup import escape

    from fupin_cli.import_cmd import (
        ImportFailed,
        ImportInterrupted,
        ImportOptions,
        ImportUsageError,
        run_import,
    )
    from fupin_cli.tokens import TokenError
    from fupin_kit.settings import KitSettings

    paths = resolve_paths(state_dir)
    options = ImportOptions(
        gateway_url=gateway or KitSettings().gateway_url,
        keys_dir=resolve_keys_dir(paths, keys_dir),
        path=file,
        division=division,
        tier=tier,
        role=role,
        subject=subject,
        report=report,
        timeout_s=timeout,
    )
    try:
        code = run_import(options, console, errors)
    except (TokenError, ImportUsageError) as exc:
        errors.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(2) from exc
    except ImportFailed as exc:
        errors.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(1) from exc
    except ImportInterrupted as exc:
        errors.print(f"[yellow]{escape(str(exc))}[/]", soft_wrap=True)
        raise typer.Exit(130) from exc
    except KeyboardInterrupt:
        # Before the upload began (reading the file, minting the token): nothing reached the server.
        errors.print("[yellow]interrupted before the upload: nothing was imported[/]")
        raise typer.Exit(130) from None
    raise typer.Exit(code)
