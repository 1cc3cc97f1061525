"""ID3: the county approval (县级审定) of a whole county's list in ONE batch decision, through the real
service code path: the identification app in-process, called over HTTP (ASGI) as a county officer —
draw (freeze the list, draw the ≥10% spot-check sample), then decide (record every sampled finding, check
the quotas, move the list with one UPDATE … RETURNING feeding the history and the outbox).

The cases are seeded set-based in the state just before the county approval (second notice closed),
spread over the real villages of a real county, with quotas large enough. Goal: under 60 s for 100,000.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench import batch_approve_seed as seed
from bench.options import BenchOptions
from bench.procs import bench_stack
from bench.results import BenchResult
from fupin_contracts import identification as contracts
from fupin_kit import divisions
from fupin_kit.testing import Stack
from identification.main import create_app

NAME = "batch-approve"
GOAL_S = 60.0
COUNTY = "520102000000"  # 南明区, 贵阳市


def quota_divisions(villages: list[str]) -> list[str]:
    """Every node from the province down to each village: the path a county approval is checked on."""
    nodes = set(villages)
    for village in villages:
        current = divisions.parent(village)
        while current is not None and current != divisions.NATION:
            nodes.add(current)
            current = divisions.parent(current)
    return sorted(nodes)


async def _seed(app: Any, cases: int, year: int) -> tuple[int, float]:
    villages = seed.villages_of(COUNTY)
    began = time.perf_counter()
    async with app.state.sessionmaker() as session, session.begin():
        await seed.seed_cases(session, villages, cases, year)
        await seed.seed_quotas(session, quota_divisions(villages), year, cases * seed.MEMBERS)
    async with app.state.sessionmaker() as session, session.begin():
        await seed.analyze(session)
    return len(villages), time.perf_counter() - began


async def _approve(client: httpx.AsyncClient, token: str) -> tuple[dict[str, Any], float, float]:
    headers = {"Authorization": f"Bearer {token}"}
    began = time.perf_counter()
    drawn = await client.post(
        "/batches", json={"action": "county_approve", "division": COUNTY}, headers=headers
    )
    drawn.raise_for_status()
    batch = drawn.json()
    drawn_at = time.perf_counter()
    findings = [{"case_id": case_id, "passed": True} for case_id in batch["sample"]]
    decided = await client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=headers
    )
    decided.raise_for_status()
    done = time.perf_counter()
    return {**decided.json(), "sample_count": batch["sample_count"]}, drawn_at - began, done - drawn_at


async def _measure(stack: Stack, cases: int) -> dict[str, Any]:
    database = await stack.fresh_database("identification", "identification")
    app = create_app(stack.settings("identification", database, role="api"))
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session:
            year = await seed.current_year(session)
        village_count, seed_s = await _seed(app, cases, year)
        token = stack.token("county", COUNTY, ["officer"], subject="user:bench.county")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://identification", timeout=600
        ) as client:
            batch, draw_s, decide_s = await _approve(client, token)
        async with app.state.sessionmaker() as session:
            approved = await seed.count_in_state(session, "county_approved")
            events = await seed.count_events(
                session, contracts.event_type("identification", "county_approve")
            )
            history = await seed.count_history(session, str(batch["id"]))
    return {
        "batch": batch,
        "villages": village_count,
        "seed_s": seed_s,
        "draw_s": draw_s,
        "decide_s": decide_s,
        "approved": approved,
        "events": events,
        "history": history,
    }


async def run(options: BenchOptions) -> BenchResult:
    began = time.monotonic()
    with bench_stack() as stack:
        measured = await _measure(stack, options.cases)
    seconds = measured["draw_s"] + measured["decide_s"]
    complete = measured["approved"] == measured["events"] == measured["history"] == options.cases
    return BenchResult(
        name=NAME,
        bench_id="ID3",
        goal=f"seconds < {GOAL_S:.0f} for 100000 cases",
        meets_goal=complete and seconds < GOAL_S,
        figures={
            "cases": options.cases,
            "seconds": round(seconds, 3),
            "events": measured["events"],
            "approved": measured["approved"],
            "history_rows": measured["history"],
            "sample": measured["batch"]["sample_count"],
            "draw_seconds": round(measured["draw_s"], 3),
            "decide_seconds": round(measured["decide_s"], 3),
            "cases_per_s": round(options.cases / seconds, 1) if seconds > 0 else None,
            "seed_seconds": round(measured["seed_s"], 3),
            "villages": measured["villages"],
        },
        params=options.as_dict(),
        rounds=[
            {
                "round": 0,
                "draw_s": round(measured["draw_s"], 3),
                "decide_s": round(measured["decide_s"], 3),
            }
        ],
        notes=[
            f"county {COUNTY}: cases spread over its {measured['villages']} villages, seeded with "
            "INSERT … SELECT generate_series in state second_noticed (3 members and an income below the line each), "
            "quotas at every level = the cases' people",
            "seconds = draw (freeze list + ≥10% sample) + decide (findings, quota check, one UPDATE … "
            "RETURNING → history + outbox), over HTTP (ASGI) into the real identification app",
            "events = outbox rows of fupin.identification.case.approved.v1 (relay not running)",
        ],
        duration_s=time.monotonic() - began,
    )
