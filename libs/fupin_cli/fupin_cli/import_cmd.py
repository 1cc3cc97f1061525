"""`fupin import FILE`: upload a 登记表 (CSV or XLSX) through the gateway and follow the import.

The token is minted locally from the run's key store (like `fupin token`), for the county of a CSV file's
first village unless --division says otherwise (an XLSX file needs --division), with the platform's token
lifetime, and minted again before it expires: a long import outlives one token. The upload streams the
file; progress is polled from GET /imports/{id} until the import has finished; the per-row report can be
saved with --report.

Exit codes, as `fupin import --help` states them for schedulers: 0 when the file was applied (or already
had been), 1 when it was rejected or the import failed or could not be followed (gateway unreachable,
upload refused, timeout), 2 for bad arguments only, found before anything is uploaded, 130 on Ctrl-C.
Once uploaded, an import cannot be cancelled: the server applies it whatever becomes of this command, so
every way out after the upload names the import and how to look it up.
"""

from __future__ import annotations

import csv
import os
import time
import unicodedata
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from fupin_cli.tokens import TokenError, mint_token
from fupin_kit import divisions
from fupin_kit.settings import KitSettings

POLL_S = 0.5
# Answers that say "not now" (a database or upstream outage, a proxy's restart): the import runs on, so the
# command keeps asking until --timeout, after Retry-After when the answer gives one.
TRANSIENT = (429, 502, 503, 504)
MAX_RETRY_WAIT_S = 30.0
# Rejection reasons printed on screen; the rest are in the report.
SHOWN_REASONS = 20
REPORT_PAGE = 10_000
MAX_REPORT_PAGES = 10
# A fresh token this long before the current one expires.
TOKEN_RENEW_MARGIN_S = 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE_OK = ("accepted",)
COUNTS = ("rows_read", "households_read", "households_accepted", "members_accepted", "households_rejected",
          "rows_rejected")  # fmt: skip
VILLAGE_HEADER = "村代码"


class LocalTokenAuth(httpx.Auth):
    """Bearer tokens minted from the local key store, renewed shortly before each one expires."""

    def __init__(self, mint: Callable[[int], str], lifetime_s: int) -> None:
        self.mint = mint
        self.lifetime_s = lifetime_s
        self._token = ""
        self._renew_at = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if time.monotonic() >= self._renew_at:
            self._token = self.mint(self.lifetime_s)
            self._renew_at = time.monotonic() + max(self.lifetime_s - TOKEN_RENEW_MARGIN_S, 1)
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ImportFailed(Exception):
    """The import could not be started, followed or finished (gateway unreachable or refusing, timeout):
    exit code 1."""


class ImportUsageError(ValueError):
    """A bad argument, found before anything is uploaded: exit code 2."""


class ImportInterrupted(Exception):
    """Ctrl-C: exit code 130, once the message says what became of the upload."""


@dataclass(frozen=True)
class ImportOptions:
    gateway_url: str
    keys_dir: Path
    path: Path
    division: str | None
    tier: str | None
    role: str
    subject: str
    report: Path | None
    timeout_s: float


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _cell(value: str) -> str:
    # As the registry reads a cell (imports/parsing.Layout.pick): trimmed, in NFKC (full-width digits).
    return unicodedata.normalize("NFKC", value.strip()).strip()


def first_village(path: Path) -> str | None:
    """The 村代码 of the first data row of a CSV file, its header and cell read as the registry reads them
    (a header typed "村代码 " is the column). None for an XLSX file: reading a workbook takes openpyxl,
    which the command line does not carry, so an XLSX needs --division."""
    if is_xlsx(path):
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                rows = csv.reader(handle)
                header = [_cell(name) for name in next(rows, [])]
                if VILLAGE_HEADER not in header:
                    return None
                position = header.index(VILLAGE_HEADER)
                for row in rows:
                    if len(row) > position and _cell(row[position]):
                        return _cell(row[position])
                return None
        except UnicodeDecodeError:
            continue
    return None


