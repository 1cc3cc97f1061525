"""The public notice board reached by a village's name (Debian's headless Chromium driven by Playwright,
against the real gateway, registry and identification processes of tests/e2e/platform.py).

A villager does not know the 12-digit code of their village: the board offers the division tree to choose
from (province → … → village, each level read from the registry's public `children`, page after page), a
search by part of a name (each hit named with its ancestors), and the chosen village in the page's address,
so that a shared or reloaded address shows the same village with the whole path chosen. The code input
stays. Also here: the objections page named a ticket whose case could not be read by an id fragment
(案件 1a2b3c4d); it says the case was not found, or that identification is unavailable.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect
from sqlalchemy import text

from fupin_kit.db import create_engine
from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    CHINA,
    ID,
    REG,
    choose_language,
    console_page,
    household_body,
    platform_dir,
    say,
    sign_in,
)
from tests.e2e.platform import TOWNSHIP, VILLAGE, Platform, eventually, running_platform

pytestmark = pytest.mark.timeout(300)

PUBLIC = f"{REG}/divisions/public"
PATH_NAMES = ["贵州省", "贵阳市", "南明区", "新华路街道", "纪念塔社区"]
PATH_CODES = ["520000000000", "520100000000", "520102000000", TOWNSHIP, VILLAGE]
MISSING = str(uuid.uuid4())  # a case identification has never had: 404
UNREACHABLE = str(uuid.uuid4())  # a case whose read fails: 503


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return platform_dir(tmp_path)


async def seed(platform: Platform, stack: Stack) -> str:
    """A household of the village with an application, on an announcement posted on the village's board;
    and a township officer. Answers the announcement's id."""
    await platform.user("village", "village", VILLAGE, ["officer", "cadre"])
    await platform.user("township", "township", TOWNSHIP, ["officer"])
    household = await platform.call(
        "POST", f"{REG}/households", "village", household_body(9, "周村民"), expect=201
    )
    today = dt.datetime.now(CHINA).date().isoformat()
    application = {
        "household_id": household["id"],
        "year": dt.datetime.now(CHINA).year,
        "authorisation": {"signed": True, "signed_by": "户主", "signed_on": today},
    }
    case = await eventually(
        lambda: platform.call("POST", f"{ID}/cases", "village", application, expect=201),
        "identification to know the household",
    )
    return await announce(platform, stack, str(case["id"]))


async def announce(platform: Platform, stack: Stack, case_id: str) -> str:
    """The village's announcement (公告) listing the case, written into identification's own database as
    test_console_quotas does: the procedure up to it is test_console's business."""
    service = next(process for process in platform.processes if process.service == "identification")
    engine = create_engine(stack.settings("identification", service.env["FUPIN_DATABASE_NAME"]), pool_size=1)
    notice_id = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO notices (id, division, kind, starts_at, ends_at, status, opened_by) "
                    "VALUES (:id, :division, 'announcement', :now, :now, 'published', 'user:e2e.county')"
                ),
                {"id": notice_id, "division": VILLAGE, "now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO notice_cases (notice_id, case_id, head_name_masked, head_id_masked, member_count) "
                    "SELECT :notice, c.id, h.head_name_masked, h.head_id_masked, h.member_count "
                    "FROM cases c JOIN rm_households h ON h.household_id = c.household_id WHERE c.id = :case"
                ),
                {"notice": notice_id, "case": uuid.UUID(case_id)},
            )
    finally:
        await engine.dispose()
    return str(notice_id)


async def test_a_villager_finds_the_board_by_name(fupin_stack: Stack, workdir: Path) -> None:
    async with running_platform(fupin_stack, workdir) as platform:
        notice = await seed(platform, fupin_stack)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            # Each finding is checked and every one that fails is reported, not only the first.
            findings: list[str] = []
            await check(findings, the_village_is_chosen_by_names(page, base, notice))
            await check(findings, a_shared_address_restores_the_path(page, base, notice))
            await check(findings, the_village_is_found_by_search(page, base, notice))
            await check(findings, a_short_name_nationwide_is_refused_in_the_console_s_words(page, base))
            await check(findings, a_placeholder_is_passed_over_and_levels_are_paged(page, base))
            await check(findings, the_code_input_stays(page, base, notice))
            await check(findings, the_board_fits_a_phone(page, base))
            await sign_in(page, base, "e2e.township")
            await check(findings, an_unread_case_is_not_an_id(page, base))
            assert not findings, "\n\n".join(findings)
            assert not errors, errors


