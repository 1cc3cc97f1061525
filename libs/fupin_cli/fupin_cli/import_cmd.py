"""`fupin import FILE`: upload a 登记表 (CSV or XLSX) through the gateway and follow the import.

The token is minted locally from the run's key store (like `fupin token`), for the county of a CSV file's
first village unless --division says otherwise (an XLSX file needs --division), with the platform's token
lifetime, and minted again before it expires: a long import outlives one token. The upload streams the
file; progress is polled from GET /imports/{id} until the import has finished; the per-row report can be
saved with --report.
"""

from __future__ import annotations

import csv
import time
import unicodedata
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
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
# A fresh token this long before the current one expires.
TOKEN_RENEW_MARGIN_S = 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DONE_OK = ("accepted",)
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
    """The import could not be started or followed (unreadable file, gateway error)."""


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


def _summary(console: Console, state: dict[str, Any], report_url: str) -> None:
    table = Table(title=f"import {state['id']}: {state['status']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("rows_read", "households_read", "households_accepted", "members_accepted",
                "households_rejected", "rows_rejected"):  # fmt: skip
        table.add_row(key, str(state[key]))
    if state.get("duplicate_of"):
        table.add_row("duplicate_of", str(state["duplicate_of"]))
    if state.get("error"):
        table.add_row("error", str(state["error"]))
    console.print(table)
    console.print(f"per-row report: {report_url} (JSON; add ?format=csv for CSV)")


def run_import(options: ImportOptions, console: Console) -> int:
    """0 when the file was applied (or is a duplicate of a file that was), 1 when it was rejected or
    failed, 2 on usage errors (raised as TokenError / ImportFailed)."""
    division, tier = who(options)

    def mint(lifetime_s: int) -> str:
        return mint_token(
            options.keys_dir, tier=tier, division=division, roles=[options.role], subject=options.subject,
            lifetime_s=lifetime_s,
        )  # fmt: skip

    auth = LocalTokenAuth(mint, KitSettings().token_lifetime_s)
    auth.mint(auth.lifetime_s)  # a key store or division problem shows before anything is uploaded
    base = options.gateway_url.rstrip("/") + "/api/v1/registry"
    media = XLSX_TYPE if is_xlsx(options.path) else "text/csv"
    total = data_rows(options.path)
    with httpx.Client(auth=auth, timeout=httpx.Timeout(60.0, write=600.0)) as client:
        with options.path.open("rb") as handle:
            try:
                response = client.post(f"{base}/imports", files={"file": (options.path.name, handle, media)})
            except httpx.HTTPError as exc:
                raise ImportFailed(f"cannot reach the gateway at {options.gateway_url}: {exc}") from exc
        if response.status_code != 202:
            raise ImportFailed(f"the upload was refused ({response.status_code}): {_problem(response)}")
        state: dict[str, Any] = response.json()
        state = _follow(client, base, state, total, options.timeout_s, console)
        report_url = f"{base}/imports/{state['id']}/report"
        _summary(console, state, report_url)
        if options.report is not None:
            _save_report(client, report_url, options.report)
            console.print(f"report saved to {options.report}")
    return 0 if _applied(client_state=state) else 1


def _applied(client_state: dict[str, Any]) -> bool:
    status = client_state["status"]
    return status in DONE_OK or (status == "duplicate-of" and client_state["households_accepted"] > 0)


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
        while state["finished_at"] is None:
            if time.monotonic() > deadline:
                raise ImportFailed(f"the import {state['id']} has not finished after {timeout_s:.0f}s")
            time.sleep(POLL_S)
            response = client.get(f"{base}/imports/{state['id']}")
            if response.status_code != 200:
                raise ImportFailed(f"cannot read the import ({response.status_code}): {_problem(response)}")
            state = response.json()
            progress.update(
                task,
                description=state["status"],
                completed=state["rows_read"],
                households=state["households_read"],
            )
        progress.update(
            task, description=state["status"], completed=state["rows_read"], total=state["rows_read"]
        )
    return state


def _save_report(client: httpx.Client, url: str, target: Path) -> None:
    with client.stream("GET", url, params={"format": "csv"}) as response:
        if response.status_code != 200:
            raise ImportFailed(f"cannot download the report ({response.status_code})")
        with target.open("wb") as handle:
            for chunk in response.iter_bytes():
                handle.write(chunk)
