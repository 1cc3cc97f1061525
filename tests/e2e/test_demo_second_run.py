"""`fupin demo` run twice with the same seed, on the real platform (gateway, registry, identification,
assistance, funds and evaluation as real processes): the second run finds the file imported before and goes
on into every later part, so that a first run that stopped part-way can be completed by running it again;
since the first one finished, it makes nothing new (no case, plan version, measure, team, allocation,
project or link) and exits 0."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from fupin_cli.demo_cmd import DemoOptions, run_demo
from fupin_kit.testing import Stack
from tests.e2e.platform import COUNTY, Platform, county_subset, platform_of

pytestmark = pytest.mark.timeout(420)
SEED = 9


def demo_platform(stack: Stack, workdir: Path) -> Any:
    # As `fupin up` runs them: short notices allowed, the identification timer ticking every second.
    short = {"FUPIN_SHORT_NOTICES": "1"}
    services = {
        "identification": short | {"FUPIN_NOTICE_TICK_S": "1"},
        "assistance": {},
        "funds": short,
        "evaluation": {},
    }
    return platform_of(stack, county_subset(workdir / "divisions-520102.csv.gz"), services)


def demo(platform: Platform, stack: Stack, out: Path) -> tuple[int, str]:
    options = DemoOptions(
        gateway_url=str(platform.client.base_url),
        keys_dir=stack.keys.directory,
        county=COUNTY,
        households=24,
        seed=SEED,
        out=out,
        poll_s=0.2,
        timeout_s=120.0,
        procedure_cases=8,
        notice_seconds=2,
    )
    output = io.StringIO()
    code = run_demo(options, Console(file=output, width=300))
    return code, output.getvalue()


async def listed(platform: Platform, path: str, **params: Any) -> list[Any]:
    found: list[Any] = await platform.call("GET", path, "county", params=params)
    return found


async def made(platform: Platform) -> dict[str, Any]:
    """What the demo made in the county, as its officer reads it."""
    page = await platform.call("GET", "/api/v1/identification/cases", "county", params={"limit": 500})
    cases = page["items"]
    plans = {
        household: await platform.call("GET", f"/api/v1/assistance/households/{household}/plan", "county")
        for household in sorted({case["household_id"] for case in cases})
    }
    projects = await listed(platform, "/api/v1/funds/projects", division=COUNTY)
    links = [await listed(platform, f"/api/v1/assistance/projects/{p['id']}/links") for p in projects]
    return {
        "cases": sorted((case["id"], case["state"]) for case in cases),
        "plans": plans,
        "measures": len(await listed(platform, "/api/v1/assistance/measures", division=COUNTY, limit=500)),
        "teams": await listed(platform, "/api/v1/assistance/teams", division=COUNTY),
        "allocations": len(await listed(platform, "/api/v1/funds/allocations", division=COUNTY)),
        "projects": sorted((p["id"], p["status"]) for p in projects),
        "links": sorted(link["id"] for found in links for link in found),
    }


async def test_a_second_demo_run_goes_on_and_makes_nothing_new(fupin_stack: Stack, tmp_path: Path) -> None:
    async with demo_platform(fupin_stack, tmp_path) as platform:
        await platform.user("county", "county", COUNTY, ["officer"])
        out = tmp_path / "demo.csv"
        code, told = await asyncio.to_thread(demo, platform, fupin_stack, out)
        assert code == 0, told
        assert "Identification done" in told and "Evaluation" in told, told
        first = await made(platform)
        assert first["cases"] and first["projects"] and first["links"], first

        again, told_again = await asyncio.to_thread(demo, platform, fupin_stack, out)
        assert again == 0, told_again
        assert "This file was imported before" in told_again, told_again
        # It went on into every part, and found everything the first run made.
        assert "have a case of this year already" in told_again, told_again
        assert "Funds" in told_again and "(0 new" in told_again, told_again
        assert "0 households linked" in told_again, told_again
        assert "third-party round kept" in told_again, told_again
        assert "Assistance" not in told_again, told_again
        assert await made(platform) == first
