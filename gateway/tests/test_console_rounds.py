"""A third-party round end to end in the console, in a real browser against real processes (registry,
evaluation and gateway on the session's PostgreSQL and broker): a province officer opens a round of 白云区 with
the 5:3:2 satisfaction sample, draws it, records a finding per sampled household (correcting one), reads the
per-stratum approval and closes it; the county starts a rectification task assigned to its township, whose
officer submits it; the province extends a task's deadline with a reason. A second round, surveyed in part,
closes only with the reason the survey stays partial, which its page then shows.

南湖社区 (白云区, where no other module writes households) holds four households: two registered as poor,
one exited, one never registered. Three a village, split 5:3:2
by the largest remainder (1.5, 0.9, 0.6), draw one of each stratum.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, ViewportSize, expect
from sqlalchemy.ext.asyncio import create_async_engine

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    CHINA,
    Seen,
    chromium,
    console_page,
    household_in,
    read_model_sees,
    sign_in,
)
from tests.e2e.platform import Platform, county_subset, eventually, platform_of

EV = "/api/v1/evaluation"
PROVINCE = "520000000000"
# A county no other module writes households into: its evaluation service hears every module's registry on
# the session's broker, and a draw over 南明区 would sample their households too.
COUNTY = "520113000000"  # 白云区
TOWNSHIP = "520113005000"  # 泉湖街道
VILLAGE = "520113005001"  # 南湖社区
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Console:
    platform: Platform
    base: str


async def household(platform: Platform, serial: int, head: str, actions: tuple[str, ...], seen: Seen) -> str:
    """A household taken through `actions`, the registration decided two years ago (a household exits in a
    later year than it was registered), once the evaluation read model holds it in the status it ends in
    (other modules' registries may have published households onto the session's broker too: only these
    are checked)."""
    year = dt.datetime.now(CHINA).year
    return await household_in(
        platform,
        serial,
        head,
        VILLAGE,
        actions=actions,
        registered_on=f"{year - 2}-01-15",
        decided_on=f"{year - 2}-03-01",
        seen=seen,
    )


@pytest.fixture(scope="module")
async def console(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("rounds-platform") / "divisions-520113.csv.gz", COUNTY)
    async with platform_of(fupin_stack, tree, {"evaluation": {}}) as platform:
        await platform.user("township", "township", TOWNSHIP, ["officer"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("province", "province", PROVINCE, ["officer"])
        settings = fupin_stack.settings("evaluation", platform.databases["evaluation"])
        engine = create_async_engine(settings.service_database_url())
        try:
            seen = read_model_sees(engine)
            await asyncio.gather(
                household(platform, 11, "赵在册", ("register",), seen),
                household(platform, 12, "钱在册", ("register",), seen),
                household(platform, 13, "孙脱贫", ("register", "exit"), seen),
                household(platform, 14, "李一般", (), seen),
            )
        finally:
            await engine.dispose()
        yield Console(platform, str(platform.client.base_url).rstrip("/"))


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


async def open_and_draw(page: Page) -> None:
    await page.locator("#nav a[href='#/evaluations']").click()
    await page.locator("[data-round-action=open]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#ro-county").select_option(label="白云区")
    await dialog.locator("#ro-evaluator").fill("贵州大学第三方评估中心")
    await dialog.locator("#ro-townships").fill("1")
    await dialog.locator("#ro-villages").fill("1")
    await dialog.locator("#ro-households").fill("3")
    await dialog.locator("#ro-allocation").select_option("satisfaction_532")
    await dialog.locator("#ro-seed").fill("7")
    await submit(page)
    await expect(page.locator("[data-evaluation-page][data-round-status=open]")).to_be_visible()
    await page.locator("[data-round-action=draw]").click()
    await submit(page)
    design = page.locator("[data-facts=round-design]")
    await expect(design.locator("[data-allocation=satisfaction_532]")).to_be_visible()
    for said in ("在册贫困户 1 户", "已脱贫户 1 户", "非贫困户 1 户"):
        await expect(design.locator("[data-strata]")).to_contain_text(said)


async def record(page: Page, stratum: str, satisfied: bool, *, wrongly_exited: bool = False) -> None:
    row = page.locator(f"[data-facts=sample] tr[data-stratum={stratum}]")
    await row.locator("[data-finding-action=record]").click()
    dialog = page.locator("dialog[open]")
    if wrongly_exited:
        await dialog.locator("#sf-wrongly").check()
        await dialog.locator("#sf-people").fill("2")
    await dialog.locator("#sf-satisfied").select_option("true" if satisfied else "false")
    await submit(page)
    await expect(page.locator(f"[data-facts=sample] tr[data-stratum={stratum}]")).to_have_attribute(
        "data-has-finding", "true"
    )


async def test_a_round_is_opened_drawn_532_surveyed_and_closed(console: Console) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await open_and_draw(page)
        await expect(page.locator("[data-facts=sample] tr[data-sampled]")).to_have_count(3)
        await record(page, "poor", True)
        await record(page, "exited", False, wrongly_exited=True)
        await record(page, "non_poor", False)
        # The non-poor household was satisfied after all: corrected with the reason.
        await page.locator(
            "[data-facts=sample] tr[data-stratum=non_poor] [data-finding-action=correct]"
        ).click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("#sf-satisfied").select_option("true")
        await dialog.locator("#sf-reason").fill("评估机构复核录音，原记录有误")
        await submit(page)
        poor = page.locator("[data-facts=results] tr[data-stratum-result=poor]")
        await expect(poor.locator("[data-figure=approval]")).to_have_text("100%")
        exited = page.locator("[data-facts=results] tr[data-stratum-result=exited]")
        await expect(exited.locator("[data-figure=approval]")).to_have_text("0%")
        await expect(exited.locator("[data-figure=approval]")).to_have_css("text-align", "right")
        await expect(
            page.locator("[data-facts=results] tr[data-rate=wrongly_exited] td").nth(1)
        ).to_contain_text("–")
        await page.locator("[data-round-action=close]").click()
        # Every sampled household has a finding: no reason for a partial survey is asked.
        await expect(page.locator("dialog[open] [data-unsurveyed='0']")).to_be_visible()
        await expect(page.locator("dialog[open] #rc-partial-reason")).to_have_count(0)
        await page.locator("dialog[open] #rc-days").fill("45")
        await submit(page)
        await expect(page.locator("[data-evaluation-page][data-round-status=closed]")).to_be_visible()
        await expect(page.locator("[data-round-action]")).to_have_count(0)
        await page.set_viewport_size(NARROW)
        await expect(page.locator("[data-facts=sample]")).to_be_visible()
        assert await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert not errors, errors


async def approval_task(console: Console) -> dict[str, str]:
    async def closed() -> dict[str, str] | None:
        tasks = await console.platform.call("GET", f"{EV}/rectifications?division={COUNTY}", "county")
        return next((task for task in tasks if task["kind"] == "approval_rate"), None)

    return await eventually(closed, "the closed round's approval task")


async def test_a_task_is_assigned_to_the_township_submitted_by_it_and_its_deadline_extended(
    console: Console,
) -> None:
    task = await approval_task(console)
    row = f"tr[data-rectification='{task['id']}']"
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#/evaluations")
        await page.locator(f"{row} [data-rectification-step=start]").click()
        await page.locator("dialog[open] #rs-assignee").select_option(TOWNSHIP)
        await submit(page)
        await expect(page.locator(f"{row} [data-assignee='{TOWNSHIP}']")).to_contain_text("已交办")
        assert not errors, errors
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.township")
        await page.goto(f"{console.base}/console/#/evaluations")
        await page.locator(f"{row} [data-rectification-step=submit]").click()
        await page.locator("dialog[open] #rs-note").fill("已逐户回访，解决群众反映的饮水问题")
        await submit(page)
        await expect(page.locator(f"{row} [data-rectification-status=submitted]")).to_be_visible()
        # The township reads its assigned task without a refusal anywhere on the page.
        await expect(page.locator(".problem")).to_have_count(0)
        assert not errors, errors
    later = dt.date.fromisoformat(task["deadline"]) + dt.timedelta(days=10)
    assert later <= dt.datetime.now(CHINA).date() + dt.timedelta(days=180)
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await page.goto(f"{console.base}/console/#/evaluations")
        await page.locator(f"{row} [data-rectification-deadline]").click()
        await page.locator("dialog[open] #rx-deadline").fill(later.isoformat())
        await page.locator("dialog[open] #rx-reason").fill("汛期入户困难")
        await submit(page)
        await expect(page.locator(f"{row} [data-deadline]")).to_have_attribute(
            "data-deadline", later.isoformat()
        )
        await page.locator(f"{row} [data-deadline-history] summary").click()
        change = page.locator(f"{row} [data-deadline-history] li[data-extended-to='{later.isoformat()}']")
        await expect(change).to_contain_text("汛期入户困难")
        assert not errors, errors


async def test_a_partial_survey_closes_only_with_its_reason_which_the_round_page_shows(
    console: Console,
) -> None:
    """Evaluation refuses the close of a round whose sampled households lack a finding (409
    survey-incomplete) unless it gives `partial_reason`: the dialog says how many are unsurveyed and asks
    for the reason, and the closed round shows both."""
    reason = "其余样本户外出务工，三次上门未遇"
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await open_and_draw(page)
        await record(page, "poor", True)
        await page.locator("[data-round-action=close]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator("[data-unsurveyed='2']")).to_contain_text("2 户")
        partial = dialog.locator("#rc-partial-reason")
        await expect(partial).to_have_attribute("required", "")
        # Without the reason the form stays open: the browser's own check stops it.
        await dialog.locator("button[type=submit]").click()
        await expect(dialog).to_be_visible()
        await partial.fill(reason)
        await submit(page)
        await expect(page.locator("[data-evaluation-page][data-round-status=closed]")).to_be_visible()
        results = page.locator("[data-facts=results]")
        await expect(results.locator("[data-unsurveyed-households='2']")).to_be_visible()
        await expect(results.locator("[data-partial-reason]")).to_contain_text(reason)
        assert not errors, errors
