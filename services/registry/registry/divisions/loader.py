"""Load the national division tree (NBS 2023) into an empty `divisions` table at COPY speed.

The gzipped CSV is streamed (parsed in a worker thread, batch by batch, never held whole in memory) into
one binary COPY inside one transaction, under an advisory lock so concurrent processes load once. The
quirks of the published file are decided here and documented in `registry/data/README.md`:

- a row whose parent_code is its own code (东莞/中山/儋州 published again as a county, 金门县 again as a
  township and a village) is dropped; the first, real row of that code is kept and annotated in `quirk`;
- statistical groupings (市辖区, 省直辖县级行政区划, …直辖村级区划) are kept and flagged `placeholder`;
- the parent is the published parent_code, not the arithmetic one (townships of 东莞 hang off the city).

Anything else unexpected (a malformed code, a level that contradicts the code, a child outside its
parent's code range, a missing parent) aborts the load: a new year's file must be looked at, not guessed.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import gzip
import logging
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from fupin_kit import divisions as codes
from registry.divisions import repository

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "divisions-2023.csv.gz"


class TreeSettings(BaseSettings):
    """FUPIN_DIVISIONS_FILE: the published file by default. Development and test runs may point it at a
    subset of the same file (one province's rows, say): loading all 665k rows takes 10-15 s at every
    start of a fresh database, and a run on one county never reads the rest. A subset is checked like
    the whole file: a row whose parent is absent aborts the load."""

    model_config = SettingsConfigDict(env_prefix="FUPIN_", extra="ignore")

    divisions_file: Path = DATA_FILE


# NBS 2023 statistical division codes: reference date 2023-06-30 (published 2023-09-11).
VALID_FROM = dt.date(2023, 6, 30)
PUBLISHED_ROWS = 665_276
BATCH_ROWS = 10_000
LEVELS: dict[str, codes.Level] = {
    "province": codes.Level.PROVINCE,
    "city": codes.Level.CITY,
    "county": codes.Level.COUNTY,
    "township": codes.Level.TOWNSHIP,
    "village": codes.Level.VILLAGE,
}
PLACEHOLDER_NAMES = frozenset({"市辖区"})
# City-level rows named for what they group: 重庆's 县 (500200000000) holds the municipality's counties as
# its sibling 市辖区 holds its districts, with no administrative city of either name.
PLACEHOLDER_CITY_NAMES = frozenset({"县"})
PLACEHOLDER_SUFFIXES = ("直辖县级行政区划", "直辖村级区划")

Record = tuple[str, str, int, str | None, dt.date, dt.date | None, bool, str | None]


class DivisionDataError(ValueError):
    """The file holds a case the importer has no documented decision for."""


@dataclass(frozen=True)
class DroppedRow:
    code: str
    name: str
    level: str
    reason: str


@dataclass
class LoadResult:
    loaded: bool
    rows: int
    seconds: float
    read_rows: int = 0
    dropped: list[DroppedRow] = field(default_factory=list)


def is_placeholder(name: str, level: codes.Level | None = None) -> bool:
    if level == codes.Level.CITY and name in PLACEHOLDER_CITY_NAMES:
        return True
    return name in PLACEHOLDER_NAMES or name.endswith(PLACEHOLDER_SUFFIXES)


_ZEROS = {length: "0" * length for length in (3, 6, 8, 10)}


def _implied_level(code: str) -> codes.Level | None:
    """fupin_kit.divisions.level without its per-call regex, for 665k rows; None for a malformed code."""
    if len(code) != 12 or not (code.isascii() and code.isdigit()):
        return None
    if code.endswith(_ZEROS[10]):
        return codes.Level.PROVINCE
    if code.endswith(_ZEROS[8]):
        return codes.Level.CITY
    if code.endswith(_ZEROS[6]):
        return codes.Level.COUNTY
    if code.endswith(_ZEROS[3]):
        return codes.Level.TOWNSHIP
    return codes.Level.VILLAGE


# The one level skip the published tree has: cities without counties (东莞, 中山, 儋州).
_TOWNSHIP_UNDER_CITY = (codes.Level.CITY, codes.Level.TOWNSHIP)


class _Validator:
    """Per-row checks; parents repeat for long runs of rows, so their level and prefix are cached."""

    def __init__(self) -> None:
        self._parents: dict[str, tuple[codes.Level, str]] = {}

    def record(self, row: list[str], line: int) -> Record:
        if len(row) != 4:
            raise DivisionDataError(f"line {line}: expected 4 columns, got {len(row)}")
        code, name, level_name, parent = row
        implied = _implied_level(code)
        if implied is None:
            raise DivisionDataError(f"line {line}: {code!r} is not a 12-digit code")
        level = LEVELS.get(level_name)
        if level is None:
            raise DivisionDataError(f"line {line}: unknown level {level_name!r}")
        if level != implied:
            raise DivisionDataError(
                f"line {line}: {code} is published as {level_name}, its code says {implied}"
            )
        if not name.strip():
            raise DivisionDataError(f"line {line}: {code} has no name")
        if level == codes.Level.PROVINCE:
            if parent:
                raise DivisionDataError(f"line {line}: province {code} has a parent")
            return (code, name, int(level), None, VALID_FROM, None, is_placeholder(name, level), None)
        parent_level, parent_prefix = self._parent(parent, line)
        if not code.startswith(parent_prefix):
            raise DivisionDataError(f"line {line}: {code} lies outside its parent {parent}'s code range")
        if parent_level != level - 1 and (parent_level, level) != _TOWNSHIP_UNDER_CITY:
            raise DivisionDataError(f"line {line}: a {level_name} cannot hang off {parent} ({parent_level})")
        return (code, name, int(level), parent, VALID_FROM, None, is_placeholder(name, level), None)

    def _parent(self, parent: str, line: int) -> tuple[codes.Level, str]:
        cached = self._parents.get(parent)
        if cached is None:
            level = _implied_level(parent)
            if level is None:
                raise DivisionDataError(f"line {line}: parent {parent!r} is not a 12-digit code")
            cached = (level, parent[: codes.PREFIX_LENGTH[level]])
            self._parents[parent] = cached
        return cached


def read_batches(path: Path, dropped: list[DroppedRow], counter: list[int]) -> Iterator[list[Record]]:
    """Parsed, validated records in batches; self-parented duplicates go to `dropped` instead."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != ["code", "name", "level", "parent_code"]:
            raise DivisionDataError(f"unexpected header {header}")
        validator = _Validator()
        batch: list[Record] = []
        for line, row in enumerate(reader, start=2):
            counter[0] += 1
            if len(row) == 4 and row[3] == row[0]:
                dropped.append(DroppedRow(row[0], row[1], row[2], "repeats its own code as its parent_code"))
                continue
            batch.append(validator.record(row, line))
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
        if batch:
            yield batch


async def _stream(path: Path, dropped: list[DroppedRow], counter: list[int]) -> AsyncIterator[Record]:
    """Decompression and parsing run off the event loop, one batch ahead of the COPY."""
    batches = read_batches(path, dropped, counter)
    pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    try:
        while True:
            batch = await pending
            if batch is None:
                return
            pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
            for record in batch:
                yield record
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, DivisionDataError):
                await pending