async def check(findings: list[str], step: Coroutine[Any, Any, None]) -> None:
    try:
        await step
    except AssertionError as failure:
        findings.append(f"{getattr(step, '__name__', 'step')}: {failure}")
    except Exception as failure:  # a locator that never appears times out: reported like a failed assert
        findings.append(f"{getattr(step, '__name__', 'step')}: {type(failure).__name__}: {failure}")


def picker(page: Page, level: int) -> Any:
    return page.locator("#b-pick select").nth(level)


async def the_village_is_chosen_by_names(page: Page, base: str, notice: str) -> None:
    """Signed out, from the bare board: province, city, county, township and village chosen by name; the
    village's board lists the notice and the address names the village."""
    await page.goto(f"{base}/console/#/board")
    for level, name in enumerate(PATH_NAMES):
        await expect(picker(page, level).locator("option", has_text=name)).to_have_count(1)
        await picker(page, level).select_option(label=name)
    await expect(page).to_have_url(re.compile(rf"#/board\?division={VILLAGE}$"))
    await expect(page.locator(f"a[href='#/board/{notice}']")).to_be_visible()
    await expect(page.locator("#b-place")).to_have_text(" ".join(PATH_NAMES))
    # The village's select is named by its level, as its label says.
    await expect(page.get_by_label(say("zh-CN", "levels.village"), exact=True)).to_have_value(VILLAGE)


async def a_shared_address_restores_the_path(page: Page, base: str, notice: str) -> None:
    """The address opened afresh and reloaded: every level chosen again, from the registry's answer."""
    await page.goto("about:blank")
    await page.goto(f"{base}/console/#/board?division={VILLAGE}")
    for reloaded in (False, True):
        if reloaded:
            await page.reload()
        for level, code in enumerate(PATH_CODES):
            await expect(picker(page, level)).to_have_value(code)
        await expect(page.locator(f"a[href='#/board/{notice}']")).to_be_visible()
        await expect(page.locator("#b-place")).to_have_text(" ".join(PATH_NAMES))


async def the_village_is_found_by_search(page: Page, base: str, notice: str) -> None:
    """Part of the name, nationwide: the hit names its ancestors; choosing it shows the village's board."""
    await page.goto(f"{base}/console/#/board")
    await page.locator("#b-find").fill("纪念塔")
    await page.locator("#b-find-form button[type=submit]").click()
    hit = page.locator("#b-hits li", has_text="纪念塔社区")
    await expect(hit).to_have_count(1)
    await expect(hit).to_contain_text(" ".join(PATH_NAMES))
    await hit.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(rf"#/board\?division={VILLAGE}$"))
    await expect(page.locator(f"a[href='#/board/{notice}']")).to_be_visible()
    await expect(picker(page, 4)).to_have_value(VILLAGE)
    # Once a province is chosen, one character is enough: searched within the path chosen.
    await page.locator("#b-find").fill("新")
    await page.locator("#b-find-form button[type=submit]").click()
    await expect(page.locator("#b-hits li", has_text="新华路社区")).to_have_count(1)


async def a_short_name_nationwide_is_refused_in_the_console_s_words(page: Page, base: str) -> None:
    for language, button in (("en", "English"), ("zh-CN", "中文")):
        await choose_language(page, button)
        await page.goto(f"{base}/console/#/board")
        await page.locator("#b-find").fill("纪念")
        await page.locator("#b-find-form button[type=submit]").click()
        message = await page.locator("#b-find").evaluate("(input) => input.validationMessage")
        assert message == say(language, "validation.too_short", min="3", length="2"), message
        await expect(page.locator("#b-hits li")).to_have_count(0)


