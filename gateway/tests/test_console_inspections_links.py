"""The 联合检查 pages, the public board's closed inspections, a project's completion evaluation and its links to
households (on the project's and the household's page), in a real browser against real processes (registry,
funds, assistance and gateway on the session's PostgreSQL and broker).

One household registered as poor in 纪念塔社区 and one accepted project of 南明区 with two indicators: a length
(judged as entered) and "≥2000元" (judged by funds from the number).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    assistance_sees,
    choose_language,
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
    eventually,
    platform_of,
)

FU = "/api/v1/funds"
AS = "/api/v1/assistance"
PROVINCE = "520000000000"
NARROW: ViewportSize = {"width": 390, "height": 844}
ACCEPTANCE = {"accepted_on": "2026-11-01", "result": "passed", "inspectors": ["李四", "王五"]}
PROJECT = {
    "name": "纪念塔社区蔬菜大棚",
    "category": "industry",
    "nature": "new",
    "division": VILLAGE,
    "year": 2026,
    "starts_on": "2026-03-01",
    "ends_on": "2026-10-31",
    "responsible_unit": "南明区农业农村局",
    "tasks": "新建蔬菜大棚 20 个",
    "budget": "600000.00",
    "financing": [{"source": "central", "amount": "600000.00"}],
    "beneficiaries": {"households": 10, "people": 30},
    "performance_target": [
        {"indicator": "硬化里程", "target": "3 公里"},
        {"indicator": "带动脱贫户户均增收", "target": "≥2000元"},
    ],
    "pro_poor_mechanism": "优先雇用脱贫户务工",
}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Console:
    platform: Platform
    base: str
    household: str
    project: str
    candidate: str  # never registered: not offered for a link


async def registered(platform: Platform) -> str:
    """A household registered as poor, once the assistance read model holds it registered."""
    return await household_in(platform, 7, "郑甲", seen=assistance_sees(platform, VILLAGE, in_status=True))


async def candidate(platform: Platform) -> str:
    """A household never registered as poor (assistance would not link it), once assistance holds it."""
    return await household_in(platform, 8, "王候选", actions=(), seen=assistance_sees(platform, VILLAGE))


async def accepted_project(platform: Platform) -> str:
    """The project through its lifecycle to accepted, once assistance knows it approved."""
    proposed = await platform.call("POST", f"{FU}/projects", "county", PROJECT, expect=201)
    project = str(proposed["id"])
    steps = [
        ("township_review", "township", {}),
        ("county_approve", "county", {}),
        ("post_notice", "county", {"notice_days": 0}),
        ("enter_library", "county", {}),
        ("start", "county", {}),
        ("accept", "county", {"acceptance": ACCEPTANCE}),
    ]
    for action, actor, body in steps:
        await platform.call("POST", f"{FU}/projects/{project}/steps/{action}", actor, body)

    async def linkable() -> Any:
        return await platform.call("GET", f"{AS}/projects/{project}/links/summary", "county")

    await eventually(linkable, "assistance to know the approved project")
    return project


async def approved_last_year(platform: Platform) -> None:
    """A project of 2025 approved by the county: that year has figures and has ended, so it may be frozen."""
    body = {
        **PROJECT,
        "name": "纪念塔社区产业路",
        "year": 2025,
        "starts_on": "2025-03-01",
        "ends_on": "2025-10-31",
    }
    proposed = await platform.call("POST", f"{FU}/projects", "county", body, expect=201)
    await platform.call("POST", f"{FU}/projects/{proposed['id']}/steps/township_review", "township", {})
    await platform.call("POST", f"{FU}/projects/{proposed['id']}/steps/county_approve", "county", {})


@pytest.fixture(scope="module")
async def console(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("inspection-platform") / "divisions-520102.csv.gz")
    # A same-day notice takes the project to the library without waiting ten days.
    services = {"funds": {"FUPIN_SHORT_NOTICES": "1"}, "assistance": {}}
    async with platform_of(fupin_stack, tree, services) as platform:
        await platform.user("township", "township", TOWNSHIP, ["officer"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("province", "province", PROVINCE, ["officer"])
        household, project, candidate_household, _ = await asyncio.gather(
            registered(platform),
            accepted_project(platform),
            candidate(platform),
            approved_last_year(platform),
        )
        yield Console(
            platform, str(platform.client.base_url).rstrip("/"), household, project, candidate_household
        )


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


async def open_inspection(page: Page) -> None:
    await page.locator("#nav a[href='#/inspections']").click()
    await page.locator("[data-inspection-action=open]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#in-division").select_option(label="南明区")
    await dialog.locator("#in-departments").select_option(["discipline", "finance"])
    await dialog.locator("#in-leader").fill("贵州省纪委监委")
    await submit(page)
    await expect(page.locator("[data-inspection-page]")).to_be_visible()
    await expect(page.locator("h1")).to_contain_text("南明区")


async def fail_quality(page: Page, project: str) -> None:
    """The project recorded with 工程质量 failed (refused first without its note)."""
    await page.locator("[data-inspection-action=item]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#ii-project").select_option(project)
    for point in ("disclosure", "disbursement", "poverty_impact", "records"):
        await dialog.locator(f"#ii-{point}").select_option("passed")
    await dialog.locator("#ii-quality").select_option("failed")
    await dialog.locator("button[type=submit]").click()
    # The browser refuses the failed point without its note: the dialog stays open.
    await expect(dialog).to_be_visible()
    assert await dialog.locator("#ii-quality-note").evaluate("(input) => !input.validity.valid")
    await dialog.locator("#ii-quality-note").fill("大棚钢架锈蚀，未按设计施工")
    await submit(page)


async def county_reads_without_writing(console: Console, route: str) -> None:
    """The inspected county's officer reads the province's inspection, offered neither an item nor the
    close (funds answers 403 to anyone but the opening division and the tiers above containing it)."""
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#{route}")
        await expect(page.locator("[data-facts=inspection-findings] tr[data-finding]")).to_have_count(1)
        await expect(page.locator("[data-inspection-action]")).to_have_count(0)
        await page.set_viewport_size(NARROW)
        await expect(page.locator("[data-facts=inspection-items]")).to_be_visible()
        assert await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert not errors, errors


async def test_an_inspection_fails_a_point_and_is_closed_onto_the_public_board(console: Console) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await open_inspection(page)
        await fail_quality(page, console.project)
        item = page.locator(f"[data-facts=inspection-items] tr[data-inspection-item='{console.project}']")
        await expect(item.locator("[data-point=quality]")).to_have_text("不合格")
        await expect(item).to_contain_text("大棚钢架锈蚀")
        finding = page.locator("[data-facts=inspection-findings] tr[data-finding]")
        await expect(finding).to_have_count(1)
        await expect(finding).to_contain_text("工程质量")
        await expect(finding.locator("[data-finding-status=open]")).to_be_visible()
        await expect(page.locator("[data-supervision-link]")).to_have_attribute(
            "href", f"#/supervision?kind=inspection-issue&division={COUNTY}"
        )
        await county_reads_without_writing(console, page.url.split("#")[1])
        await page.locator("[data-inspection-action=close]").click()
        await page.locator("dialog[open] #ic-conclusion").fill("总体规范，工程质量问题限期整改")
        await submit(page)
        await expect(page.locator("[data-inspection-status=closed]")).to_be_visible()
        await expect(page.locator("[data-inspection-action]")).to_have_count(0)
        assert not errors, errors
    async with console_page() as (page, errors):
        await page.set_viewport_size(NARROW)
        await page.goto(f"{console.base}/console/#/board?division={COUNTY}")
        board = page.locator("[data-facts=public-inspections] tr[data-public-inspection]")
        await expect(board).to_have_count(1)
        await expect(board).to_contain_text("南明区")
        await expect(board).to_contain_text("工程质量 1 个")
        await expect(board).to_contain_text("总体规范")
        assert not errors, errors


async def test_a_completion_evaluation_is_entered_and_its_contradiction_refused(console: Console) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#/projects/{console.project}")
        await page.locator("[data-completion-action=evaluate]").click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("#ce-actual-0").fill("3 公里")
        await dialog.locator("#ce-met-0").select_option("true")
        await dialog.locator("#ce-actual-1").fill("1500元")
        await dialog.locator("#ce-met-1").select_option("true")
        await dialog.locator("button[type=submit]").click()
        await expect(dialog.locator(".form-error")).to_contain_text(
            say("zh-CN", "problems.codes.met-contradicts-target")
        )
        await dialog.locator("#ce-met-1").select_option("false")
        await submit(page)
        card = page.locator("[data-facts=completion]")
        await expect(card.locator("[data-completion-score]")).to_have_attribute(
            "data-completion-score", "50.0"
        )
        await expect(card.locator("[data-completion-grade=poor]")).to_be_visible()
        await expect(card.locator("[data-completion-action=correct]")).to_be_visible()
        assert not errors, errors


async def test_a_household_linked_to_the_project_is_seen_on_its_page(console: Console) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#/projects/{console.project}")
        await page.locator("[data-link-action=link]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator(f"#lk-household option[value='{console.household}']")).to_have_count(1)
        await expect(dialog.locator(f"#lk-household option[value='{console.candidate}']")).to_have_count(0)
        await dialog.locator("#lk-household").select_option(console.household)
        await dialog.locator("#lk-mechanism").select_option("wages")
        await dialog.locator("#lk-expected").fill("2400")
        await submit(page)
        row = page.locator(f"[data-facts=project-links] tr[data-household='{console.household}']")
        await expect(row).to_contain_text("郑甲")
        await expect(row).to_contain_text("务工就业")
        await expect(page.locator("[data-link-summary] dd [data-figure=households]")).to_have_text("1")
        await row.locator("a").click()
        links = page.locator(f"[data-facts=household-links] tr[data-project='{console.project}']")
        await expect(links).to_contain_text("纪念塔社区蔬菜大棚")
        await expect(links).to_contain_text("务工就业")
        assert not errors, errors


async def test_a_province_officer_reads_and_freezes_the_fund_evaluation(console: Console) -> None:
    """The county's row: no allocation received, so no spending rate (无数据 with funds' reason). 2026 has not
    ended, so it is not offered for freezing; 2025 (one project approved, none accepted) is frozen."""
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await page.locator("#nav a[href='#/fund-evaluations']").click()
        await page.locator("#f-year").fill("2026")
        await page.locator("form.filters button[type=submit]").click()
        row = page.locator(f"[data-facts=fund-evaluations] tr[data-fund-evaluation='{COUNTY}']")
        await expect(row.locator("th")).to_have_text("南明区")
        await expect(row.locator("[data-figure=spending_rate][data-no-data]")).to_contain_text("无数据")
        await expect(row.locator("[data-figure=completion_rate]")).to_have_text("100%")
        await expect(row.locator("[data-figure=completion_rate]")).to_have_css("text-align", "right")
        await expect(row).to_contain_text("年度结束后确定")
        await expect(row.locator("[data-freeze]")).to_have_count(0)
        await page.locator("#f-year").fill("2025")
        await page.locator("form.filters button[type=submit]").click()
        last_year = page.locator(f"[data-facts=fund-evaluations] tr[data-fund-evaluation='{COUNTY}']")
        await expect(last_year.locator("[data-figure=completion_rate]")).to_have_text("0%")
        await last_year.locator("[data-freeze]").click()
        await submit(page)
        await expect(last_year.locator("[data-frozen]")).to_be_visible()
        await choose_language(page, "English")
        await expect(last_year.locator("[data-figure=spending_rate][data-no-data]")).to_contain_text(
            say("en", "fund_evaluations.no_data")
        )
        assert not errors, errors
