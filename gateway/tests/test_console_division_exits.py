"""The 贫困退出 page of the console (the list of poor villages and counties and their exit procedures) and
the public board's exit notices, in a real browser against real processes (registry, identification and
gateway on the session's PostgreSQL and broker); and the labels of every level, status, state and step of
identification's division exits in both languages.

The module works in 开阳县 (520121), where no other module writes households. One household of two people
registered as poor in 三合村, whose rural population is set to 1000: a poverty incidence of 0.2%, below the
western threshold of 3%; one not registered as poor in 用沙村. A county officer lists both villages (read
back in pages of one), proposes 三合村's exit, reviews it, opens the notice (refused approval while it runs),
and approves it once identification's test clock has passed the notice's end. The county itself, listed by the province, is proposed by the county and checked by 贵阳市; a
closed third-party evaluation of it that passed every veto rate is published on evaluation's topic as the
evaluation service publishes it, and the province, having verified the county against it, reads the
evaluation on the procedure's page and the procedure's steps on its live feed."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, ViewportSize, expect
from pydantic import BaseModel

from fupin_contracts import evaluation as evaluation_contracts
from fupin_contracts import samples
from fupin_gateway.console.router import STATIC_DIR
from fupin_kit.envelope import domain_topic, new_event
from fupin_kit.kafka import make_producer
from fupin_kit.testing import Stack
from identification.division_exits import workflow as flow
from identification.division_exits.schemas import StatusFilter
from tests.e2e.console_kit import (
    CHINA,
    ID,
    LANGUAGES,
    MESSAGES,
    REG,
    choose_language,
    chromium,
    console_page,
    household_body,
    say,
    sign_in,
)
from tests.e2e.platform import Platform, county_subset, eventually, platform_of

COUNTY = "520121000000"  # 开阳县
CITY = "520100000000"  # 贵阳市
PROVINCE = "520000000000"  # 贵州省
VILLAGE = "520121101203"  # 三合村, 双流镇
VILLAGE_NAME = "三合村"
# At the county a village is named with its township: two villages of different townships may share a name.
VILLAGE_PLACE = "双流镇 · 三合村"
OTHER_VILLAGE = "520121101202"  # 用沙村, 双流镇: a household there, not registered as poor
DAY = 86_400
NARROW: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.timeout(300)


@dataclass
class Exits:
    platform: Platform
    base: str
    stack: Stack


@pytest.fixture(scope="module")
async def exits(fupin_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Exits]:
    chromium()
    tree = county_subset(tmp_path_factory.mktemp("exits-platform") / "divisions-520121.csv.gz", COUNTY)
    async with platform_of(fupin_stack, tree, {"identification": {"FUPIN_TEST_CLOCK": "1"}}) as platform:
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("city", "city", CITY, ["officer"])
        await platform.user("province", "province", PROVINCE, ["officer"])
        created = await platform.call(
            "POST", f"{REG}/households", "county", household_body(7, "杨甲", VILLAGE), expect=201
        )
        other = household_body(8, "陈乙", OTHER_VILLAGE)
        await platform.call("POST", f"{REG}/households", "county", other, expect=201)
        command = {"action": "register", "reason": "县级认定"}
        await platform.call("POST", f"{REG}/households/{created['id']}/status-commands", "county", command)
        setting = {"value": "1000"}
        await platform.call("PUT", f"{ID}/region-settings/{VILLAGE}/rural_population", "county", setting)

        async def counted() -> Any:
            found = await platform.call("GET", f"{ID}/exits/indicators?division={VILLAGE}", "county")
            return found if found["poor_population"] == 2 else None

        # The identification read model holds the registered household (and so knows the village).
        await eventually(counted, "identification to count the village's poor")
        yield Exits(platform, str(platform.client.base_url).rstrip("/"), fupin_stack)


async def no_page_wide_scroll(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


async def submit(page: Page) -> None:
    await page.locator("dialog[open] button[type=submit]").click()


async def take_step(page: Page, action: str, reason: str) -> None:
    await page.locator(f"[data-exit-action={action}]").click()
    await page.locator("#xs-reason").fill(reason)
    await submit(page)


async def test_a_county_officer_takes_a_village_from_the_list_to_its_exit(exits: Exits) -> None:
    async with console_page() as (page, errors):
        await sign_in(page, exits.base, "e2e.county")
        await page.locator("#nav a[href='#/division-exits']").click()
        await expect(page.locator("h1")).to_have_text(say("zh-CN", "division_exits.title"))

        # Listed: the county's villages to choose from, by township.
        await page.locator("[data-designation-action=designate]").click()
        await expect(page.locator("#pd-division optgroup[label='双流镇']")).to_have_count(1)
        await page.locator("#pd-division").select_option(VILLAGE)
        await page.locator("#pd-year").fill("2014")
        await page.locator("#pd-basis").fill("建档立卡贫困村")
        await submit(page)
        row = page.locator(f"tr[data-poor-division='{VILLAGE}']")
        await expect(row.locator("th")).to_have_text(VILLAGE_PLACE)
        await expect(row.locator("[data-designation-status]")).to_have_text("在册")
        await expect(row).to_contain_text("贫困村")

        # The list in pages of one (the next by its cursor), filtered to the villages.
        async def listed() -> Any:
            body = {"division": OTHER_VILLAGE, "designated_year": 2016}
            return await exits.platform.call("POST", f"{ID}/poor-divisions", "county", body, expect=201)

        await eventually(listed, "identification to know 用沙村 (named by its household's event)")
        await page.goto(f"{exits.base}/console/#/division-exits?level=village&limit=1")
        await expect(page.locator("#f-level")).to_have_value("village")
        rows = page.locator("[data-list=poor-divisions] tr[data-poor-division]")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_have_attribute("data-poor-division", OTHER_VILLAGE)
        more = page.locator("[data-list=poor-divisions] .load-more")
        await more.click()
        await expect(rows).to_have_count(2)
        await expect(more).to_be_hidden()
        await expect(row.locator("td").nth(1)).to_have_text("2014")

        # Listed twice: refused, in the console's words.
        await page.locator("[data-designation-action=designate]").click()
        await page.locator("#pd-division").select_option(VILLAGE)
        await submit(page)
        await expect(page.locator("dialog[open] .problem-message")).to_have_text(
            say("zh-CN", "problems.codes.already-designated")
        )
        await page.locator("dialog[open] .dialog-buttons button[type=button]").click()

        # 三合村's rural population shown as it stands; 用沙村 has none: its proposal refused in words, the
        # figure set from its row.
        await row.locator("[data-designation-action=population]").click()
        await expect(page.locator("#rp-value")).to_have_value("1000")
        await page.locator("dialog[open] .dialog-buttons button[type=button]").click()
        other_row = page.locator(f"tr[data-poor-division='{OTHER_VILLAGE}']")
        await other_row.locator("[data-designation-action=propose]").click()
        await page.locator("#dx-summary").fill("无贫困人口")
        await submit(page)
        refusal = page.locator("dialog[open] .problem-message")
        await expect(refusal).to_have_text(say("zh-CN", "problems.codes.no-rural-population"))
        assert "rural_population" not in await refusal.inner_text()
        await page.locator("dialog[open] .dialog-buttons button[type=button]").click()
        await other_row.locator("[data-designation-action=population]").click()
        await expect(page.locator("dialog[open] p.muted")).to_have_text(
            say("zh-CN", "division_exits.population_none")
        )
        await page.locator("#rp-value").fill("500")
        await submit(page)
        await expect(page.locator("dialog[open]")).to_have_count(0)
        path = f"{ID}/region-settings/{OTHER_VILLAGE}/rural_population"
        assert (await exits.platform.call("GET", path, "county"))["value"] == "500"
        await page.goto(f"{exits.base}/console/#/division-exits?level=village")

        # 2 poor of 10 rural people: refused with the incidence and the threshold it carries.
        async def rural_population(value: str) -> None:
            await row.locator("[data-designation-action=population]").click()
            await page.locator("#rp-value").fill(value)
            await submit(page)
            await expect(page.locator("dialog[open]")).to_have_count(0)

        await rural_population("10")
        await row.locator("[data-designation-action=propose]").click()
        await page.locator("#dx-summary").fill("贫困发生率降至3%以下")
        await submit(page)
        await expect(refusal).to_have_text(
            say("zh-CN", "problems.figures.incidence-above-threshold", incidence_pct="20", threshold_pct="3")
        )
        await page.locator("dialog[open] .dialog-buttons button[type=button]").click()
        await rural_population("1000")

        # Proposed from its row: the procedure's page with the indicators as they stood.
        await row.locator("[data-designation-action=propose]").click()
        await expect(page.locator("dialog[open] h2")).to_contain_text(VILLAGE_PLACE)
        await page.locator("#dx-summary").fill("贫困发生率降至3%以下，两不愁三保障达标")
        await submit(page)
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("已提出")
        exit_id = await page.locator("[data-division-exit-page]").get_attribute("data-division-exit-page")
        year = str((await exits.platform.call("GET", f"{ID}/division-exits/{exit_id}", "county"))["year"])
        await expect(page.locator("h1")).to_have_text(f"{VILLAGE_PLACE}{year}年退出")
        indicators = page.locator("[data-facts=exit-indicators]")
        await expect(indicators.locator("[data-figure=incidence_pct]")).to_have_text("0.2%")
        await expect(indicators.locator("[data-figure=threshold_pct]")).to_have_text("3%")
        await expect(indicators.locator("[data-figure=rural_population]")).to_have_text("1,000")
        await expect(indicators.locator("[data-figure=poor_population]")).to_have_text("2")
        await expect(indicators.locator("[data-figure=meets_threshold]")).to_have_text("是")
        # The county's steps: its review, the reject, and the withdrawal of its own proposal.
        buttons = page.locator("[data-exit-action]")
        await expect(buttons).to_have_count(3)
        await expect(page.locator("[data-exit-action=review]")).to_have_text("县级审核")

        await take_step(page, "review", "县级审核通过")
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("县级已审核")
        await page.locator("[data-exit-action=open_notice]").click()
        await expect(page.locator("#xs-notice-days")).to_have_value("7")
        # The field leaves the floor to the service (short notices are on here): refused with its bounds.
        await page.locator("#xs-notice-days").fill("0")
        await submit(page)
        await expect(refusal).to_have_text(
            say("zh-CN", "problems.figures.notice-days", minimum_days="0.0000116", maximum_days="60")
        )
        await page.locator("#xs-notice-days").fill("7")
        await submit(page)
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("公示中")
        await expect(page.locator("[data-exit-notice]")).to_contain_text("公示中")

        # While the notice runs there is nothing to approve yet: only the rejection is offered.
        await expect(buttons).to_have_count(1)
        await expect(page.locator("[data-exit-action=reject]")).to_be_visible()

        await exits.platform.advance_clock(7 * DAY + 60)
        await page.reload()
        await take_step(page, "approve", "公示无异议")
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("已退出")
        await expect(page.locator("[data-exit-action]")).to_have_count(0)
        await expect(page.locator("[data-exit-notice]")).to_contain_text("公示期满")
        history = page.locator("[data-facts=exit-history] li")
        await expect(history).to_have_count(4)
        assert await history.evaluate_all("items => items.map(item => item.dataset.action)") == [
            "propose",
            "review",
            "open_notice",
            "approve",
        ]
        await expect(history.nth(1)).to_contain_text("已提出 → 县级已审核")
        await expect(history.nth(1)).to_contain_text("县级审核通过")
        await expect(history.nth(2)).to_contain_text("公示 7 天")

        # Back on the list: exited in the exit's year, its procedure a link away.
        await page.locator("#view a[href='#/division-exits']").click()
        await expect(row.locator("[data-designation-status]")).to_have_text("已退出")
        await expect(row.locator(f"[data-exit-link='{exit_id}']")).to_be_visible()
        procedure = page.locator(f"tr[data-division-exit='{exit_id}']")
        await expect(procedure.locator("[data-exit-state]")).to_have_text("已退出")
        await expect(procedure).to_contain_text("0.2%（标准 3%）")

        # The county's live feed names the village with its township.
        await page.goto(f"{exits.base}/console/#/feed")
        steps = page.locator(".feed-item").filter(has=page.locator(f"a[href='#/division-exits/{exit_id}']"))
        await expect(steps).to_have_count(4)
        await expect(steps.locator(".feed-division")).to_have_text([VILLAGE_PLACE] * 4)
        # Each step by its name (the newest first), not "进展已更新".
        named = [say("zh-CN", "feed.subject_division_exit", level="贫困村", year=year)] * 4
        await expect(steps.locator(".feed-subject")).to_have_text(named)
        types = MESSAGES["zh-CN"]["feed"]["types"]
        await expect(steps.locator("strong")).to_have_text(
            [
                types["fupin.identification.division_exit.approved.v1"],
                say("zh-CN", "feed.division_exit_step", step="公示"),
                say("zh-CN", "feed.division_exit_step", step="县级审核"),
                types["fupin.identification.division_exit.proposed.v1"],
            ]
        )

        # The public board of the county lists it, with no login needed for it.
        await page.goto(f"{exits.base}/console/#/board?division={COUNTY}")
        posted = page.locator(f"[data-facts=public-division-exits] tr[data-public-division-exit='{exit_id}']")
        await expect(posted.locator("th")).to_have_text(VILLAGE_NAME)
        await expect(posted).to_contain_text("已退出")
        await expect(page.locator("[data-facts=public-division-exits] h2")).to_have_text(
            say("zh-CN", "division_exits.board_title")
        )

        # In English: the board, the procedure and the list, labelled; no code shown raw.
        await choose_language(page, "English")
        await expect(posted).to_contain_text("Exited")
        await expect(posted).to_contain_text("Poor village")
        await page.goto(f"{exits.base}/console/#/division-exits/{exit_id}")
        await expect(page.locator("h1")).to_have_text(f"Exit of {VILLAGE_PLACE}, {year}")
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("Exited")
        await expect(history.nth(3)).to_contain_text("Approve the exit")
        await expect(history.nth(3)).to_contain_text("Public notice → Exited")
        await expect(page.locator("[data-facts=division-exit]")).to_contain_text("Poor village")
        text = await page.locator("#view").inner_text()
        for code in ("open_notice", "county_reviewed", "province_verified"):
            assert not re.search(rf"\b{code}\b", text), (code, text)

        # At 390 px: the procedure and the list without a page-wide scroll.
        await page.set_viewport_size(NARROW)
        await no_page_wide_scroll(page)
        await page.goto(f"{exits.base}/console/#/division-exits")
        await expect(page.locator(f"tr[data-division-exit='{exit_id}']")).to_be_visible()
        await no_page_wide_scroll(page)
        # Every column readable on the screen beside its row's village: the list's actions, the board's
        # notice and status (the table scrolls, the village's name stays).
        await within_screen(row.locator("td").last, row.locator("th"))
        await page.goto(f"{exits.base}/console/#/board?division={COUNTY}")
        await expect(posted).to_be_visible()
        await no_page_wide_scroll(page)
        await within_screen(posted.locator("td").nth(-2), posted.locator("th"))
        await within_screen(posted.locator("td").last, posted.locator("th"))
        assert not errors, errors


async def within_screen(cell: Locator, name: Locator) -> None:
    """The cell shown whole on the screen once brought into view (the table's own scroll), its row's name
    beside it and not under it."""
    await cell.scroll_into_view_if_needed()
    width = await cell.evaluate("element => window.innerWidth")
    shown, named = await cell.bounding_box(), await name.bounding_box()
    assert shown is not None and named is not None
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= width, (shown, width)
    assert named["x"] >= 0 and named["x"] + named["width"] <= shown["x"] + 1, (named, shown)


async def publish_closed_evaluation(stack: Stack, year: int) -> uuid.UUID:
    """The evaluation service's evaluation.closed event of 开阳县 for `year`, every veto rate passing, on
    evaluation's domain topic as that service publishes it."""
    evaluation_id = uuid.uuid4()
    payload = samples.evaluation_closed(evaluation_id, COUNTY, year)
    await publish_evaluation_event(
        stack, evaluation_contracts.EVALUATION_CLOSED, "evaluation", evaluation_id, payload
    )
    return evaluation_id


async def publish_evaluation_event(
    stack: Stack, event_type: str, aggregate: str, aggregate_id: uuid.UUID, payload: BaseModel
) -> None:
    """One event of 开阳县 on evaluation's domain topic, as the evaluation service publishes it."""
    event = new_event(
        service="evaluation",
        type=event_type,
        aggregate=aggregate,
        aggregate_id=str(aggregate_id),
        division=COUNTY,
        data=payload.model_dump(mode="json"),
    )
    producer = make_producer(stack.settings("evaluation"))
    await producer.start()
    try:
        await producer.send_and_wait(
            domain_topic("evaluation"),
            event.to_bytes(),
            key=event.subject.encode(),
            headers=event.routing_headers(),
        )
    finally:
        await producer.stop()


async def publish_rectification(stack: Stack, evaluation_id: uuid.UUID) -> uuid.UUID:
    """A rectification task of 开阳县 opened by its evaluation (its kind on the opening only) and started."""
    task = uuid.uuid4()
    opened = evaluation_contracts.RectificationOpenedV2(
        rectification_id=task,
        evaluation_id=evaluation_id,
        assessment_id=None,
        division=COUNTY,
        county=COUNTY,
        kind="composite_incidence_rate",
        household_id=None,
        deadline=dt.date(2030, 1, 1),
        worker_tier="county",
        checker_tier="city",
    )
    started = evaluation_contracts.RectificationStepV2(
        rectification_id=task,
        evaluation_id=evaluation_id,
        assessment_id=None,
        division=COUNTY,
        action="start",
        from_status="open",
        to_status="in_progress",
        note=None,
    )
    for event_type, payload in (
        (evaluation_contracts.RECTIFICATION_OPENED_V2, opened),
        (evaluation_contracts.RECTIFICATION_PROGRESSED_V2, started),
    ):
        await publish_evaluation_event(stack, event_type, "rectification", task, payload)
    return task


async def service_year(platform: Platform) -> int:
    """Identification's year (its test clock's, in China)."""
    clock = await platform.call("POST", f"{ID}/admin/clock", "root", {"advance_s": 0})
    return dt.datetime.fromisoformat(clock["now"]).astimezone(CHINA).year


async def test_a_province_reads_the_evaluation_a_county_was_verified_against(exits: Exits) -> None:
    platform = exits.platform
    designation = {"division": COUNTY, "designated_year": 2014, "basis": "国家扶贫开发工作重点县"}
    await platform.call("POST", f"{ID}/poor-divisions", "province", designation, expect=201)
    year = await service_year(platform)
    proposal = {"division": COUNTY, "year": year, "summary": "贫困发生率降至3%以下，申请摘帽"}
    exit_id = (await platform.call("POST", f"{ID}/division-exits", "county", proposal, expect=201))["id"]
    await platform.call(
        "POST", f"{ID}/division-exits/{exit_id}/actions/check", "city", {"reason": "市级初审通过"}
    )
    evaluation_id = await publish_closed_evaluation(exits.stack, year)
    task = await publish_rectification(exits.stack, evaluation_id)

    async def verified() -> Any:
        # Refused (409 no-passing-evaluation) until identification has consumed the evaluation's event.
        step = f"{ID}/division-exits/{exit_id}/actions/verify"
        return await platform.call("POST", step, "province", {"reason": "第三方评估通过"})

    await eventually(verified, "identification to hold the closed evaluation")

    async with console_page() as (page, errors):
        await sign_in(page, exits.base, "e2e.province")
        await page.goto(f"{exits.base}/console/#/division-exits?level=county")
        # The province's counties to designate, by city.
        await page.locator("[data-designation-action=designate]").click()
        await expect(
            page.locator(f"#pd-division optgroup[label='贵阳市'] option[value='{COUNTY}']")
        ).to_have_count(1)
        await page.locator("dialog[open] .dialog-buttons button[type=button]").click()
        row = page.locator(f"tr[data-poor-division='{COUNTY}']")
        await expect(row.locator("th")).to_have_text("开阳县")
        await expect(row.locator("[data-designation-status]")).to_have_text("退出程序中")
        await expect(page.locator(f"tr[data-poor-division='{VILLAGE}']")).to_have_count(0)
        await row.locator(f"[data-exit-link='{exit_id}']").click()
        await expect(page.locator("h1")).to_have_text(f"开阳县{year}年退出")
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("省级已核查")
        card = page.locator("[data-facts=exit-evaluation]")
        await expect(card.locator("[data-verdict=pass]").first).to_have_text("达标")
        await expect(card.locator("tr[data-rate]")).to_have_count(4)
        await expect(card.locator("tr[data-rate=approval]")).to_contain_text("群众认可度")
        await expect(card.locator("tr[data-rate=approval]")).to_contain_text("96%不低于 90%")
        await expect(card.locator(f"a[href='#/evaluations/{evaluation_id}']")).to_be_visible()
        # The province's next steps: the notice, or a rejection; not the county's withdrawal.
        actions = page.locator("[data-exit-action]")
        assert await actions.evaluate_all("items => items.map(item => item.dataset.exitAction)") == [
            "open_notice",
            "reject",
        ]
        await expect(page.locator("[data-facts=exit-history] li").nth(2)).to_contain_text(
            "市级已初审 → 省级已核查"
        )
        await choose_language(page, "English")
        await expect(card.locator("tr[data-rate=missed] th")).to_have_text(
            say("en", "division_exits.rates.missed")
        )
        await expect(page.locator("h1 + [data-exit-state]")).to_have_text("Verified by the province")
        # The province's live feed names the procedure's steps by level and year, each a link to its page.
        await page.goto(f"{exits.base}/console/#/feed")
        subject = page.locator(f".feed-subject a[href='#/division-exits/{exit_id}']").first
        await expect(subject).to_have_text(
            say("en", "feed.subject_division_exit", level="Poor county", year=str(year))
        )
        # A rectification task by its kind (the step's event names none: the opening's), a link to the tasks.
        tasks = page.locator(f".feed-subject a[data-rectification='{task}']")
        kind = say("en", "codes.rectification_kind.composite_incidence_rate")
        await expect(tasks).to_have_text([say("en", "feed.subject_rectification", kind=kind)] * 2)
        await expect(tasks.first).to_have_attribute("href", f"#/evaluations?division={COUNTY}")
        assert not errors, errors


def app_constant(name: str) -> list[str]:
    script = (Path(STATIC_DIR) / "app.js").read_text("utf-8")
    found = re.search(rf"const {name} = \[([^\]]*)\];", script)
    assert found is not None, name
    return re.findall(r'"(\w+)"', found.group(1))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_level_status_state_and_step_has_a_label(language: str) -> None:
    """Each value identification's division exits have (workflow.py's Level, State and Action, the list's
    statuses, the four veto rates) has its label in both languages, and the console's filters offer each of them, in the
    workflow's order: a raw code ("county_reviewed") is never shown."""
    labels: dict[str, dict[str, str]] = MESSAGES[language]["division_exits"]
    groups = {
        "levels": [level.value for level in flow.Level],
        "statuses": [status.value for status in StatusFilter],
        "states": [state.value for state in flow.State],
        "actions": [action.value for action in flow.Action],
    }
    for group, codes in groups.items():
        assert list(labels[group]) == codes, group
        assert all(labels[group][code].strip() for code in codes), group
    assert len(set(labels["states"].values())) == len(labels["states"]), "two states said alike"
    # The four veto rates a county's evaluation is read by on its procedure's page.
    assert set(labels["rates"]) == flow.VETO_RATES
    assert app_constant("EXIT_LEVELS") == groups["levels"]
    assert app_constant("DESIGNATION_STATUSES") == groups["statuses"]
    assert app_constant("EXIT_STATES") == groups["states"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_problem_of_the_division_exits_has_words(language: str) -> None:
    """Each code the division_exits package answers with (a literal code="...", and either side of a
    conditional one: procedure-open or already-exited) has a message in the reader's language, the
    division_exits page's own or the console's."""
    codes: set[str] = set()
    for source in Path(flow.__file__).parent.glob("*.py"):
        for found in re.finditer(
            r'code="([a-z-]+)"(?: if [^\n]*? else "([a-z-]+)")?', source.read_text("utf-8")
        ):
            codes.update(code for code in found.groups() if code)
    assert {"already-exited", "procedure-open", "no-rural-population"} <= codes, codes
    messages = MESSAGES[language]["problems"]["codes"] | MESSAGES[language]["division_exits"]["problems"]
    assert sorted(code for code in codes if not str(messages.get(code, "")).strip()) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_assigned_rectifications_are_named_alike_for_every_reader(language: str) -> None:
    """The assignee's assignment.* events share one prefix, and none says "you": a township reads the
    tasks assigned to its villages too."""
    types: dict[str, str] = MESSAGES[language]["feed"]["types"]
    labels = [label for name, label in types.items() if name.startswith("fupin.evaluation.assignment.")]
    assert len(labels) == 5, labels
    assert len({label.split(" · ")[0] for label in labels}) == 1, labels
    assert not [label for label in labels if re.search(r"\byou\b|你|您", label)], labels
