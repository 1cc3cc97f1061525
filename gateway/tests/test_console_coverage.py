"""The 帮扶覆盖 page of the console (coverage and visits per child division, households not visited) and a
household's visits by month, in a real browser against real processes (registry, assistance and gateway on
the session's PostgreSQL and broker), with figures known by hand.

The module works in 乌当区, where no other module writes households: its assistance service hears every
module's registry on the session's broker, and its coverage counts would take in their households too.
Three households registered as poor: 甲 and 乙 in 育新社区, 丙 in 环溪社区 beside it. 甲 has a helper, a plan
and a measure and was visited today at home; 乙 has a helper and was visited twice today (at home and by
phone); 丙 has nothing and was never visited.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    AS,
    CHINA,
    assistance_sees,
    choose_language,
    chromium,
    console_page,
    household_in,
    say,
    sign_in,
)
from tests.e2e.platform import (
    Platform,
    county_subset,
    platform_of,
)

COUNTY = "520112000000"  # 乌当区
TOWNSHIP = "520112004000"  # 观溪路街道
VILLAGE = "520112004001"  # 育新社区
SIBLING = "520112004002"  # 环溪社区
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Coverage:
    platform: Platform
    base: str
    first: str  # 甲: helper, plan, measure, one home visit today
    second: str  # 乙: helper, a home visit and a phone call today
    third: str  # 丙: nothing


async def registered(platform: Platform, serial: int, head: str, village: str) -> str:
    """A household registered as poor, once the assistance read model holds it (without a helper)."""
    return await household_in(
        platform, serial, head, village, seen=assistance_sees(platform, village, unassigned=True)
    )


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


async def helper(platform: Platform, household: str, name: str) -> None:
    body = {
        "name": name,
        "unit": "乌当区农业农村局",
        "unit_tier": "county",
        "phone": "13812345678",
        "started_on": "2024-01-02",
    }
    await platform.call("PUT", f"{AS}/households/{household}/helper", "county", body)


async def visit(platform: Platform, household: str, kind: str) -> None:
    body = {"visited_on": today().isoformat(), "visitor": "吴干部", "kind": kind, "notes": "入户走访"}
    await platform.call("POST", f"{AS}/households/{household}/visits", "county", body, expect=201)


@pytest.fixture(scope="module")
async def coverage(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Coverage]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("coverage-platform") / "divisions-520112.csv.gz", COUNTY)
    async with platform_of(fupin_stack, tree, {"assistance": {}}) as platform:
        await platform.user("county", "county", COUNTY, ["officer"])
        first, second, third = await asyncio.gather(
            registered(platform, 4, "郑甲", VILLAGE),
            registered(platform, 5, "王乙", VILLAGE),
            registered(platform, 6, "冯丙", SIBLING),
        )
        await helper(platform, first, "刘建华")
        await helper(platform, second, "陈明")
        plan = {"target_year": today().year + 1, "summary": "发展养殖"}
        await platform.call("PUT", f"{AS}/households/{first}/plan", "county", plan)
        measure = {"type": "industry", "description": "养牛 20 头", "deadline": "2030-06-30"}
        await platform.call("POST", f"{AS}/households/{first}/measures", "county", measure, expect=201)
        await visit(platform, first, "home")
        await visit(platform, second, "home")
        await visit(platform, second, "phone")
        yield Coverage(platform, str(platform.client.base_url).rstrip("/"), first, second, third)


async def figures(row: Any, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        await expect(row.locator(f"[data-figure={name}]")).to_have_text(value)


COUNTY_COVERAGE = {
    "households_in_charge": "3",
    "with_helper": "2",
    "with_plan": "1",
    "with_measure": "1",
    "with_overdue_measure": "0",
    "visited_recently": "2",
    "villages": "2",
    "villages_with_team": "0",
}
VISITS = {
    "households_in_charge": "3",
    "households_visited": "2",
    "households_not_visited": "1",
    "visits": "3",
    "kind-home": "2",
    "kind-phone": "1",
    "kind-other": "0",
}


async def drill_down(page: Page) -> None:
    """From the county to its township, then to 育新社区, whose rows are its households by head."""
    township = page.locator(f"[data-facts=coverage] tr[data-coverage='{TOWNSHIP}']")
    await township.locator("a[data-drill]").click()
    village = page.locator(f"[data-facts=coverage] tr[data-coverage='{VILLAGE}']")
    await expect(village.locator("th")).to_have_text("育新社区")
    await figures(village, {"households_in_charge": "2", "with_helper": "2", "visited_recently": "2"})
    sibling = page.locator(f"[data-facts=coverage] tr[data-coverage='{SIBLING}']")
    await figures(sibling, {"households_in_charge": "1", "with_helper": "0", "visited_recently": "0"})
    await village.locator("a[data-drill]").click()
    await expect(page.locator("[data-facts=coverage] tr[data-coverage-household]")).to_have_count(2)
    await expect(page.locator("[data-facts=coverage]")).to_contain_text("郑甲")


async def test_a_county_officer_reads_coverage_and_visits(coverage: Coverage) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, coverage.base, "e2e.county")
        await page.locator("#nav a[href='#/coverage']").click()
        await expect(page.locator("h1")).to_have_text("乌当区帮扶覆盖情况")
        township = page.locator(f"[data-facts=coverage] tr[data-coverage='{TOWNSHIP}']")
        await expect(township.locator("th")).to_contain_text("街道")
        await figures(township, COUNTY_COVERAGE)
        await figures(page.locator("[data-coverage-total]"), COUNTY_COVERAGE)
        await expect(township.locator("[data-figure=with_helper]")).to_have_css("text-align", "right")
        # This month's visits, chosen with the period chooser.
        await page.locator("#vs-kind").select_option("month")
        await page.locator("#vs-month").select_option(f"{today().month:02d}")
        await page.locator("[data-facts=visit-summary] button[type=submit]").click()
        summary = page.locator(f"[data-facts=visit-summary][data-period='{today():%Y-%m}']")
        await figures(summary.locator(f"tr[data-visits='{TOWNSHIP}']"), VISITS)
        await figures(summary.locator("tr[data-visits-total]"), VISITS)
        # Not visited for a day (today included): 丙 alone.
        await page.locator("#uv-days").fill("1")
        await page.locator("[data-facts=unvisited] button[type=submit]").click()
        unvisited = page.locator("tr[data-unvisited]")
        await expect(unvisited).to_have_count(1)
        await expect(unvisited).to_contain_text("冯丙")
        await expect(unvisited).to_contain_text("从未走访")
        await drill_down(page)
        # In English: the same figures under the English headings.
        await choose_language(page, "English")
        await expect(page.locator("[data-facts=coverage] thead th").nth(1)).to_have_text(
            say("en", "coverage.col_households_in_charge")
        )
        assert not errors, errors


async def test_a_households_visits_by_month(coverage: Coverage) -> None:
    """At 390 px: the household's visits by month, and the coverage page, without a page-wide scroll."""
    async with console_page() as (page, errors):
        await page.set_viewport_size(NARROW)
        await sign_in(page, coverage.base, "e2e.county")
        await page.goto(f"{coverage.base}/console/#/households/{coverage.second}")
        card = page.locator("[data-facts=household-visits]")
        month = card.locator(f"tr[data-month='{today():%Y-%m}']")
        await figures(month, {"visits": "2", "kind-home": "1", "kind-phone": "1"})
        await expect(month).to_contain_text("陈明")
        await expect(card.locator("tr[data-year-total]").locator("[data-figure=visits]")).to_have_text("2")
        await expect(card.locator("[data-days-since]")).to_have_attribute("data-days-since", "0")
        assert await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        await page.goto(f"{coverage.base}/console/#/coverage")
        await expect(page.locator("[data-coverage-total]")).to_be_visible()
        await expect(page.locator("tr[data-unvisited]")).to_have_count(1)
        assert await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert not errors, errors
