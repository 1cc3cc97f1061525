"""The 项目库, 资金监管 and 第三方评估 pages of the console, in a real browser against real processes
(registry, funds, evaluation and gateway on the session's PostgreSQL and broker).

- A village cadre proposes a project in the console; the township officer reviews it and the county officer
  approves it, each through the step the project offers them.
- A county officer resolves a supervision finding raised by a payment to a household not registered as poor.
- A province officer reads a closed round's results (a vetoed rate, the overall veto) and returns a county's
  submitted rectification task with a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize, expect
from sqlalchemy.ext.asyncio import create_async_engine

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    choose_language,
    chromium,
    console_page,
    household_in,
    read_model_sees,
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
EV = "/api/v1/evaluation"
PROVINCE = "520000000000"
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Console:
    platform: Platform
    base: str
    evaluation_db: str  # the evaluation service's database URL: whether its read model has the households


@pytest.fixture(scope="module")
async def console(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("funds-platform") / "divisions-520102.csv.gz")
    async with platform_of(fupin_stack, tree, {"funds": {}, "evaluation": {}}) as platform:
        await platform.user("cadre", "village", VILLAGE, ["cadre"])
        await platform.user("township", "township", TOWNSHIP, ["officer"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("province", "province", PROVINCE, ["officer"])
        settings = fupin_stack.settings("evaluation", platform.databases["evaluation"])
        yield Console(platform, str(platform.client.base_url).rstrip("/"), settings.service_database_url())


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)


async def step_in_console(console: Console, user: str, project: str, action: str) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, user)
        await page.goto(f"{console.base}/console/#/projects")
        await page.locator(f"tr[data-project='{project}'] a").click()
        await page.locator(f"[data-project-step={action}]").click()
        await submit(page)
        history = page.locator("[data-facts=history] li")
        await expect(history.last).to_have_attribute("data-action", action)
        assert not errors, errors


async def test_a_project_is_proposed_reviewed_and_approved_in_the_console(console: Console) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.cadre")
        await page.locator("#nav a[href='#/projects']").click()
        await expect(page.locator("#nav a[href='#/supervision']")).to_be_hidden()
        await page.locator("[data-project-action=propose]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator("#pp-division")).to_have_value(VILLAGE)
        await dialog.get_by_label(say("zh-CN", "projects.col_name")).fill("东门村金银花种植基地")
        await dialog.locator("#pp-category").select_option("industry")
        await dialog.locator("#pp-nature").select_option("new")
        await dialog.locator("#pp-starts-on").fill("2026-03-01")
        await dialog.locator("#pp-ends-on").fill("2026-12-31")
        await dialog.get_by_label(say("zh-CN", "projects.responsible_unit")).fill("南明区农业农村局")
        await dialog.get_by_label(say("zh-CN", "projects.tasks")).fill("种植金银花 200 亩")
        await dialog.locator("#pp-budget").fill("500000")
        await dialog.locator("#pp-fin-central").fill("300000")
        await dialog.locator("#pp-fin-county").fill("100000")
        await dialog.locator("#pp-households").fill("40")
        await dialog.locator("#pp-people").fill("120")
        await dialog.locator("#pp-ind-0").fill("种植面积")
        await dialog.locator("#pp-tgt-0").fill("200 亩")
        await dialog.get_by_label(say("zh-CN", "projects.mechanism")).fill("土地流转加务工分红")
        # The sources do not add up to the budget: refused in the console's words, the dialog kept open.
        await dialog.locator("button[type=submit]").click()
        problem = dialog.locator(".problem-message")
        await expect(problem).to_have_text(say("zh-CN", "problems.codes.financing-mismatch"))
        await dialog.locator("#pp-fin-county").fill("200000")
        await submit(page)
        row = page.locator("tr[data-project]")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("东门村金银花种植基地")
        await expect(row).to_contain_text("产业发展")
        await expect(row).to_contain_text("500,000.00")
        await expect(row.locator("[data-project-status]")).to_have_text("已申报")
        project = await row.get_attribute("data-project")
        assert project
        # The cadre has no step to take on it.
        await row.locator("a").click()
        await expect(page.locator("[data-facts=budget] tr[data-source=central]")).to_contain_text(
            "300,000.00"
        )
        await expect(page.locator("[data-project-step]")).to_have_count(0)
        assert not errors, errors

    await step_in_console(console, "e2e.township", project, "township_review")
    await step_in_console(console, "e2e.county", project, "county_approve")
    read = await console.platform.call("GET", f"{FU}/projects/{project}", "county")
    assert read["status"] == "county_approved"
    assert [entry["action"] for entry in read["history"]] == ["propose", "township_review", "county_approve"]


PROJECT = {
    "name": "东门村产业路硬化",
    "category": "infrastructure",
    "nature": "new",
    "division": VILLAGE,
    "year": 2026,
    "starts_on": "2026-04-01",
    "ends_on": "2026-10-31",
    "responsible_unit": "南明区交通运输局",
    "tasks": "硬化产业路 3 公里",
    "budget": "900000.00",
    "financing": [{"source": "central", "amount": "900000.00"}],
    "beneficiaries": {"households": 60, "people": 180},
    "performance_target": [{"indicator": "硬化里程", "target": "3 公里"}],
    "pro_poor_mechanism": "优先雇用贫困户务工",
}


async def test_a_step_taken_meanwhile_is_refused_in_the_projects_words(console: Console) -> None:
    """A project reviewed by someone else while the page was open: the refused review (409 out-of-order) is
    worded for a project's status, not an identification case's."""
    platform = console.platform
    proposed = await platform.call("POST", f"{FU}/projects", "county", PROJECT, expect=201)
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.township")
        await page.goto(f"{console.base}/console/#/projects/{proposed['id']}")
        await expect(page.locator("[data-project-step]")).to_have_count(2)
        await platform.call("POST", f"{FU}/projects/{proposed['id']}/steps/township_review", "township", {})
        await page.locator("[data-project-step=township_review]").click()
        await page.locator("dialog[open] button[type=submit]").click()
        problem = page.locator("dialog[open] .problem-message")
        await expect(problem).to_have_text(say("zh-CN", "projects.problems.out-of-order"))
        assert not errors, errors


async def test_a_county_officer_posts_the_notice_with_its_days(console: Console) -> None:
    """post_notice takes its notice days (10 to 60): fewer are refused by the form, the notice's period shown."""
    platform = console.platform
    body = {**PROJECT, "name": "东门村饮水安全巩固"}
    proposed = await platform.call("POST", f"{FU}/projects", "county", body, expect=201)
    steps = f"{FU}/projects/{proposed['id']}/steps"
    await platform.call("POST", f"{steps}/township_review", "township", {})
    await platform.call("POST", f"{steps}/county_approve", "county", {})
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.county")
        await page.goto(f"{console.base}/console/#/projects/{proposed['id']}")
        await page.locator("[data-project-step=post_notice]").click()
        dialog = page.locator("dialog[open]")
        days = dialog.get_by_label(say("zh-CN", "projects.notice_days"))
        await expect(days).to_have_value("10")
        await days.fill("5")
        await dialog.locator("button[type=submit]").click()
        await expect(dialog).to_have_count(1)
        await days.fill("15")
        await submit(page)
        await expect(page.locator("[data-project-status]")).to_have_text("公示中")
        await expect(page.locator("[data-facts=project]")).to_contain_text("公示中：")
        assert not errors, errors
    read = await platform.call("GET", f"{FU}/projects/{proposed['id']}", "county")
    notice = read["notice"]
    assert (dt.date.fromisoformat(notice["ends_on"]) - dt.date.fromisoformat(notice["starts_on"])).days == 15