def _quirk_note(code: str, dropped: list[DroppedRow]) -> str:
    levels = ", ".join(row.level for row in dropped if row.code == code)
    return (
        f"the published file repeats this code at level(s) {levels} with itself as parent; "
        "those rows were dropped and this row kept (see registry/data/README.md)"
    )


async def load_divisions(engine: AsyncEngine, path: Path | None = None) -> LoadResult:
    """Load the tree (`path`, else FUPIN_DIVISIONS_FILE's) if `divisions` is empty; a no-op (loaded=False)
    otherwise. Safe to run concurrently."""
    path = TreeSettings().divisions_file if path is None else path
    started = time.perf_counter()
    dropped: list[DroppedRow] = []
    counter = [0]
    async with engine.begin() as conn:
        await repository.lock_for_load(conn)
        if not await repository.is_empty(conn):
            return LoadResult(False, await repository.count(conn), time.perf_counter() - started)
        # Secondary indexes (the trigram GIN above all) build far faster once than row by row.
        index_definitions = await repository.drop_secondary_indexes(conn)
        await repository.copy_rows(conn, _stream(path, dropped, counter))
        await repository.create_indexes(conn, index_definitions)
        missing = await repository.orphans(conn)
        if missing:
            raise DivisionDataError(f"rows whose parent is absent: {missing}")
        for code in sorted({row.code for row in dropped}):
            await repository.annotate(conn, code, _quirk_note(code, dropped))
        rows = await repository.count(conn)
        await repository.analyze(conn)
    seconds = time.perf_counter() - started
    log.info(
        "loaded %d divisions from %s in %.2fs (%d duplicate rows dropped)",
        rows,
        path.name,
        seconds,
        len(dropped),
    )
    return LoadResult(True, rows, seconds, counter[0], dropped)


async def load_on_startup(app: Any) -> None:
    """ServiceSpec on_startup hook: the tree is reference data every route needs."""
    result = await load_divisions(app.state.engine)
    if result.loaded:
        log.info("division tree loaded: %d rows in %.2fs", result.rows, result.seconds)


async def _main() -> int:
    from fupin_kit.db import create_engine
    from fupin_kit.settings import KitSettings

    engine = create_engine(KitSettings(service="registry"), pool_size=1)
    try:
        result = await load_divisions(engine)
    finally:
        await engine.dispose()
    state = "loaded" if result.loaded else "already present"
    print(f"divisions {state}: {result.rows} rows in {result.seconds:.2f}s")
    for row in result.dropped:
        print(f"  dropped {row.code} {row.name} ({row.level}): {row.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
