"""`fupin audit verify`: recompute a process's hash-chained audit log and name the first bad row."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

app = typer.Typer(help="The hash-chained audit log each process keeps in its database.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
# A head's hash as `fupin audit verify` prints it: SHA-256, lower-case hex.
HEAD_HASH = re.compile(r"[0-9a-f]{64}")

if TYPE_CHECKING:
    from fupin_kit.audit.verify import ChainReport, Head


async def _verify(database_url: str, expect: Head | None) -> ChainReport:
    # Imported here: database drivers are only needed by this command, not by every `fupin` call.
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from fupin_kit.audit.verify import verify_chain

    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session:
            return await verify_chain(session, expect=expect)
    finally:
        await engine.dispose()


def _server_url(database_url: str | None, state_dir: Path | None) -> str | None:
    """--database-url, else $FUPIN_DATABASE_URL, else the running platform's embedded PostgreSQL as its
    run state records it (as `fupin status` and `fupin republish` find it); None when there is none."""
    from fupin_cli.state import load_state, resolve_paths
    from fupin_cli.status import database_url as state_database_url

    if database_url:
        return database_url
    state = load_state(resolve_paths(state_dir))
    if state is not None:
        return state_database_url(state)  # $FUPIN_DATABASE_URL first, as there
    return os.environ.get("FUPIN_DATABASE_URL") or None


@app.command()
def verify(
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Server URL \\[default: $FUPIN_DATABASE_URL, else the embedded PostgreSQL of the running "
            "platform]; the process's database on it is used."
        ),
    ] = None,
    service: Annotated[str, typer.Option(help="Whose chain: gateway or a service name.")] = "gateway",
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir", help="Run directory \\[default: $FUPIN_STATE_DIR or <FUPIN_HOME>/.fupin]"
        ),
    ] = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            help="SEQ:HASH of a head printed by an earlier run and kept outside the database: the chain "
            "must still reach that row with that hash (rows deleted from the end are found)."
        ),
    ] = None,
) -> None:
    """Walk the chain in seq order and recompute every hash. Exit code 0 when intact, 1 at the first bad
    row (its seq is printed), 2 when the database cannot be reached. Prints the head (seq:hash) to keep
    for a later --expect-head."""
    from sqlalchemy.exc import SQLAlchemyError

    from fupin_kit.audit.verify import Head
    from fupin_kit.settings import PROCESS_NAMES, KitSettings

    expect = None
    if expect_head is not None:
        seq, _, head_hash = expect_head.partition(":")
        # seq 0 is no head (the chain's first row is seq 1): every hash would "match" it.
        if not (seq.isascii() and seq.isdigit() and int(seq) >= 1 and HEAD_HASH.fullmatch(head_hash)):
            errors.print("[red]--expect-head is SEQ:HASH as printed by `fupin audit verify`[/]")
            raise typer.Exit(2)
        expect = Head(seq=int(seq), hash=head_hash)

    if service not in PROCESS_NAMES:
        errors.print(f"[red]unknown process {service!r}; one of {', '.join(PROCESS_NAMES)}[/]")
        raise typer.Exit(2)
    server_url = _server_url(database_url, state_dir)
    if not server_url:
        errors.print(
            "[red]no database: pass --database-url, set FUPIN_DATABASE_URL or start Fupin with `fupin up`[/]"
        )
        raise typer.Exit(2)
    settings = KitSettings(service=service, database_url=server_url)
    try:
        report = asyncio.run(_verify(settings.service_database_url(), expect))
    except (OSError, SQLAlchemyError) as exc:
        errors.print(f"[red]cannot reach the {service} database: {exc}[/]")
        raise typer.Exit(2) from exc
    if report.ok:
        console.print(f"audit chain intact: {report.checked} rows (last seq {report.last_seq}).")
        if report.last_seq is not None:
            console.print(f"head={report.last_seq}:{report.last_hash}", soft_wrap=True)
        return
    errors.print(f"[red]audit chain broken at seq {report.first_bad_seq}: {report.reason}[/]")
    console.print(f"first_bad_seq={report.first_bad_seq}")
    raise typer.Exit(1)