async def test_a_county_officer_resolves_a_finding(console: Console) -> None:
    platform = console.platform
    unregistered = await household_in(platform, 11, "钱非户", actions=(), author="cadre")
    payment = {
        "household_id": unregistered,
        "benefit": "industry_subsidy",
        "period": "2025",
        "amount": "1000.00",
        "standard": "1000.00",
        "paid_on": "2025-06-01",
    }

    async def paid() -> Any:
        response = await platform.raw("POST", f"{FU}/payments", "county", payment)
        return response.json() if response.status_code == 201 else None

    recorded = await eventually(paid, "funds to know the household and record the payment")
    assert [finding["kind"] for finding in recorded["findings"]] == ["non-registered"]
    finding = recorded["findings"][0]["id"]
    async with console_page() as (page, errors):
        await page.set_viewport_size(NARROW)
        await sign_in(page, console.base, "e2e.county")
        await page.locator("#nav a[href='#/supervision']").click()
        row = page.locator(f"tr[data-finding='{finding}']")
        await expect(row.locator("[data-finding-kind]")).to_have_text("支付给非建档立卡户")
        await expect(row).to_contain_text("钱非户")
        await expect(row.locator("[data-finding-status]")).to_have_text("待处理")
        await row.locator("[data-finding-action=resolve]").click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("#rf-resolution").select_option("recovered")
        await dialog.locator("#rf-note").fill("已追回，凭证号 2025-118")
        await submit(page)
        await expect(row.locator("[data-finding-status]")).to_have_text("已追回资金")
        await expect(row).to_contain_text("已追回，凭证号 2025-118")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        assert not errors, errors


