"""The 年度考核 and 资金分配 pages of the console, and 资金监管's findings on allocations, in a real browser
against real processes (registry, funds, evaluation and gateway on the session's PostgreSQL and broker),
over a tree of two real counties of 贵阳市 (南明区 and 云岩区).

- A province officer opens an assessment of the two counties, chosen by name from the registry's public
  tree (the weights refused first in the console's words), scores them (云岩区's third-party score taken
  from its closed round), sees their grades, vetoes 南明区 and lifts the veto, finalizes it and follows the
  较差 county's rectification task; that county's officer reads its own result, read-only.
- A province officer records an allocation to a county; the county's officer reads it in the summary, in
  English too, and is offered it as what a project's financing line draws on; a project drawing on it
  outside its categories is listed on 资金监管 with the allocation and project it names.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, ViewportSize, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fupin_kit.testing import Stack
from registry.divisions.loader import DATA_FILE
from tests.e2e.console_kit import (
    CHINA,
    REG,
    choose_language,
    chromium,
    console_page,
    household_body,
    say,
    sign_in,
)
from tests.e2e.platform import (
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    Platform,
    eventually,
    platform_of,
)

FU = "/api/v1/funds"
EV = "/api/v1/evaluation"
PROVINCE = "520000000000"
OTHER_COUNTY = "520103000000"  # 云岩区
OTHER_VILLAGE = "520103019001"  # 冠竹苑社区, 云岩区
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Console:
    platform: Platform
    base: str
    evaluation_db: str  # the evaluation service's database URL: whether its read model has the households


def two_counties(target: Path) -> Path:
    """The published rows of 南明区 and 云岩区 and their ancestors, in the published format."""
    prefixes = (COUNTY[:6], OTHER_COUNTY[:6])
    ancestors = {PROVINCE, COUNTY[:4] + "0" * 8}
    with gzip.open(DATA_FILE, "rt", encoding="utf-8", newline="") as source:
        rows = [row for row in csv.reader(source) if row[0] in ancestors or row[0].startswith(prefixes)]
    with gzip.open(target, "wt", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerows(row for row in rows if row[0] != "code")
    return target


@pytest.fixture(scope="module")
async def console(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    chromium()
    tree = two_counties(tmp_path_factory.mktemp("assessment-platform") / "divisions-5201.csv.gz")
    async with platform_of(fupin_stack, tree, {"funds": {}, "evaluation": {}}) as platform:
        await platform.user("province", "province", PROVINCE, ["officer"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("yunyan", "county", OTHER_COUNTY, ["officer"])
        evaluation_db = fupin_stack.settings(
            "evaluation", platform.databases["evaluation"]
        ).service_database_url()
        yield Console(platform, str(platform.client.base_url).rstrip("/"), evaluation_db)


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


def scores(value: str) -> dict[str, str]:
    parts = ("poverty_reduction", "identification_accuracy", "assistance_satisfaction", "funds")
    return {part: value for part in parts}


async def score_in_console(page: Page, county: str, source: str, value: str) -> None:
    await page.locator(f"tr[data-assessee='{county}'] [data-assessee-action=score]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#sc-source").select_option(source)
    for part in scores(value):
        await dialog.locator(f"#sc-{part}").fill(value)
    await submit(page)


async def registered_in_evaluation(database_url: str, wanted: int) -> None:
    engine = create_async_engine(database_url)
    try:

        async def held() -> int | None:
            async with engine.connect() as connection:
                count = await connection.scalar(
                    text("SELECT count(*) FROM rm_households WHERE status = 'registered'")
                )
            return int(count) if count and count >= wanted else None

        await eventually(held, "the evaluation read model to hold the registered households")
    finally:
        await engine.dispose()


async def closed_round_of_yunyan(console: Console) -> str:
    """A third-party round of 云岩区 in 2025, every sampled household unsatisfied, closed (its overall verdict
    a veto, so the score it gives is below 100)."""
    platform = console.platform
    for serial, head in ((7, "赵评估"), (8, "孙评估")):
        body = household_body(serial, head, OTHER_VILLAGE)
        created = await platform.call("POST", f"{REG}/households", "yunyan", body, expect=201)
        command = {"action": "register", "reason": "县级认定"}
        path = f"{REG}/households/{created['id']}/status-commands"
        await platform.call("POST", path, "yunyan", command)
    await registered_in_evaluation(console.evaluation_db, 2)
    design = {"townships_per_county": 1, "villages_per_township": 1, "households_per_village": 2, "seed": 7}
    body = {"county": OTHER_COUNTY, "year": 2025, "evaluator": "贵州大学第三方评估中心", "design": design}
    opened = await platform.call("POST", f"{EV}/evaluations", "province", body, expect=201)
    evaluation = str(opened["id"])
    await platform.call("POST", f"{EV}/evaluations/{evaluation}/draw", "province")
    sample = await platform.call("GET", f"{EV}/evaluations/{evaluation}/sample", "province")
    for sampled in sample:
        finding = {"household_id": sampled["household_id"], "satisfied": False}
        path = f"{EV}/evaluations/{evaluation}/findings"
        await platform.call("POST", path, "province", finding, expect=201)
    await platform.call("POST", f"{EV}/evaluations/{evaluation}/close", "province")
    return evaluation


async def third_party_from_round_in_console(page: Page, console: Console, assessment: str) -> None:
    """The third-party score of 云岩区, recorded already, replaced by its closed round's (a reason required)."""
    evaluation = await closed_round_of_yunyan(console)
    yunyan = page.locator(f"tr[data-assessee='{OTHER_COUNTY}']")
    await yunyan.locator("[data-assessee-action=from-round]").click()
    dialog = page.locator("dialog[open]")
    await expect(dialog.locator(f"#fr-round option[value='{evaluation}']")).to_contain_text(
        "贵州大学第三方评估中心"
    )
    await dialog.locator("#fr-round").select_option(evaluation)
    await expect(dialog.locator("#fr-reason")).to_have_attribute("required", "")
    await dialog.locator("#fr-reason").fill("改用第三方评估结果")
    await submit(page)
    results = await console.platform.call("GET", f"{EV}/assessments/{assessment}/results", "province")
    taken = next(item for item in results["assessees"] if item["division"] == OTHER_COUNTY)
    assert float(taken["composite"]) < 60, taken
    await expect(yunyan.locator("[data-composite]")).to_have_text(f"{float(taken['composite']):.2f}")


