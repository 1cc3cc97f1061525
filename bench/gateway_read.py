"""B3: a read through the gateway (token check at gateway and service, jurisdiction, masking, tracing, access
audit) against a bare FastAPI endpoint running the same SQL. Goal: rps ratio >= 0.5, p99 ratio <= 2."""

from __future__ import annotations

import time

from bench import registry_read
from bench.compare import Arm, interleaved
from bench.options import BenchOptions
from bench.procs import LoadGenerator, bench_stack, pids, running, service
from bench.results import BenchResult
from bench.stats import ratio, rounded

NAME = "gateway-read"
GOAL_RPS_RATIO = 0.5
GOAL_P99_RATIO = 2.0


async def run(options: BenchOptions) -> BenchResult:
    began = time.monotonic()
    with bench_stack() as stack:
        registry_db, gateway_db = await registry_read.databases(stack)
        pair = registry_read.platform(stack, registry_db, gateway_db)
        dsn = stack.settings("registry", registry_db).service_database_url().replace("+asyncpg", "")
        baseline = service("bench.baseline_app", "bench-baseline", {"BENCH_BASELINE_DSN": dsn})
        async with running(pair.registry, pair.gateway, baseline):
            ids = await registry_read.seed(stack, pair.registry, options.households)
            token = registry_read.reader_token(stack)
            masked = await registry_read.check_masked(pair.gateway, ids[0], token)
            arms = [
                Arm(
                    "platform",
                    pair.gateway.url,
                    [f"/api/v1/registry/households/{household}" for household in ids],
                    {"authorization": f"Bearer {token}"},
                    pids(pair.gateway, pair.registry),
                ),
                Arm(
                    "baseline",
                    baseline.url,
                    [registry_read.baseline_query(household) for household in ids],
                    pids=pids(baseline),
                ),
                # Not part of the ratio: the service called directly splits the platform's cost into the
                # gateway's share and the service's share.
                Arm(
                    "service",
                    pair.registry.url,
                    [f"/households/{household}" for household in ids],
                    {"authorization": f"Bearer {token}"},
                    pids(pair.registry),
                ),
            ]
            async with LoadGenerator() as loadgen:
                stats, rounds = await interleaved(
                    loadgen, arms, options.requests, options.concurrency, options.repeat, options.warmup
                )
    platform, raw, direct = stats["platform"], stats["baseline"], stats["service"]
    rps_ratio = ratio(platform.median_rps, raw.median_rps)
    p99_ratio = ratio(platform.p(99), raw.p(99))
    clean = platform.non_2xx + platform.errors + raw.non_2xx + raw.errors == 0
    figures = {
        "rps_platform": rounded(platform.median_rps, 1),
        "rps_baseline": rounded(raw.median_rps, 1),
        "rps_ratio": rounded(rps_ratio),
        "p50_platform_ms": rounded(platform.p(50)),
        "p50_baseline_ms": rounded(raw.p(50)),
        "p99_platform_ms": rounded(platform.p(99)),
        "p99_baseline_ms": rounded(raw.p(99)),
        "p99_ratio": rounded(p99_ratio),
        # CPU per request of the servers (gateway + registry, or the bare app; PostgreSQL and the load
        # generator excluded): hardly moved by other load on the machine, unlike rps.
        "cpu_ms_per_request_platform": rounded(platform.median_cpu_ms),
        "cpu_ms_per_request_gateway_share": rounded(platform.median_cpu_ms - direct.median_cpu_ms),
        "cpu_ms_per_request_service": rounded(direct.median_cpu_ms),
        "cpu_ms_per_request_baseline": rounded(raw.median_cpu_ms),
        "rps_service_direct": rounded(direct.median_rps, 1),
        "p99_service_direct_ms": rounded(direct.p(99)),
        "requests": options.requests,
        "concurrency": options.concurrency,
        "repeat": options.repeat,
        "masked": masked,
        "failed_requests": platform.non_2xx + platform.errors + raw.non_2xx + raw.errors,
    }
    meets = clean and masked and rps_ratio >= GOAL_RPS_RATIO and p99_ratio <= GOAL_P99_RATIO
    return BenchResult(
        name=NAME,
        bench_id="B3",
        goal=f"rps_ratio >= {GOAL_RPS_RATIO}, p99_ratio <= {GOAL_P99_RATIO}",
        meets_goal=meets,
        figures=figures,
        params=options.as_dict(),
        rounds=rounds,
        notes=[
            "platform: GET /api/v1/registry/households/{id} via gateway, city-tier token (masked IDs); "
            "baseline: bare FastAPI + asyncpg, same SQL; each one uvicorn process; rps = median of rounds, "
            "p50/p99 over all measured requests"
        ],
        duration_s=time.monotonic() - began,
    )
