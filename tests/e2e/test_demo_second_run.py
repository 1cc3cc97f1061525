"""`fupin demo` run twice with the same seed, on the real platform (gateway, registry, identification,
assistance, funds and evaluation as real processes): the second run finds the file imported before and goes
on into every later part, so that a first run that stopped part-way can be completed by running it again;
since the first one finished, it makes nothing new (no case, plan version, measure, team, allocation,
project, link, poor village or county, nor division exit) and exits 0. The first run's part seven is
checked here too: villages and the county on the lists, one village exited after its short notice and on
the public board."""

from __future__ import annotations

import asyncio
import io
import re
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
        "poor_divisions": sorted(
            (row["division"], row["status"], row["updated_at"])
            for row in await listed(platform, "/api/v1/identification/poor-divisions", limit=500)
        ),
        "division_exits": sorted(
            (row["id"], row["state"], row["updated_at"])
            for row in await listed(platform, "/api/v1/identification/division-exits", limit=500)
        ),
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
        await the_poor_villages_and_the_exit(platform, told)

        again, told_again = await asyncio.to_thread(demo, platform, fupin_stack, out)
        assert again == 0, told_again
        assert "This file was imported before" in told_again, told_again
        # It went on into every part, and found everything the first run made.
        assert "have a case of this year already" in told_again, told_again
        assert "Funds" in told_again and "(0 new" in told_again, told_again
        assert "0 households linked" in told_again, told_again
        assert "third-party round kept" in told_again, told_again
        assert "Assistance" not in told_again, told_again
        assert poor_villages_line(told_again), told_again
        assert "poor villages (0 new" in told_again and "poor counties (kept)" in told_again, told_again
        assert "proposed before: exited" in told_again, told_again
        assert await made(platform) == first


def poor_villages_line(told: str) -> str:
    """The part's summary line ("" when the run printed none: the assertions on it then show the output)."""
    found = [line for line in told.splitlines() if line.startswith("Poor villages: rural population")]
    return found[0] if found else ""


async def the_poor_villages_and_the_exit(platform: Platform, told: str) -> None:
    """Part seven: villages on the list of poor villages, the county on the list of poor counties, one
    village exited after its short notice and on the public board."""
    assert poor_villages_line(told), told
    counted = re.search(r"villages on the list of poor villages \((\d+) new", told)
    assert counted and int(counted.group(1)) > 0 and "poor counties (new)" in told, told
    assert "proposed in this run: exited" in told and "on the public board" in told, told
    rows = await listed(platform, "/api/v1/identification/poor-divisions", limit=500)
    villages = [row for row in rows if row["level"] == "village"]
    assert [row["division"] for row in rows if row["level"] == "county"] == [COUNTY], rows
    assert villages and all(row["division"].startswith(COUNTY[:6]) for row in villages), rows
    [exited] = [row for row in villages if row["status"] == "exited"]
    assert all(row["status"] == "designated" for row in villages if row is not exited), villages
    procedure = await platform.call(
        "GET", f"/api/v1/identification/division-exits/{exited['exit_id']}", "county"
    )
    assert procedure["state"] == "exited" and procedure["indicators"]["meets_threshold"], procedure
    assert [step["action"] for step in procedure["history"]] == [
        "propose",
        "review",
        "open_notice",
        "approve",
    ]
    assert procedure["history"][0]["actor_tier"] == "township"
    # Its figure is set, and so is every village's with households: the county sums them.
    county = await platform.call(
        "GET", "/api/v1/identification/exits/indicators", "county", params={"division": COUNTY}
    )
    assert county["villages_without_figure"] == 0 and county["incidence_pct"] is not None, county
    board = await platform.call(
        "GET", "/api/v1/identification/public/division-exits", None, params={"division": COUNTY}
    )
    assert [(item["division"], item["state"]) for item in board] == [(exited["division"], "exited")], board
