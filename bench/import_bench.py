"""B1: bulk household import (`fupin bench import`) against a raw asyncpg COPY of the same rows.

Platform arm: the template CSV of N generated households goes through the registry's real import path,
in-process — registry.imports.service.submit (spool + sha256 + duplicate check) and the background
processing it starts (parsing, validation, encryption and blind indexes, COPY into per-import staging,
set-based checks including the person-uniqueness join, one apply transaction writing households, members,
incomes, history and the outbox events). Each round imports into a fresh copy of a registry database with
the real division tree loaded, so every round starts from the same state. The multipart HTTP layer is not
measured (the file is handed to the service function as an open file).

Baseline arm: the same households and members as typed records, binary-COPYed by asyncpg into equivalent
plain tables (no indexes, no validation, no encryption) on the same server.

Arms are interleaved (baseline, platform, baseline, platform, …) after one small warm-up of each; the
figures are medians.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import text

from bench.batch_approve_seed import villages_of
from bench.import_data import BASELINE_TABLES, Generated, generate
from bench.options import BenchOptions
from bench.procs import bench_stack
from bench.results import BenchResult
from bench.stats import median, ratio, rounded
from fupin_contracts import registry as contracts
from fupin_kit import migrations
from fupin_kit.auth.actor import Actor
from fupin_kit.db import create_engine
from fupin_kit.testing import Stack
from registry.divisions.loader import load_divisions
from registry.imports import service
from registry.main import create_app

NAME = "import"
GOAL = 0.40
COUNTY = "520102000000"  # 南明区, 贵阳市
WARMUP_HOUSEHOLDS = 200
ACTOR = Actor(subject="user:bench.county", tier="county", division=COUNTY, roles=frozenset({"officer"}))


class _PhaseLog(logging.Handler):
    """Collects the per-phase seconds the import logs when it ends (registry.imports.phases)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.phases: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        phases = getattr(record, "import_phases", None)
        if phases is not None:
            self.phases = dict(phases)


@contextlib.contextmanager
def _phase_log() -> Iterator[_PhaseLog]:
    logger = logging.getLogger(service.__name__)
    handler, level = _PhaseLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _dsn(stack: Stack, database: str) -> str:
    return stack.settings("registry", database).service_database_url().replace("+asyncpg", "")


async def _tree_template(stack: Stack) -> str:
    """A migrated registry database with the real tree loaded: every platform round starts from a copy."""
    name = await stack.fresh_database("registry", "registry")
    engine = create_engine(stack.settings("registry", name), pool_size=1)
    try:
        await load_divisions(engine)
    finally:
        await engine.dispose()
    return name


async def _platform(
    stack: Stack, template: str, path: Path, households: int, round_no: int
) -> dict[str, Any]:
    database = f"bench_import_{round_no}"
    await migrations.drop_database(stack.database_url, database)
    await migrations.ensure_database(stack.database_url, database, template=template)
    try:
        app = create_app(stack.settings("registry", database, role="api"))
        async with app.router.lifespan_context(app):
            runtime = service.Runtime(
                engine=app.state.engine,
                sessionmaker=app.state.sessionmaker,
                cipher=app.state.settings.pii_cipher(),
                tasks=set(),
            )
            with _phase_log() as phase_log:
                began = time.perf_counter()
                with path.open("rb") as handle:
                    submitted = await service.submit(runtime, ACTOR, path.name, handle)
                await asyncio.gather(*runtime.tasks)
                seconds = time.perf_counter() - began
            async with app.state.sessionmaker() as session:
                result = await service.read(session, ACTOR, submitted.id)
                counts = (
                    await session.execute(
                        text(
                            "SELECT (SELECT count(*) FROM households) AS households, "
                            "(SELECT count(*) FROM household_members) AS members, "
                            "(SELECT count(*) FROM outbox WHERE type = :created) AS created_events, "
                            "(SELECT count(*) FROM outbox) AS events"
                        ),
                        {"created": contracts.HOUSEHOLD_CREATED},
                    )
                ).one()
        if result.status != "accepted" or counts.households != households:
            raise RuntimeError(
                f"the import was not applied: {result.status} {result.error} {dict(counts._mapping)}"
            )
        return {"seconds": seconds, "phases": phase_log.phases, **dict(counts._mapping)}
    finally:
        await migrations.drop_database(stack.database_url, database)


