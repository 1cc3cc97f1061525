"""`fupin demo`, part one, on the real platform: a generated resident ID that the registry already holds
(an earlier demo of the same county with another seed) does not sink the demo; those members get other
numbers and the file goes again. Run again, the same command writes the same file, and the registry
answers it as a duplicate: the population is not imported twice."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from fupin_cli.demo.population import generate, id_digest
from fupin_cli.demo_cmd import DemoOptions, Gateway, refusals_path, run_demo
from fupin_kit.testing import Stack
from tests.e2e.platform import COUNTY, VILLAGE, Platform, running_platform
from tests.e2e.test_identification_e2e import household_body

HOUSEHOLDS = 6
SEED = 41


def demo_options(platform: Platform, stack: Stack, out: Path) -> DemoOptions:
    return DemoOptions(
        gateway_url=str(platform.client.base_url),
        keys_dir=stack.keys.directory,
        county=COUNTY,
        households=HOUSEHOLDS,
        seed=SEED,
        out=out,
        poll_s=0.2,
        timeout_s=120.0,
        procedure_cases=0,
    )


def first_generated_man(options: DemoOptions) -> str:
    """The resident ID the demo gives its first man (a household head here must match the ID's sex), from
    the villages the demo itself reads."""
    with httpx.Client(timeout=30.0) as client:
        _, villages = Gateway(client, options).villages(options.county)
    rows = generate(options.county, villages, options.households, options.seed)
    return next(row["证件号码"] for row in rows if row["性别"] == "男")


def demo(options: DemoOptions) -> tuple[int, str]:
    output = io.StringIO()
    code = run_demo(options, Console(file=output, width=200))
    return code, output.getvalue()


async def county_households(platform: Platform) -> int:
    counts: dict[str, Any] = await platform.call(
        "GET", f"/api/v1/registry/households/counts?division={COUNTY}", "cadre_county"
    )
    return sum(int(item["total"]) for item in counts["items"])


async def test_demo_draws_other_numbers_for_registered_people_once(
    fupin_stack: Stack, tmp_path: Path
) -> None:
    async with running_platform(fupin_stack, tmp_path) as platform:
        await platform.user("cadre", "village", VILLAGE, ["cadre"])
        await platform.user("cadre_county", "county", COUNTY, ["officer"])
        options = demo_options(platform, fupin_stack, tmp_path / "demo.csv")
        taken = await asyncio.to_thread(first_generated_man, options)
        await platform.call(
            "POST", "/api/v1/registry/households", "cadre", household_body(VILLAGE, taken, "王先到")
        )

        code, output = await asyncio.to_thread(demo, options)
        assert code == 0, output
        assert "1 generated resident ID(s) already belong to registered people" in output
        assert f"Imported {HOUSEHOLDS} households" in output
        assert taken not in options.out.read_text(encoding="utf-8-sig")
        record = refusals_path(options.out).read_text(encoding="ascii")
        assert record.split() == [id_digest(taken)]  # a digest, never the number itself
        assert await county_households(platform) == HOUSEHOLDS + 1

        again, output = await asyncio.to_thread(demo, options)
        assert again == 0, output
        assert "This file was imported before" in output
        assert await county_households(platform) == HOUSEHOLDS + 1