async def open_assessment_in_console(page: Page) -> str:
    """Opens the assessment of both counties, refused once for weights not summing to 100; its id."""
    await page.locator("#nav a[href='#/assessments']").click()
    await page.locator("[data-assessment-action=open]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#as-year").fill("2025")
    await dialog.locator("#as-level").select_option("county")
    assessees = dialog.locator("[data-assessees] input[type=checkbox]")
    await expect(assessees).to_have_count(2)
    await expect(dialog.locator("[data-assessees]")).to_contain_text("南明区")
    await expect(dialog.locator("[data-assessees]")).to_contain_text("云岩区")
    await dialog.locator("#as-all").check()
    await expect(dialog.locator("[data-assessees] input:checked")).to_have_count(2)
    await expect(dialog.locator("[data-weight-sum=source_weights]")).to_have_text("合计：100")
    await dialog.locator("#as-source_weights-third_party").fill("20")
    await expect(dialog.locator("[data-weight-sum=source_weights]")).to_have_text("合计：90")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog.locator(".problem-message")).to_have_text(say("zh-CN", "problems.codes.weights"))
    await dialog.locator("#as-source_weights-third_party").fill("30")
    await submit(page)
    page_section = page.locator("[data-assessment-page]")
    await expect(page_section).to_be_visible()
    assessment = await page_section.get_attribute("data-assessment-page")
    assert assessment
    return assessment


