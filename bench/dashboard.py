"""B6: the tier dashboard (GET /households/counts: households and people per child division, by status and
attribute) over 1,000,000 households of one real province, read through the gateway by a province, a city
and a county officer, each request checked for its answer.

The households are seeded set-based over the province's real villages straight into a migrated registry
database; a registry and a gateway then run as real uvicorn processes, and the dashboard is requested in
turn by each tier (sequential requests: a dashboard is a page load, not a flood). For reference, the direct
aggregate over `households` that the trigger-kept counters replace is timed on the same data. Goal: p99 under
100 ms at every tier.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from bench import dashboard_seed as seed
from bench.batch_approve_seed import villages_with_prefix
from bench.options import BenchOptions
from bench.procs import bench_stack, running
from bench.registry_read import databases, platform
from bench.results import BenchResult
from bench.stats import median, percentile
from fupin_kit import divisions
from fupin_kit.db import create_engine
from fupin_kit.testing import Stack

NAME = "dashboard"
GOAL_MS = 100.0
PROVINCE = "520000000000"  # 贵州省
TIERS = {"province": PROVINCE, "city": "520100000000", "county": "520102000000"}  # 贵阳市, 南明区
WARMUP = 20
SEED_CHUNK = 50_000  # households per seeding statement: a large county's import


async def _seed(stack: Stack, database: str, households: int) -> dict[str, Any]:
    villages = villages_with_prefix(PROVINCE[:2])
    engine = create_engine(stack.settings("registry", database), pool_size=1)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        began = time.perf_counter()
        for first in range(0, households, SEED_CHUNK):
            async with sessionmaker() as session, session.begin():
                await seed.seed_households(session, villages, first, min(SEED_CHUNK, households - first))
        seed_s = time.perf_counter() - began
        async with sessionmaker() as session, session.begin():
            await seed.analyze(session)
        async with sessionmaker() as session:
            stored, counted = await seed.counted(session)
            direct: dict[str, float] = {}
            for tier, node in TIERS.items():
                lo, hi = divisions.subtree_range(node)
                length = divisions.PREFIX_LENGTH[divisions.Level(divisions.level(node) + 1)]
                samples = []
                for _ in range(3):
                    started = time.perf_counter()
                    await seed.direct_scan(session, lo, hi, length)
                    samples.append((time.perf_counter() - started) * 1000)
                direct[tier] = median(samples)
    finally:
        await engine.dispose()
    return {
        "villages": len(villages),
        "seed_s": seed_s,
        "stored": stored,
        "counted": counted,
        "direct": direct,
    }


async def _read(client: httpx.AsyncClient, url: str, token: str, requests: int) -> tuple[list[float], int]:
    headers = {"Authorization": f"Bearer {token}"}
    samples: list[float] = []
    total = 0
    for index in range(WARMUP + requests):
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"dashboard read failed: {response.status_code} {response.text}")
        if index >= WARMUP:
            samples.append(elapsed)
        total = sum(item["total"] for item in response.json()["items"])
    return samples, total


async def _measure(stack: Stack, options: BenchOptions) -> dict[str, Any]:
    registry_db, gateway_db = await databases(stack)
    seeded = await _seed(stack, registry_db, options.households)
    processes = platform(stack, registry_db, gateway_db)
    tiers: dict[str, dict[str, Any]] = {}
    async with (
        running(processes.registry, processes.gateway),
        httpx.AsyncClient(base_url=processes.gateway.url, timeout=60) as client,
    ):
        for tier, node in TIERS.items():
            token = stack.token(tier, node, ["viewer"], subject=f"bench-{tier}", lifetime_s=3600)
            samples, total = await _read(
                client, "/api/v1/registry/households/counts", token, options.requests
            )
            tiers[tier] = {"samples": samples, "total": total}
    return {**seeded, "tiers": tiers}


async def run(options: BenchOptions) -> BenchResult:
    began = time.monotonic()
    with bench_stack() as stack:
        measured = await _measure(stack, options)
    figures: dict[str, Any] = {"households": options.households, "villages": measured["villages"]}
    meets = measured["stored"] == measured["counted"] == options.households
    for tier, result in measured["tiers"].items():
        p99 = percentile(result["samples"], 99)
        figures[f"{tier}_p50_ms"] = round(percentile(result["samples"], 50), 2)
        figures[f"{tier}_p99_ms"] = round(p99, 2)
        figures[f"{tier}_households"] = result["total"]
        figures[f"{tier}_direct_scan_ms"] = round(measured["direct"][tier], 1)
        meets = meets and p99 < GOAL_MS
    figures["p99_ms"] = max(figures[f"{tier}_p99_ms"] for tier in TIERS)
    figures["seed_seconds"] = round(measured["seed_s"], 2)
    return BenchResult(
        name=NAME,
        bench_id="B6",
        goal=f"p99 < {GOAL_MS:.0f} ms at every tier over 1,000,000 households",
        meets_goal=meets,
        figures=figures,
        params=options.as_dict(),
        rounds=[
            {"tier": tier, "requests": len(result["samples"]), "households_seen": result["total"]}
            for tier, result in measured["tiers"].items()
        ],
        notes=[
            f"{options.households} households over the {measured['villages']} real villages of province "
            f"{PROVINCE}, seeded by INSERT … SELECT generate_series in chunks of {SEED_CHUNK} "
            "(the counters' statement trigger ran once per chunk)",
            "GET /api/v1/registry/households/counts through a real gateway and registry (uvicorn processes), "
            f"sequential requests, {WARMUP} warm-up requests per tier not counted",
            "<tier>_direct_scan_ms: the GROUP BY over every household of the subtree that the counters "
            "replace, timed in SQL on the same data (median of 3) — for reference, not the platform path",
        ],
        duration_s=time.monotonic() - began,
    )