async def closed_round(console: Console) -> tuple[str, str]:
    """A round of the county drawn, every sampled household unsatisfied, closed: its approval vetoed and a
    rectification task opened for the county, which the county has started and submitted."""
    platform = console.platform
    # Its own two households in the evaluation read model (other modules' households of 南明区 may be there
    # too, on the worker's shared broker: the sample takes whichever it draws).
    engine = create_async_engine(console.evaluation_db)
    try:
        for serial, head in ((12, "赵评估"), (13, "孙评估")):
            await household_in(platform, serial, head, author="cadre", seen=read_model_sees(engine))
    finally:
        await engine.dispose()
    body = {
        "county": COUNTY,
        "year": 2025,
        "evaluator": "贵州大学第三方评估中心",
        "design": {
            "townships_per_county": 1,
            "villages_per_township": 1,
            "households_per_village": 2,
            "seed": 7,
        },
    }
    opened = await platform.call("POST", f"{EV}/evaluations", "province", body, expect=201)
    evaluation = opened["id"]
    drawn = await platform.call("POST", f"{EV}/evaluations/{evaluation}/draw", "province")
    assert drawn["households"] >= 1, drawn
    sample = await platform.call("GET", f"{EV}/evaluations/{evaluation}/sample", "province")
    for sampled in sample:
        finding = {"household_id": sampled["household_id"], "satisfied": False}
        await platform.call(
            "POST", f"{EV}/evaluations/{evaluation}/findings", "province", finding, expect=201
        )
    closed = await platform.call("POST", f"{EV}/evaluations/{evaluation}/close", "province")
    tasks = await platform.call("GET", f"{EV}/rectifications?division={COUNTY}", "county")
    task = next(item for item in tasks if item["kind"] == "approval_rate")
    assert task["id"] in closed["rectifications"]
    await platform.call("POST", f"{EV}/rectifications/{task['id']}/steps/start", "county", {})
    done = {"note": "已逐户回访，解决群众反映的饮水问题"}
    await platform.call("POST", f"{EV}/rectifications/{task['id']}/steps/submit", "county", done)
    return evaluation, str(task["id"])


async def test_a_province_officer_reads_the_results_and_returns_a_rectification(console: Console) -> None:
    evaluation, task = await closed_round(console)
    async with console_page() as (page, errors):
        await sign_in(page, console.base, "e2e.province")
        await page.locator("#nav a[href='#/evaluations']").click()
        round_row = page.locator(f"tr[data-evaluation='{evaluation}']")
        await expect(round_row.locator("[data-evaluation-status]")).to_have_text("已结束")
        await round_row.locator("a").click()
        approval = page.locator("[data-facts=results] tr[data-rate=approval]")
        await expect(approval).to_contain_text("群众认可度")
        await expect(approval).to_contain_text("0%")
        await expect(approval.locator("[data-verdict]")).to_have_text(
            say("zh-CN", "evaluations.verdicts.veto")
        )
        await expect(approval.locator(".badge-red")).to_have_count(1)
        await expect(page.locator("[data-overall=veto]")).to_be_visible()
        await expect(page.locator("[data-facts=results] tr[data-rate]")).to_have_count(4)
        # In English: the rate's and the verdict's names from en.json, the API's labels being Chinese.
        await choose_language(page, "English")
        await expect(approval).to_contain_text("Public approval")
        await expect(approval.locator("[data-verdict]")).to_have_text(say("en", "evaluations.verdicts.veto"))
        await choose_language(page, "中文")

        await page.goto(f"{console.base}/console/#/evaluations")
        row = page.locator(f"tr[data-rectification='{task}']")
        await expect(row.locator("[data-rectification-status]")).to_have_text("已提交")
        await expect(row).to_contain_text("已逐户回访")
        await expect(row.locator("[data-rectification-step]")).to_have_count(2)
        await row.locator("[data-rectification-step=return]").click()
        dialog = page.locator("dialog[open]")
        await expect(dialog.locator("#rs-note")).to_have_attribute("required", "")
        await dialog.get_by_label(say("zh-CN", "evaluations.note_return")).fill("回访记录不全，请补充")
        await submit(page)
        await expect(row.locator("[data-rectification-status]")).to_have_text("整改中")
        await expect(row).to_contain_text("回访记录不全，请补充")
        await expect(row.locator("[data-rectification-step]")).to_have_count(0)
        assert not errors, errors
    read = await console.platform.call("GET", f"{EV}/rectifications?division={COUNTY}", "province")
    assert next(item for item in read if item["id"] == task)["status"] == "in_progress"