async def test_a_province_officer_assesses_two_counties_and_finalizes(console: Console) -> None:
    platform = console.platform
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        assessment = await open_assessment_in_console(page)
        await expect(page.locator("h1")).to_have_text("贵州省2025年度考核")
        nanming = page.locator(f"tr[data-assessee='{COUNTY}']")
        yunyan = page.locator(f"tr[data-assessee='{OTHER_COUNTY}']")
        await expect(nanming.locator("th")).to_have_text("南明区")
        await expect(yunyan.locator("th")).to_have_text("云岩区")
        await expect(nanming.locator("[data-missing]")).to_have_text("日常监管、年度核查、第三方评估")
        # One source each in the console, the rest through the API (the same PUT).
        await score_in_console(page, COUNTY, "daily_supervision", "95")
        await score_in_console(page, OTHER_COUNTY, "daily_supervision", "50")
        for county, value in ((COUNTY, "95"), (OTHER_COUNTY, "50")):
            for source in ("annual_check", "third_party"):
                path = f"{EV}/assessments/{assessment}/scores/{county}/{source}"
                await platform.call("PUT", path, "province", {"scores": scores(value)})
        await page.reload()
        await expect(nanming.locator("[data-composite]")).to_have_text("95.00")
        await expect(nanming.locator("[data-rank]")).to_have_text("1")
        await expect(nanming.locator("[data-grade]")).to_have_text("好")
        await expect(yunyan.locator("[data-composite]")).to_have_text("50.00")
        await expect(yunyan.locator("[data-rank]")).to_have_text("2")
        await expect(yunyan.locator("[data-grade]")).to_have_text("较差")
        await third_party_from_round_in_console(page, console, assessment)
        await expect(yunyan.locator("[data-grade]")).to_have_text("较差")
        # A veto with its reason: 南明区 drops to 较差 whatever its composite.
        await nanming.locator("[data-assessee-action=veto]").click()
        await page.locator("dialog[open] #ve-reason").fill("发生重大舆情事件")
        await submit(page)
        await expect(nanming.locator("[data-vetoed]")).to_be_visible()
        await expect(nanming).to_contain_text("发生重大舆情事件")
        await expect(nanming.locator("[data-grade]")).to_have_text("较差")
        await nanming.locator("[data-assessee-action=veto]").click()
        await expect(page.locator("dialog[open] #ve-vetoed")).not_to_be_checked()
        await page.locator("dialog[open] #ve-reason").fill("经核实，舆情与本县无关")
        await submit(page)
        await expect(nanming.locator("[data-vetoed]")).to_have_count(0)
        await expect(nanming.locator("[data-grade]")).to_have_text("好")
        await page.locator("[data-assessment-action=finalize]").click()
        await submit(page)
        await expect(page.locator("[data-assessment-status]")).to_have_text("已定档")
        await expect(page.locator("[data-assessment-action], [data-assessee-action]")).to_have_count(0)
        await expect(nanming.locator("[data-consequence=commendation]")).to_have_text(
            "通报表扬（可获激励资金）"
        )
        await expect(yunyan.locator("[data-consequence=interview]")).to_have_text("约谈并整改")
        await yunyan.locator("a[data-rectification]").click()
        # Beside the tasks of 云岩区's third-party round, the assessment's own.
        task = page.locator("tr[data-rectification]", has_text="年度考核较差")
        await expect(task).to_have_count(1)
        await expect(task).to_contain_text("云岩区")
        assert not errors, errors

    # The 较差 county's officer reads its own result only, without a button.
    async with console_page() as (page, errors):
        await page.set_viewport_size(NARROW)
        await sign_in(page, console.base, "e2e.yunyan")
        await page.goto(f"{console.base}/console/#/assessments/{assessment}")
        await expect(page.locator("tr[data-assessee]")).to_have_count(1)
        await expect(page.locator(f"tr[data-assessee='{OTHER_COUNTY}'] [data-grade]")).to_have_text("较差")
        await expect(page.locator("[data-assessment-action], [data-assessee-action]")).to_have_count(0)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        assert not errors, errors


def this_year() -> str:
    return str(dt.datetime.now(CHINA).year)


async def record_allocation_in_console(page: Page) -> None:
    await page.locator("#nav a[href='#/allocations']").click()
    await page.locator("[data-allocation-action=record]").click()
    dialog = page.locator("dialog[open]")
    receiver = dialog.locator("#al-division")
    await expect(receiver.locator("option", has_text="南明区")).to_have_count(1)
    await receiver.select_option(label="南明区")
    await dialog.locator("#al-source").select_option("central")
    await dialog.locator("#al-amount").fill("5000000")
    await dialog.locator("#al-document").fill("黔财农〔2026〕12号")
    await dialog.locator("#al-categories").select_option(["industry", "infrastructure"])
    deadline = dt.datetime.now(CHINA).date() + dt.timedelta(days=180)
    await dialog.locator("#al-deadline").fill(deadline.isoformat())
    await submit(page)


