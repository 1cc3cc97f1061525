"""`fupin demo`: generate a synthetic population for a real county (or a city without counties, whose
government holds the county's powers) and import it through the gateway.

The villages come from the registry's division API (the real tree, as the running platform serves it);
the rows are written as a 登记表 CSV and uploaded to POST /api/v1/registry/imports, exactly like a file a
county office uploads, so the demo exercises the real import path (validation, all-or-nothing, events).
"""

from __future__ import annotations

import csv
import gzip
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fupin_cli.demo.exits import drive_exits
from fupin_cli.demo.population import HEADERS, Village, generate, id_digest
from fupin_cli.demo.procedure import county_tier, drive_county
from fupin_cli.import_cmd import SHOWN_REASONS, rejections_table
from fupin_cli.tokens import mint_token

DEFAULT_COUNTY = "522632000000"  # 榕江县, 黔东南苗族侗族自治州, 贵州省: a former national poor county
RANDOM = "random"
PAGE = 1000
# The report's largest page: a demo file of a few thousand households is read in a page or two.
REPORT_PAGE = 10_000
MAX_ATTEMPTS = 5
ID_COLUMN = "证件号码"
# The registry's reason for a person who is already a member of a household (imports.repository).
ALREADY_REGISTERED = "this person already belongs to a household"


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoOptions:
    gateway_url: str
    keys_dir: Path
    county: str
    households: int
    seed: int
    out: Path
    poll_s: float = 0.5
    timeout_s: float = 3600.0
    # Part two: candidates driven through identification after the import (0 = import only).
    procedure_cases: int = 200
    notice_seconds: int = 20  # how long the demo county's identification notices run


def random_county(seed: int) -> str:
    """A county-level code from the registry's copy of the published tree, chosen by the seed: one with
    villages (金门县 350527000000 has none, QA10 Q2-1)."""
    from registry.divisions.loader import DATA_FILE  # the CLI is installed beside the registry

    counties: set[str] = set()
    with_villages: set[str] = set()
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "county" and row["name"] != "市辖区":
                counties.add(row["code"])
            elif row["level"] == "village" and not row["code"].endswith("000"):
                # Not 金门县's own code repeated as a "village" (a self-loop the loader drops: quirk 3).
                with_villages.add(row["code"][:6] + "000000")
    return random.Random(seed).choice(sorted(counties & with_villages))