async def _copy(dsn: str, generated: Generated) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(BASELINE_TABLES)
        began = time.perf_counter()
        await connection.copy_records_to_table("raw_households", records=generated.household_records)
        await connection.copy_records_to_table("raw_members", records=generated.member_records)
        return time.perf_counter() - began
    finally:
        await connection.close()


async def _measure(stack: Stack, options: BenchOptions, directory: Path) -> dict[str, Any]:
    villages = villages_of(COUNTY)
    template = await _tree_template(stack)
    raw_database = "bench_import_raw"
    await migrations.ensure_database(stack.database_url, raw_database)
    raw_dsn = _dsn(stack, raw_database)

    warm_path = directory / "warmup.csv"
    warm = await asyncio.to_thread(generate, warm_path, villages, WARMUP_HOUSEHOLDS, 7)
    await _copy(raw_dsn, warm)
    await _platform(stack, template, warm_path, WARMUP_HOUSEHOLDS, 0)

    path = directory / "households.csv"
    began = time.perf_counter()
    generated = await asyncio.to_thread(generate, path, villages, options.households)
    generate_s = time.perf_counter() - began
    rounds: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    for round_no in range(1, options.repeat + 1):
        copy_s = await _copy(raw_dsn, generated)
        platform = await _platform(stack, template, path, options.households, round_no)
        rounds.append(
            {
                "round": round_no,
                "copy_s": round(copy_s, 3),
                "platform_s": round(platform["seconds"], 3),
                "copy_households_per_s": round(options.households / copy_s, 1),
                "households_per_s": round(options.households / platform["seconds"], 1),
                "events": platform["events"],
                "created_events": platform["created_events"],
                "phases_s": platform["phases"],
            }
        )
    return {
        "generated": generated,
        "villages": len(villages),
        "rounds": rounds,
        "file_mb": path.stat().st_size / 1e6,
        "generate_s": generate_s,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


async def run(options: BenchOptions) -> BenchResult:
    began = time.monotonic()
    with bench_stack() as stack, tempfile.TemporaryDirectory(prefix="fupin-bench-import-") as scratch:
        measured = await _measure(stack, options, Path(scratch))
    rounds = measured["rounds"]
    generated: Generated = measured["generated"]
    platform = median([r["households_per_s"] for r in rounds])
    copy = median([r["copy_households_per_s"] for r in rounds])
    share = ratio(platform, copy)
    # The three top-level phases (registry.imports.phases); each round carries the full breakdown.
    phases = {
        f"platform_{name}_s": rounded(median([r["phases_s"].get(name, float("nan")) for r in rounds]))
        for name in ("stage", "check", "apply")
    }
    load_before, load_after = measured["load_before"], measured["load_after"]
    return BenchResult(
        name=NAME,
        bench_id="B1",
        goal=f"ratio_to_copy ≥ {GOAL:.2f}",
        meets_goal=None if share != share else share >= GOAL,
        figures={
            "households": generated.households,
            "members": generated.members,
            "households_per_s": rounded(platform, 1),
            "copy_households_per_s": rounded(copy, 1),
            "ratio_to_copy": rounded(share, 3),
            "platform_seconds": rounded(median([r["platform_s"] for r in rounds])),
            "copy_seconds": rounded(median([r["copy_s"] for r in rounds])),
            **phases,
            "events_per_import": rounds[-1]["events"],
            "created_events_per_import": rounds[-1]["created_events"],
            "file_mb": round(measured["file_mb"], 1),
            "villages": measured["villages"],
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(load_after[0], 2),
        },
        params=options.as_dict(),
        rounds=rounds,
        notes=[
            f"county {COUNTY}: households spread over its {measured['villages']} real villages; resident IDs "
            "valid (region prefix, birth date, sex digit, check digit), ~3.6 members per household",
            "platform = registry.imports.service.submit + its background processing, into a fresh copy of a "
            "registry database with the real tree; the multipart HTTP upload itself is not measured",
            "baseline = asyncpg copy_records_to_table of the same households and members (typed records "
            "prepared beforehand) into plain tables without indexes",
            f"arms interleaved, {options.repeat} rounds each after a {WARMUP_HOUSEHOLDS}-household warm-up; medians; "
            f"1-minute load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs",
        ],
        duration_s=time.monotonic() - began,
    )