async def test_an_allocation_to_a_county_reaches_its_summary(console: Console) -> None:
    platform = console.platform
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await record_allocation_in_console(page)
        row = page.locator("tr[data-allocation]")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("南明区")
        await expect(row).to_contain_text("5,000,000.00")
        await expect(row).to_contain_text("产业发展、基础设施")
        await row.locator("a").click()
        facts = page.locator("[data-facts=allocation]")
        await expect(facts).to_contain_text("黔财农〔2026〕12号")
        await expect(facts).to_contain_text("贵州省")
        await expect(page.locator("[data-facts=allocation-draws] tbody tr")).to_have_count(1)
        assert not errors, errors

    allocation = (await platform.call("GET", f"{FU}/allocations?division={COUNTY}", "county"))[0]["id"]
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.locator("#nav a[href='#/allocations']").click()
        summary = page.locator(f"[data-facts=allocation-summary] tr[data-summary='{COUNTY}']")
        await expect(summary.locator("th")).to_have_text("南明区")
        await expect(summary.locator("[data-figure=received]")).to_have_text("5,000,000.00")
        await expect(summary.locator("[data-figure=balance]")).to_have_text("5,000,000.00")
        await expect(summary.locator("[data-figure=received]")).to_have_css("text-align", "right")
        await choose_language(page, "English")
        await expect(page.locator("[data-facts=allocation-summary] th").first).to_have_text(
            say("en", "allocations.col_division")
        )
        await expect(page.locator("tr[data-allocation]")).to_contain_text("Central fiscal special funds")
        await choose_language(page, "中文")
        # A project's financing line may name the allocation it draws on.
        await page.goto(f"{console.base}/console/#/projects")
        await page.locator("[data-project-action=propose]").click()
        await expect(
            page.locator(f"dialog[open] #pp-alloc-central option[value='{allocation}']")
        ).to_have_count(1)
        assert not errors, errors


async def test_a_project_drawing_outside_the_categories_is_a_finding_on_the_allocation(
    console: Console,
) -> None:
    """资金监管 lists an outside-category finding (挪用) by the allocation and the project it names: it has no
    payment, so no household (it once linked to the page of a household "null")."""
    platform = console.platform
    allocation_body = {
        "division": COUNTY,
        "year": int(this_year()),
        "source": "provincial",
        "amount": "800000.00",
        "document_number": "黔财农〔2026〕31号",
        "categories": ["industry"],
        "deadline": (dt.datetime.now(CHINA).date() + dt.timedelta(days=90)).isoformat(),
    }
    allocated = await platform.call("POST", f"{FU}/allocations", "province", allocation_body, expect=201)
    allocation = allocated["id"]
    project = {
        "name": "东门村助学项目",
        "category": "education",
        "nature": "new",
        "division": VILLAGE,
        "year": int(this_year()),
        "starts_on": f"{this_year()}-01-01",
        "ends_on": f"{this_year()}-12-31",
        "responsible_unit": "南明区教育局",
        "tasks": "资助学生 40 名",
        "budget": "100000.00",
        "financing": [{"source": "provincial", "amount": "100000.00", "allocation_id": allocation}],
        "beneficiaries": {"households": 40, "people": 40},
        "performance_target": [{"indicator": "资助人数", "target": "40 名"}],
        "pro_poor_mechanism": "直接资助贫困家庭学生",
    }
    proposed = await platform.call("POST", f"{FU}/projects", "county", project, expect=201)
    # Found when the county approves it, as money is then committed (a proposal alone raises nothing).
    await platform.user("township", "township", TOWNSHIP, ["officer"])
    steps = f"{FU}/projects/{proposed['id']}/steps"
    await platform.call("POST", f"{steps}/township_review", "township", {"notes": "同意上报"})
    await platform.call("POST", f"{steps}/county_approve", "county", {"notes": "同意"})
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#/supervision?kind=outside-category")
        finding = page.locator("tr[data-finding]")
        await expect(finding).to_have_count(1)
        await expect(finding.locator("[data-finding-kind]")).to_have_text("超范围使用资金（挪用）")
        await expect(finding.locator(f"a[data-finding-allocation='{allocation}']")).to_have_count(1)
        await expect(finding.locator(f"a[data-finding-project='{proposed['id']}']")).to_have_count(1)
        await expect(finding).to_contain_text("教育扶贫")
        await expect(finding.locator("a[href^='#/households/']")).to_have_count(0)
        # The allocation's page lists the project drawing on it.
        await finding.locator("a[data-finding-allocation]").click()
        draw = page.locator(f"[data-facts=allocation-draws] tr[data-draw='{proposed['id']}']")
        await expect(draw).to_contain_text("纪念塔社区")
        await expect(draw).to_contain_text("100,000.00")
        assert not errors, errors