async def a_placeholder_is_passed_over_and_levels_are_paged(page: Page, base: str) -> None:
    """北京市's only child is the placeholder 市辖区: its districts are offered in its place. The provinces
    come in two pages (`next_after`), both listed. (The test platform holds one county: these answers are
    the registry's, given here.)"""

    def node(code: str, name: str, level: str, parent: str, placeholder: bool = False) -> dict[str, Any]:
        return {
            "code": code,
            "name": name,
            "level": level,
            "parent_code": parent,
            "valid_from": "2023-01-01",
            "valid_to": None,
            "placeholder": placeholder,
        }

    async def provinces(route: Route) -> None:
        if "after=110000000000" in route.request.url:
            page_of: dict[str, Any] = {
                "items": [node("520000000000", "贵州省", "province", "000000000000")],
                "next_after": None,
            }
        else:
            page_of = {
                "items": [node("110000000000", "北京市", "province", "000000000000")],
                "next_after": "110000000000",
            }
        await route.fulfill(json=page_of)

    async def beijing(route: Route) -> None:
        items = [node("110100000000", "市辖区", "city", "110000000000", placeholder=True)]
        await route.fulfill(json={"items": items, "next_after": None})

    async def districts(route: Route) -> None:
        items = [node("110101000000", "东城区", "county", "110100000000")]
        await route.fulfill(json={"items": items, "next_after": None})

    routes = {
        re.compile(rf".*{PUBLIC}/000000000000/children.*"): provinces,
        re.compile(rf".*{PUBLIC}/110000000000/children.*"): beijing,
        re.compile(rf".*{PUBLIC}/110100000000/children.*"): districts,
    }
    for pattern, handler in routes.items():
        await page.route(pattern, handler)
    try:
        # A new document: the tree already read in this tab is kept, and these answers must be read.
        await page.goto("about:blank")
        await page.goto(f"{base}/console/#/board")
        await expect(picker(page, 0).locator("option", has_text="贵州省")).to_have_count(1)
        await expect(picker(page, 0).locator("option", has_text="北京市")).to_have_count(1)
        await picker(page, 0).select_option(label="北京市")
        await expect(picker(page, 1).locator("option", has_text="东城区")).to_have_count(1)
        await expect(picker(page, 1).locator("option", has_text="市辖区")).to_have_count(0)
    finally:
        for pattern in routes:
            await page.unroute(pattern)
        await page.goto("about:blank")


async def the_code_input_stays(page: Page, base: str, notice: str) -> None:
    await page.goto(f"{base}/console/#/board")
    await page.locator("#b-division").fill(VILLAGE)
    await page.locator("#b-division").press("Enter")
    await expect(page.locator(f"a[href='#/board/{notice}']")).to_be_visible()
    await expect(picker(page, 4)).to_have_value(VILLAGE)


async def the_board_fits_a_phone(page: Page, base: str) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    try:
        await page.goto(f"{base}/console/#/board?division={VILLAGE}")
        await expect(picker(page, 4)).to_have_value(VILLAGE)
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the board is {width} px wide at 390 px"
    finally:
        await page.set_viewport_size({"width": 1280, "height": 900})


def ticket(case_id: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "id": str(uuid.uuid4()),
        "notice_id": str(uuid.uuid4()),
        "case_id": case_id,
        "division": VILLAGE,
        "status": "open",
        "opened_at": now.isoformat(),
        "due_at": (now + dt.timedelta(days=7)).isoformat(),
        "overdue": False,
        "resolved_by": None,
        "resolved_at": None,
        "resolution": None,
        "text": "不符合条件",
        "contact": None,
    }


async def an_unread_case_is_not_an_id(page: Page, base: str) -> None:
    """Two tickets whose cases identification does not answer for: one it has never had (404), one it fails
    to read (503). Neither is named by an id fragment."""

    async def two_tickets(route: Route) -> None:
        await route.fulfill(json=[ticket(MISSING), ticket(UNREACHABLE)])

    async def unavailable(route: Route) -> None:
        problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503}
        await route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    await page.route(f"**{ID}/objections?*", two_tickets)
    await page.route(f"**{ID}/cases/{UNREACHABLE}", unavailable)
    try:
        for language, button in (("zh-CN", "中文"), ("en", "English")):
            await choose_language(page, button)
            await page.goto(f"{base}/console/#/objections")
            rows = page.locator("#view tbody tr[data-ticket] th")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_have_text(say(language, "objections.case_not_found"))
            await expect(rows.nth(1)).to_have_text(say(language, "objections.case_unavailable"))
            for row in (0, 1):
                shown = await rows.nth(row).inner_text()
                assert MISSING[:8] not in shown and UNREACHABLE[:8] not in shown, shown
    finally:
        await page.unroute(f"**{ID}/objections?*")
        await page.unroute(f"**{ID}/cases/{UNREACHABLE}")
    await choose_language(page, "中文")