def data_rows(path: Path) -> int | None:
    """Approximate row count of a CSV file for the progress bar (lines minus the header)."""
    if is_xlsx(path):
        return None
    with path.open("rb") as handle:
        return max(sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


def who(options: ImportOptions) -> tuple[str, str]:
    """(division, tier) of the token: --division, or the county of the file's first village."""
    division = options.division
    if division is None:
        if is_xlsx(options.path):
            raise TokenError(
                "an XLSX file needs --division (the importer's village, township or county code): only a "
                "CSV file's first 村代码 is read to choose it"
            )
        village = first_village(options.path)
        if village is None or len(village) != 12 or not (village.isascii() and village.isdigit()):
            raise TokenError(
                f"cannot tell the division from the file (no 12-digit {VILLAGE_HEADER} in its first data "
                "row); pass --division (and --tier)"
            )
        division = village[:6] + "000000"
    try:
        tier = options.tier or divisions.TIER_NAMES[divisions.level(division)]
    except divisions.InvalidDivisionCode as exc:
        raise TokenError(str(exc)) from exc
    return division, tier


def _problem(response: httpx.Response) -> str:
    try:
        body: dict[str, Any] = response.json()
        return str(body.get("detail") or body.get("title") or response.text)
    except ValueError:
        return response.text[:500]


def check_report_target(target: Path) -> None:
    """--report must be writable before the file is uploaded: found afterwards, an applied import would end
    in an error."""
    if target.is_dir():
        raise ImportUsageError(f"--report {target} is a directory; name a file")
    parent = target.parent
    if not parent.is_dir():
        raise ImportUsageError(f"--report {target}: the directory {parent} does not exist")
    if not os.access(target if target.exists() else parent, os.W_OK):
        raise ImportUsageError(f"--report {target} cannot be written (permission denied)")


@dataclass(frozen=True)
class Lookup:
    """How an operator finds out later what became of an import (the command's own token is gone)."""

    base: str
    tier: str
    division: str
    role: str
    keys_dir: Path

    def hint(self, import_id: str) -> str:
        token = (
            f"$(fupin token --tier {self.tier} --division {self.division} --role {self.role} "
            f"--keys-dir {self.keys_dir})"
        )
        return (
            f'see its outcome with: curl -H "Authorization: Bearer {token}" {self.base}/imports/{import_id}'
            " (or run the same command again: a file already imported answers duplicate-of)"
        )


def _summary(console: Console, state: dict[str, Any], report_url: str) -> None:
    # One plain line first: a log or a script reads the id and the outcome from it whatever the width.
    outcome = state["status"]
    if state.get("duplicate_of"):
        outcome += f" (of import {state['duplicate_of']}: {state.get('original_status', 'unknown')})"
    console.print(f"import {state['id']}: {outcome}", soft_wrap=True, highlight=False)
    table = Table(title=f"import {state['id']}: {state['status']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in COUNTS:
        table.add_row(key, str(state[key]))
    if state.get("duplicate_of"):
        table.add_row("duplicate_of", str(state["duplicate_of"]))
        table.add_row("first import's status", str(state.get("original_status", "")))
    if state.get("error"):
        table.add_row("error", str(state["error"]))
    console.print(table)
    console.print(f"per-row report: {report_url} (JSON; add ?format=csv for CSV)", soft_wrap=True)


def rejection_reasons(
    client: httpx.Client, report_url: str, limit: int = SHOWN_REASONS
) -> list[dict[str, Any]]:
    """The first `limit` rejected lines of the report (a file-level reason is one of them, field 文件)."""
    found: list[dict[str, Any]] = []
    after = 0
    for _ in range(MAX_REPORT_PAGES):
        response = client.get(
            report_url, params={"after_row": after, "limit": REPORT_PAGE, "status": "rejected"}
        )
        if response.status_code != 200:
            raise ImportFailed(f"cannot read the report ({response.status_code}): {_problem(response)}")
        page: dict[str, Any] = response.json()
        found += [line for line in page["lines"] if line["status"] == "rejected"]
        if len(found) >= limit or page["next_after_row"] is None:
            break
        after = page["next_after_row"]
    return found[:limit]


def _print_reasons(console: Console, client: httpx.Client, state: dict[str, Any], report_url: str) -> None:
    try:
        lines = rejection_reasons(client, report_url)
    except (httpx.HTTPError, ValueError, KeyError, ImportFailed) as exc:
        console.print(f"[yellow]cannot read the rejection reasons: {escape(str(exc))}[/]", soft_wrap=True)
        return
    if not lines:
        return
    console.print(rejections_table(lines, state["rows_rejected"]))


def rejections_table(lines: list[dict[str, Any]], rejected_rows: int) -> Table:
    """The rejected report lines shown (row, 户编号, field, reason), of `rejected_rows` in all."""
    table = Table(title=f"why it was rejected (first {len(lines)} of {rejected_rows} rejected rows)")
    for name in ("row", "户编号", "field", "reason"):
        table.add_column(name, overflow="fold")
    for line in lines:
        table.add_row(
            str(line["row"]), line["household_key"] or "", line["field"] or "", line["reason"] or ""
        )
    return table


def run_import(options: ImportOptions, console: Console, errors: Console | None = None) -> int:
    """0 when the file was applied (or is a duplicate of a file that was), 1 when it was rejected or
    failed (ImportFailed), 2 on usage errors (raised as TokenError / ImportUsageError before uploading),
    130 on Ctrl-C (ImportInterrupted)."""
    errors = errors or Console(stderr=True)
    division, tier = who(options)
    if options.report is not None:
        check_report_target(options.report)

    def mint(lifetime_s: int) -> str:
        return mint_token(
            options.keys_dir, tier=tier, division=division, roles=[options.role], subject=options.subject,
            lifetime_s=lifetime_s,
        )  # fmt: skip

    auth = LocalTokenAuth(mint, KitSettings().token_lifetime_s)
    auth.mint(auth.lifetime_s)  # a key store or division problem shows before anything is uploaded
    base = options.gateway_url.rstrip("/") + "/api/v1/registry"
    lookup = Lookup(base, tier, division, options.role, options.keys_dir)
    media = XLSX_TYPE if is_xlsx(options.path) else "text/csv"
    total = data_rows(options.path)
    with httpx.Client(auth=auth, timeout=httpx.Timeout(60.0, write=600.0)) as client:
        state = _upload(client, base, options, media)
        import_id = str(state["id"])
        try:
            state = _follow(client, base, state, total, options.timeout_s, console)
            if state["status"] == "duplicate-of" and state.get("duplicate_of"):
                state = _follow_original(client, base, state, total, options.timeout_s, console)
        except KeyboardInterrupt:
            raise ImportInterrupted(
                f"interrupted: import {import_id} was uploaded and the server carries on applying it (an "
                f"import cannot be cancelled once uploaded); {lookup.hint(import_id)}"
            ) from None
        except ImportFailed as exc:
            raise ImportFailed(
                f"{exc}; the server carries on with import {import_id} regardless: {lookup.hint(import_id)}"
            ) from exc
        report_url = f"{base}/imports/{import_id}/report"
        try:
            _summary(console, state, report_url)
            if state["status"] == "rejected":
                _print_reasons(console, client, state, report_url)
            if options.report is not None:
                _save_report(client, report_url, options.report, console, errors)
        except KeyboardInterrupt:
            raise ImportInterrupted(
                f"interrupted after import {import_id} finished: {state['status']}"
            ) from None
    return 0 if _applied(client_state=state) else 1


def _upload(client: httpx.Client, base: str, options: ImportOptions, media: str) -> dict[str, Any]:
    try:
        with options.path.open("rb") as handle:
            response = client.post(f"{base}/imports", files={"file": (options.path.name, handle, media)})
    except KeyboardInterrupt:
        raise ImportInterrupted(
            "interrupted during the upload: a file the gateway did not receive whole is not imported, but if "
            "it was received the server applies it; run the same command again to find out (a file already "
            "imported answers duplicate-of)"
        ) from None
    except httpx.HTTPError as exc:
        raise ImportFailed(f"cannot reach the gateway at {options.gateway_url}: {exc}") from exc
    if response.status_code != 202:
        raise ImportFailed(f"the upload was refused ({response.status_code}): {_problem(response)}")
    try:
        state: dict[str, Any] = response.json()
        str(state["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ImportFailed(
            f"the gateway accepted the upload but its answer is not an import ({response.text[:200]!r}); "
            "run the same command again to find out whether it was applied"
        ) from exc
    return state


def _applied(client_state: dict[str, Any]) -> bool:
    status = client_state["status"]
    if status == "duplicate-of":
        return client_state.get("original_status") in DONE_OK
    return status in DONE_OK


def _follow_original(
    client: httpx.Client,
    base: str,
    state: dict[str, Any],
    total: int | None,
    timeout_s: float,
    console: Console,
) -> dict[str, Any]:
    """A duplicate is finished the moment it is answered, with the first import's counts as they are then:
    when the same file is run again while its first import is still applying, those are zeros. The outcome
    (and the exit code) is the first import's, so that one is followed to its end."""
    first = _follow(
        client, base, {**state, "id": state["duplicate_of"], "finished_at": None}, total, timeout_s, console
    )
    return {
        **state,
        **{key: first[key] for key in COUNTS},
        "original_status": first["status"],
        "error": first.get("error"),
    }


def _follow(
    client: httpx.Client,
    base: str,
    state: dict[str, Any],
    total: int | None,
    timeout_s: float,
    console: Console,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("households {task.fields[households]}"), TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(state["status"], total=total, households=0)
        wait_s = POLL_S
        while state["finished_at"] is None:
            if time.monotonic() + wait_s > deadline:
                raise ImportFailed(f"the import {state['id']} has not finished after {timeout_s:.0f}s")
            time.sleep(wait_s)
            wait_s = POLL_S
            try:
                response = client.get(f"{base}/imports/{state['id']}")
            except httpx.HTTPError as exc:
                raise ImportFailed(
                    f"lost contact with the gateway while following the import: {exc}"
                ) from exc
            if response.status_code in TRANSIENT:
                wait_s = _retry_after(response)
                progress.update(
                    task, description=f"{state['status']} (gateway {response.status_code}, retrying)"
                )
                continue
            if response.status_code != 200:
                raise ImportFailed(f"cannot read the import ({response.status_code}): {_problem(response)}")
            try:
                state = response.json()
                progress.update(
                    task,
                    description=state["status"],
                    completed=state["rows_read"],
                    households=state["households_read"],
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ImportFailed(
                    f"the gateway answered something that is not the import ({response.text[:200]!r})"
                ) from exc
        progress.update(
            task, description=state["status"], completed=state["rows_read"], total=state["rows_read"]
        )
    return state


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait before asking again: the answer's Retry-After (seconds), else the poll interval."""
    try:
        seconds = float(response.headers.get("Retry-After", POLL_S))
    except ValueError:
        return POLL_S
    return min(max(seconds, POLL_S), MAX_RETRY_WAIT_S)


def _save_report(client: httpx.Client, url: str, target: Path, console: Console, errors: Console) -> None:
    """Download the CSV report; a failure is said on stderr and changes no exit code (the import's outcome
    is decided, and the report stays on the server)."""
    try:
        with client.stream("GET", url, params={"format": "csv"}) as response:
            if response.status_code != 200:
                raise ImportFailed(f"the gateway answered {response.status_code}")
            with target.open("wb") as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
    except (OSError, httpx.HTTPError, ImportFailed) as exc:
        errors.print(
            f"[yellow]the report was not saved to {escape(str(target))}: {escape(str(exc))}; it stays on the "
            f"server ({escape(url)})[/]",
            soft_wrap=True,
        )
        return
    console.print(f"report saved to {target}", soft_wrap=True, highlight=False)
