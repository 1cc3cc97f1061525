"""A household's ledger (一户一本台账) in the console, in a real browser against real processes (registry,
assistance and gateway on the session's PostgreSQL and broker): its exit plan (脱贫计划), its measures
(帮扶措施) and its visit log (走访记录) on the household's page, and the jurisdiction's overdue measures on the
帮扶 page.

- A village cadre sets a plan, replaces it (a reason required), and adds a measure.
- A county officer starts a measure, completes it with its result and records the household's sign-off; only
  the moves the measure's status allows are offered.
- A village cadre logs a visit at 390 px, switching the dialog's language halfway: it is listed first.
- A city officer reads everything without a button, the typed texts as the API returns them to the city.
- The 帮扶 page lists a measure past its deadline, linked to its household.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, ViewportSize, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    AS,
    CHINA,
    assistance_sees,
    chromium,
    console_page,
    household_in,
    say,
    sign_in,
)
from tests.e2e.platform import (
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    Platform,
    county_subset,
    platform_of,
)

CITY = "520100000000"
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Ledger:
    platform: Platform
    base: str
    planned: str  # a household whose plan and first measure the test adds in the console
    moved: str  # a household with a measure added through the API, moved on in the console
    visited: str  # a household with a plan, a measure and an earlier visit added through the API


async def registered_household(platform: Platform, serial: int, head: str) -> str:
    """A household of the village cadre registered as poor by the county, once the assistance service's read
    model has it."""
    return await household_in(
        platform, serial, head, author="cadre", seen=assistance_sees(platform, VILLAGE, unassigned=True)
    )


def this_year() -> int:
    return dt.datetime.now(CHINA).year


async def visited_household(platform: Platform) -> str:
    household = await registered_household(platform, 23, "周走访")
    plan = {"target_year": this_year() + 1, "summary": "发展养殖 20 头牛，务工 1 人"}
    await platform.call("PUT", f"{AS}/households/{household}/plan", "county", plan)
    measure = {"type": "industry", "description": "养牛 20 头，联系 13812345678", "deadline": "2030-06-30"}
    await platform.call("POST", f"{AS}/households/{household}/measures", "county", measure, expect=201)
    visit = {
        "visited_on": "2025-01-06",
        "visitor": "吴干部",
        "kind": "phone",
        "notes": "电话回访，家中 3 人在家",
    }
    await platform.call("POST", f"{AS}/households/{household}/visits", "county", visit, expect=201)
    return household


@pytest.fixture(scope="module")
async def ledger(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Ledger]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("ledger-platform") / "divisions-520102.csv.gz")
    async with platform_of(fupin_stack, tree, {"assistance": {}}) as platform:
        await platform.user("cadre", "village", VILLAGE, ["cadre"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("township", "township", TOWNSHIP, ["officer"])
        await platform.user("city", "city", CITY, ["officer"])
        planned = await registered_household(platform, 21, "孙计划")
        moved = await registered_household(platform, 22, "李措施")
        visited = await visited_household(platform)
        yield Ledger(platform, str(platform.client.base_url).rstrip("/"), planned, moved, visited)


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


async def test_a_village_cadre_sets_a_plan_and_adds_a_measure(ledger: Ledger) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, ledger.base, "e2e.cadre")
        await page.goto(f"{ledger.base}/console/#/households/{ledger.planned}")
        plan = page.locator("[data-facts=plan]")
        await expect(plan.locator("[data-no-plan]")).to_have_text(say("zh-CN", "ledger.no_plan"))
        await plan.locator("[data-ledger-action=set-plan]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator("#lp-reason")).to_have_count(0)
        await dialog.get_by_label(say("zh-CN", "ledger.target_year")).fill(str(this_year() + 1))
        await dialog.get_by_label(say("zh-CN", "ledger.summary")).fill("种植金银花，外出务工")
        await submit(page)
        current = plan.locator("[data-plan=current]")
        await expect(current).to_contain_text(str(this_year() + 1))
        await expect(current).to_contain_text("种植金银花，外出务工")
        await expect(current).to_contain_text("e2e.cadre")

        # Replacing the plan asks why; the first version stays, folded away.
        await plan.locator("[data-ledger-action=replace-plan]").click()
        await expect(dialog.locator("#lp-reason")).to_have_attribute("required", "")
        await dialog.locator("#lp-target-year").fill(str(this_year() + 2))
        await dialog.locator("#lp-summary").fill("发展养蜂")
        await dialog.locator("#lp-reason").fill("金银花价格下跌")
        await submit(page)
        await expect(current).to_contain_text("发展养蜂")
        await expect(current).to_contain_text("金银花价格下跌")
        earlier = plan.locator("[data-plan=history]")
        await expect(earlier.locator("[data-plan=earlier]")).to_have_count(1)
        await expect(earlier.locator("[data-plan=earlier]")).not_to_be_visible()
        await earlier.locator("summary").click()
        await expect(earlier.locator("[data-plan=earlier]")).to_contain_text("种植金银花，外出务工")

        measures = page.locator("[data-facts=measures]")
        await expect(measures.locator("[data-no-measures]")).to_be_visible()
        await measures.locator("[data-ledger-action=add-measure]").click()
        await dialog.locator("#ms-type").select_option("industry")
        await dialog.locator("#ms-description").fill("养蜂 10 箱")
        await dialog.locator("#ms-scale").fill("10箱")
        await dialog.locator("#ms-amount").fill("3000")
        await dialog.locator("#ms-deadline").fill("2030-12-31")
        await submit(page)
        row = measures.locator("tr[data-measure]")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("产业")
        await expect(row).to_contain_text("养蜂 10 箱")
        await expect(row).to_contain_text("10箱")
        await expect(row).to_contain_text("3,000.00")
        await expect(row.locator("[data-measure-status]")).to_have_text("计划")
        assert not errors, errors


async def test_a_county_officer_moves_a_measure_and_records_the_sign_off(ledger: Ledger) -> None:
    body = {"type": "employment", "description": "推荐到县城务工", "deadline": "2030-06-30"}
    await ledger.platform.call("POST", f"{AS}/households/{ledger.moved}/measures", "county", body, expect=201)
    async with console_page() as (page, errors):
        await sign_in(page, ledger.base, "e2e.county")
        await page.goto(f"{ledger.base}/console/#/households/{ledger.moved}")
        row = page.locator("[data-facts=measures] tr[data-measure]")
        actions = row.locator("[data-measure-action]")
        # A planned measure is started or cancelled, never completed at once (409 invalid-transition).
        await expect(actions).to_have_count(2)
        await expect(row.locator("[data-measure-action=completed]")).to_have_count(0)
        await row.locator("[data-measure-action=in_progress]").click()
        await submit(page)
        await expect(row.locator("[data-measure-status]")).to_have_text("实施中")
        await expect(row.locator("[data-measure-action=in_progress]")).to_have_count(0)
        await row.locator("[data-measure-action=completed]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator("#mv-result")).to_have_attribute("required", "")
        await dialog.get_by_label(say("zh-CN", "ledger.col_result")).fill("已在县城务工，月收入 3000 元")
        await submit(page)
        await expect(row.locator("[data-measure-status]")).to_have_text("已完成")
        await expect(row).to_contain_text("已在县城务工，月收入 3000 元")
        # A completed measure is final: only the household's sign-off is left to record.
        await expect(actions).to_have_count(1)
        await row.locator("[data-measure-action=sign-off]").click()
        await dialog.get_by_label(say("zh-CN", "ledger.signed_by")).fill("李措施")
        today = dt.datetime.now(CHINA).date()
        await dialog.get_by_label(say("zh-CN", "ledger.signed_on")).fill(today.isoformat())
        await submit(page)
        await expect(row).to_contain_text("李措施")
        await expect(actions).to_have_count(0)
        assert not errors, errors


async def test_a_visit_is_logged_and_listed_first(ledger: Ledger) -> None:
    async with console_page() as (page, errors):
        await page.set_viewport_size(NARROW)
        await sign_in(page, ledger.base, "e2e.cadre")
        await page.goto(f"{ledger.base}/console/#/households/{ledger.visited}")
        visits = page.locator("[data-facts=visits]")
        await expect(visits.locator("li[data-visit]")).to_have_count(1)
        await visits.locator("[data-ledger-action=log-visit]").click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("#vs-visitor").fill("郑队员")
        await dialog.locator("#vs-kind").select_option("home")
        await dialog.locator("#vs-notes").fill("入户查看养牛情况")
        # The dialog's language changes; what was typed stays, and the labels are English.
        await dialog.locator(".dialog-language select").select_option("en")
        await expect(dialog.locator("label[for=vs-notes]")).to_have_text(say("en", "ledger.notes"))
        await expect(dialog.locator("#vs-notes")).to_have_value("入户查看养牛情况")
        await expect(dialog.locator("#vs-visitor")).to_have_value("郑队员")
        await dialog.get_by_label(say("en", "ledger.findings_optional")).fill("牛棚漏雨")
        await submit(page)
        first = visits.locator("li[data-visit]").first
        await expect(visits.locator("li[data-visit]")).to_have_count(2)
        await expect(first).to_contain_text("入户查看养牛情况")
        await expect(first).to_contain_text("牛棚漏雨")
        await expect(first).to_contain_text("Home visit")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        assert not errors, errors


async def test_a_city_officer_reads_the_ledger_without_a_button(ledger: Ledger) -> None:
    platform = ledger.platform
    plans = await platform.call("GET", f"{AS}/households/{ledger.visited}/plan", "city")
    measures = await platform.call("GET", f"{AS}/households/{ledger.visited}/measures", "city")
    visits = await platform.call("GET", f"{AS}/households/{ledger.visited}/visits", "city")
    async with console_page() as (page, errors):
        await sign_in(page, ledger.base, "e2e.city")
        await page.goto(f"{ledger.base}/console/#/households/{ledger.visited}")
        await expect(page.locator("[data-facts=plan] [data-plan=current]")).to_contain_text(
            plans["current"]["summary"]
        )
        row = page.locator("[data-facts=measures] tr[data-measure]")
        await expect(row).to_contain_text(measures[0]["description"])
        await expect(page.locator("[data-facts=visits] li[data-visit]").last).to_contain_text(
            visits[-1]["notes"]
        )
        assert "13812345678" not in measures[0]["description"]  # the API masks it for the city
        await expect(page.locator("[data-facts=measures]")).not_to_contain_text("13812345678")
        await expect(page.locator("[data-ledger-action], [data-measure-action]")).to_have_count(0)
        assert not errors, errors


async def test_the_overdue_list_shows_a_measure_past_its_deadline(ledger: Ledger) -> None:
    late = {"type": "housing", "description": "危房改造", "deadline": "2024-03-01"}
    added = await ledger.platform.call(
        "POST", f"{AS}/households/{ledger.visited}/measures", "county", late, expect=201
    )
    async with console_page() as (page, errors):
        await sign_in(page, ledger.base, "e2e.township")
        await page.goto(f"{ledger.base}/console/#/assistance")
        overdue = page.locator(f"[data-list=overdue] tr[data-measure='{added['id']}']")
        await expect(overdue).to_contain_text("危房改造")
        await expect(overdue).to_contain_text("住房")
        await expect(page.locator("[data-list=overdue] tr[data-measure]")).to_have_count(1)
        await overdue.locator("a").click()
        await expect(page).to_have_url(f"{ledger.base}/console/#/households/{ledger.visited}")
        await expect(
            page.locator(f"[data-facts=measures] tr[data-measure='{added['id']}'] [data-overdue]")
        ).to_be_visible()
        assert not errors, errors


async def test_a_move_refused_meanwhile_is_said_for_a_measure(ledger: Ledger) -> None:
    """A measure cancelled by someone else while the page was open: the refused start (409
    invalid-transition) is worded for a measure's status, not a household's."""
    body = {"type": "education", "description": "申请雨露计划补助", "deadline": "2030-09-01"}
    platform = ledger.platform
    added = await platform.call(
        "POST", f"{AS}/households/{ledger.moved}/measures", "county", body, expect=201
    )
    async with console_page() as (page, errors):
        await sign_in(page, ledger.base, "e2e.county")
        await page.goto(f"{ledger.base}/console/#/households/{ledger.moved}")
        row = page.locator(f"[data-facts=measures] tr[data-measure='{added['id']}']")
        await expect(row.locator("[data-measure-action=in_progress]")).to_be_visible()
        cancel = {"status": "cancelled", "reason": "已享受其他补助"}
        await platform.call("POST", f"{AS}/measures/{added['id']}/progress", "township", cancel)
        await row.locator("[data-measure-action=in_progress]").click()
        await page.locator("dialog[open] button[type=submit]").click()
        problem = page.locator("dialog[open] .problem-message")
        await expect(problem).to_have_text(say("zh-CN", "assistance.problems.invalid-transition"))
        assert not errors, errors
