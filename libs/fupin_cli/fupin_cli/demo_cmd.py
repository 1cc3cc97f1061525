"""`fupin demo`: generate a synthetic population for a real county and import it through the gateway.

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

from fupin_cli.demo.population import HEADERS, Village, generate
from fupin_cli.tokens import mint_token

DEFAULT_COUNTY = "522632000000"  # 榕江县, 黔东南苗族侗族自治州, 贵州省: a former national poor county
RANDOM = "random"
PAGE = 1000


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


def random_county(seed: int) -> str:
    """A county-level code from the registry's copy of the published tree, chosen by the seed."""
    from registry.divisions.loader import DATA_FILE  # the CLI is installed beside the registry

    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        counties = sorted(
            row["code"]
            for row in csv.DictReader(handle)
            if row["level"] == "county" and row["name"] != "市辖区"
        )
    return random.Random(seed).choice(counties)


class Gateway:
    """The registry behind the gateway, with a freshly minted county token per request (long imports
    outlive a single token)."""

    def __init__(self, client: httpx.Client, options: DemoOptions) -> None:
        self.client = client
        self.base = options.gateway_url.rstrip("/") + "/api/v1/registry"
        self.options = options

    def headers(self) -> dict[str, str]:
        token = mint_token(
            self.options.keys_dir,
            tier="county",
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
            rows = generate(options.county, villages, options.households, options.seed)
            members = write_csv(options.out, rows, progress, options.households)
            upload = gateway.upload(options.out)
            state = wait(gateway, str(upload["id"]), progress, options.households)
        if state["status"] == "duplicate-of":
            console.print(f"This file was imported before (import {state['duplicate_of']}); nothing changed.")
            return 0
        if state["status"] != "accepted":
            report = gateway.get(f"/imports/{upload['id']}/report", limit=10)
            console.print(f"[red]import {state['status']}[/]: {state.get('error') or ''} {report}")
            return 1
        console.print(
            f"[green]Imported[/] {state['households_accepted']} households, {state['members_accepted']} "
            f"members ({members} rows) into {county_name} from {options.out} (import {upload['id']})."
        )
        if options.procedure_cases > 0:
            from fupin_cli.demo.procedure import drive_county

            drive_county(
                options.gateway_url,
                options.keys_dir,
                options.county,
                options.seed,
                console,
                cases=options.procedure_cases,
            )
        return 0
    finally:
        if own:
            http.close()