class Gateway:
    """The registry behind the gateway, with a freshly minted token of the county's government per request
    (long imports outlive a single token): a county's, or a city's for a city without counties."""

    def __init__(self, client: httpx.Client, options: DemoOptions) -> None:
        self.client = client
        self.base = options.gateway_url.rstrip("/") + "/api/v1/registry"
        self.options = options

    def headers(self) -> dict[str, str]:
        token = mint_token(
            self.options.keys_dir,
            tier=county_tier(self.options.county),
            division=self.options.county,
            roles=["officer"],
            subject="fupin-demo",
        )
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"{self.base}{path}", params=params, headers=self.headers())
        if response.status_code >= 400:
            raise DemoError(f"GET {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def children(self, code: str) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE} | ({"after": after} if after else {})
            page = self.get(f"/divisions/{code}/children", **params)
            yield from page["items"]
            after = page["next_after"]
            if after is None:
                return

    def rejected_lines(self, import_id: str) -> list[dict[str, Any]]:
        """Every rejected line of the import's per-row report."""
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.get(
                f"/imports/{import_id}/report", after_row=after, limit=REPORT_PAGE, status="rejected"
            )
            found += [line for line in page["lines"] if line["status"] == "rejected"]
            if page["next_after_row"] is None:
                return found
            after = page["next_after_row"]

    def villages(self, county: str) -> tuple[str, list[Village]]:
        """The county's name and its real villages (statistical placeholders left out)."""
        name = str(self.get(f"/divisions/{county}")["name"])
        found: list[Village] = []
        for township in self.children(county):
            for village in self.children(township["code"]):
                if village["level"] == "village" and not village["placeholder"]:
                    found.append(Village(village["code"], village["name"]))
        return name, found

    def upload(self, path: Path) -> dict[str, Any]:
        with path.open("rb") as handle:
            response = self.client.post(
                f"{self.base}/imports",
                files={"file": (path.name, handle, "text/csv")},
                headers=self.headers(),
                timeout=httpx.Timeout(30.0, write=600.0, read=600.0),
            )
        if response.status_code != 202:
            raise DemoError(f"the upload was refused: {response.status_code} {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body


def write_csv(path: Path, rows: Iterator[dict[str, str]], progress: Progress, households: int) -> int:
    """The 登记表 CSV (UTF-8 with BOM, like the template); returns the number of member rows."""
    task = progress.add_task("generating", total=households)
    written, last_key = 0, None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([row[header] for header in HEADERS])
            written += 1
            if row["户编号"] != last_key:
                last_key = row["户编号"]
                progress.advance(task)
    return written


def wait(gateway: Gateway, import_id: str, progress: Progress, households: int) -> dict[str, Any]:
    task = progress.add_task("importing", total=households)
    deadline = time.monotonic() + gateway.options.timeout_s
    while True:
        state: dict[str, Any] = gateway.get(f"/imports/{import_id}")
        progress.update(
            task,
            completed=state["households_read"],
            description=f"importing ({state['status']})",
        )
        if state["finished_at"] is not None:
            progress.update(task, completed=households)
            return state
        if time.monotonic() > deadline:
            raise DemoError(f"import {import_id} did not finish within {gateway.options.timeout_s:.0f}s")
        time.sleep(gateway.options.poll_s)


def import_population(
    gateway: Gateway, options: DemoOptions, villages: list[Village], progress: Progress, console: Console
) -> tuple[dict[str, Any], int]:
    """Generate, write and import the population; the import's final state and the file's member rows.

    A synthetic resident ID can be one the registry already holds (an earlier demo of the same county with
    another seed: 500 numbers per sex and birth day), and the registry refuses the whole file for it. Those
    members then get other numbers and the file goes again, up to MAX_ATTEMPTS times. The numbers drawn
    again are remembered (as digests) beside the CSV, so the same command run again writes the same file,
    which the registry answers as a duplicate instead of importing the population a second time."""
    record = refusals_path(options.out)
    refused = read_refusals(record)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        rows = generate(options.county, villages, options.households, options.seed, refused_ids=refused)
        members = write_csv(options.out, rows, progress, options.households)
        upload = gateway.upload(options.out)
        state = wait(gateway, str(upload["id"]), progress, options.households)
        if state["status"] != "rejected" or attempt == MAX_ATTEMPTS:
            return state, members
        lines = gateway.rejected_lines(str(upload["id"]))
        taken = registered_ids(options.out, lines)
        if not taken:
            return state, members  # refused for something other numbers do not mend
        refused |= {id_digest(number) for number in taken}
        record.write_text("".join(f"{digest}\n" for digest in sorted(refused)), encoding="ascii")
        console.print(
            f"{len(taken)} generated resident ID(s) already belong to registered people; "
            f"drawing other numbers and importing again (attempt {attempt + 1} of {MAX_ATTEMPTS})"
        )
    raise AssertionError("unreachable: the last attempt returns")


def refusals_path(out: Path) -> Path:
    return out.with_name(out.name + ".refused-ids")


def read_refusals(record: Path) -> set[str]:
    if not record.exists():
        return set()
    return {line.strip() for line in record.read_text(encoding="ascii").splitlines() if line.strip()}


def registered_ids(path: Path, lines: list[dict[str, Any]]) -> set[str]:
    """The resident IDs of the rejected lines, read back from the file written, when every one was refused
    as already registered; empty when any line was refused for something else."""
    rows = {
        line["row"] for line in lines if line["field"] == ID_COLUMN and line["reason"] == ALREADY_REGISTERED
    }
    if not rows or len(rows) < len(lines):
        return set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        # Row 1 is the header, as in the report.
        return {
            row[ID_COLUMN] for number, row in enumerate(csv.DictReader(handle), start=2) if number in rows
        }


def report_import(
    gateway: Gateway,
    options: DemoOptions,
    state: dict[str, Any],
    members: int,
    county_name: str,
    console: Console,
) -> bool:
    """Says how the import went; whether the demo goes on. A file imported before (the same command run
    again) goes on too: an earlier run may have stopped part-way, and every later part finds what it made."""
    if state["status"] == "duplicate-of":
        console.print(
            f"This file was imported before (import {state['duplicate_of']}); the population stays as it is."
        )
        return True
    if state["status"] != "accepted":
        console.print(f"[red]import {state['id']} {state['status']}[/] {state.get('error') or ''}")
        lines = gateway.rejected_lines(str(state["id"]))
        console.print(rejections_table(lines[:SHOWN_REASONS], state["rows_rejected"]))
        return False
    console.print(
        f"[green]Imported[/] {state['households_accepted']} households, {state['members_accepted']} "
        f"members ({members} rows) into {county_name} from {options.out} (import {state['id']})."
    )
    return True


def run_demo(options: DemoOptions, console: Console, client: httpx.Client | None = None) -> int:
    own = client is None
    http = client or httpx.Client(timeout=30.0)
    try:
        gateway = Gateway(http, options)
        with console.status("Reading the county's villages from the registry …"):
            county_name, villages = gateway.villages(options.county)
        if not villages:
            raise DemoError(f"{options.county} {county_name} has no villages")
        console.print(
            f"{county_name} ({options.county}): {len(villages)} villages; "
            f"{options.households} households, seed {options.seed}"
        )
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            state, members = import_population(gateway, options, villages, progress, console)
        if not report_import(gateway, options, state, members, county_name, console):
            return 1
        if options.procedure_cases > 0:
            drive_county(
                options.gateway_url,
                options.keys_dir,
                options.county,
                options.seed,
                console,
                cases=options.procedure_cases,
                notice_seconds=options.notice_seconds,
                funds_and_evaluation=True,
            )
            # Part seven: the incidence counts the households identification registered.
            drive_exits(
                options.gateway_url,
                options.keys_dir,
                options.county,
                options.seed,
                console,
                notice_seconds=options.notice_seconds,
            )
        return 0
    finally:
        if own:
            http.close()
