"""A cadre's second walk through the console in a real browser (Debian's headless Chromium driven by
Playwright, against the real gateway, registry and identification processes of tests/e2e/platform.py), each
finding fixed and kept fixed here:

- A village officer's dashboard listed the village itself as its own child division: a village has none,
  and the page says so instead of drawing a table.
- `#/quotas?year=1999` (outside the years the page offers) showed the current year without a word: the
  page says the year asked for is not available and which year it shows.
- After a notice's period had ended, the objection dialog still offered "dismissed: 继续公示" (continue the
  notice): the outcome is worded by the notice's state.
- The cases list named a household the registry did not answer for by an id fragment: it says the
  household was not found, or that the registry is unavailable.
- The browser's own validation bubbles (required, min/max, pattern) were in the browser's language, not the
  console's: every form's field messages follow the console's language.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect

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
from tests.e2e.platform import COUNTY, TOWNSHIP, VILLAGE, Platform, running_platform

pytestmark = pytest.mark.timeout(300)

MISSING = str(uuid.uuid4())  # a household the registry has never had: 404
UNREACHABLE = str(uuid.uuid4())  # a household whose read the registry fails: 503


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return platform_dir(tmp_path)


async def seed(platform: Platform) -> None:
    """A village officer with one household in the village, a county officer and a township officer."""
    await platform.user("village", "village", VILLAGE, ["officer", "cadre"])
    await platform.user("county", "county", COUNTY, ["officer"])
    await platform.user("township", "township", TOWNSHIP, ["officer"])
    await platform.call("POST", f"{REG}/households", "village", household_body(7, "郑村民"), expect=201)


async def test_a_cadre_walks_the_console_again(fupin_stack: Stack, workdir: Path) -> None:
    async with running_platform(fupin_stack, workdir) as platform:
        await seed(platform)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            # Each finding is checked and every one that fails is reported, not only the first.
            findings: list[str] = []
            await check(findings, the_login_form_speaks_the_console_s_language(page, base))
            await sign_in(page, base, "e2e.village")
            await check(findings, a_village_has_no_child_divisions(page, base))
            await check(findings, an_unanswered_household_is_not_an_id(page, base))
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.county")
            await check(findings, an_unavailable_year_is_said(page, base))
            await check(findings, the_quota_forms_speak_the_console_s_language(page, base))
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.township")
            await check(findings, an_ended_notice_is_not_continued(page, base))
            assert not findings, "\n\n".join(findings)
            assert not errors, errors


async def check(findings: list[str], step: Coroutine[Any, Any, None]) -> None:
    try:
        await step
    except AssertionError as failure:
        findings.append(f"{getattr(step, '__name__', 'step')}: {failure}")


async def validation_message(page: Page, selector: str) -> str:
    message = await page.locator(selector).evaluate("(input) => input.validationMessage")
    assert isinstance(message, str)
    return message


async def the_login_form_speaks_the_console_s_language(page: Page, base: str) -> None:
    """An empty username is refused in the console's language, and the message goes once it is typed."""
    await page.goto(f"{base}/console/#/login")
    for language, button in (("zh-CN", "中文"), ("en", "English")):
        await choose_language(page, button)
        await page.locator("#username").fill("")
        await page.locator("form button[type=submit]").click()
        assert await validation_message(page, "#username") == say(language, "validation.required")
        await page.locator("#username").fill("someone")
        assert await validation_message(page, "#username") == ""
    await choose_language(page, "中文")


async def a_village_has_no_child_divisions(page: Page, base: str) -> None:
    await page.goto(f"{base}/console/#/dashboard")
    view = page.locator("#view")
    await expect(view.locator(".no-children")).to_have_text(say("zh-CN", "dashboard.no_children"))
    await expect(view.locator(f"tr[data-division='{VILLAGE}']")).to_have_count(0)
    await expect(view.locator("table")).to_have_count(0)
    # The village's own figures are still shown.
    await expect(view.locator(".stats .stat-value").first).to_have_text("1")


def case_item(household_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "household_id": household_id,
        "division": VILLAGE,
        "kind": "identification",
        "year": dt.datetime.now(CHINA).year,
        "state": "applied",
        "allowed_actions": [],
        "permitted_actions": [],
    }


async def an_unanswered_household_is_not_an_id(page: Page, base: str) -> None:
    """Two cases whose households the registry does not answer for: one it has never had (404), one it
    fails to read (503). Neither is named by an id fragment."""

    async def two_cases(route: Route) -> None:
        items = [case_item(MISSING), case_item(UNREACHABLE)]
        await route.fulfill(json={"items": items, "next_cursor": None})

    async def unavailable(route: Route) -> None:
        problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503}
        await route.fulfill(status=503, content_type="application/problem+json", body=json.dumps(problem))

    await page.route(f"**{ID}/cases?*", two_cases)
    await page.route(f"**{REG}/households/{UNREACHABLE}", unavailable)
    try:
        for language, button in (("zh-CN", "中文"), ("en", "English")):
            await choose_language(page, button)
            await page.goto(f"{base}/console/#/cases")
            rows = page.locator("#view tbody tr[data-case] th")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_have_text(say(language, "cases.household_not_found"))
            await expect(rows.nth(1)).to_have_text(say(language, "cases.household_unavailable"))
            for row in (0, 1):
                assert MISSING[:8] not in await rows.nth(row).inner_text()
                assert UNREACHABLE[:8] not in await rows.nth(row).inner_text()
    finally:
        await page.unroute(f"**{ID}/cases?*")
        await page.unroute(f"**{REG}/households/{UNREACHABLE}")
    await choose_language(page, "中文")


async def an_unavailable_year_is_said(page: Page, base: str) -> None:
    """A year the page does not offer is named as unavailable, with the year shown instead; a year it offers
    is the year shown, even with no quotas."""
    this_year = str(dt.datetime.now(CHINA).year)
    await page.goto(f"{base}/console/#/quotas?year=1999")
    notice = page.locator("#view .year-unavailable")
    await expect(notice).to_have_text(
        say("zh-CN", "quotas.year_unavailable", asked="1999", low="2013", high="2100", shown=this_year)
    )
    await expect(page.locator("#q-year")).to_have_value(this_year)
    await page.goto(f"{base}/console/#/quotas?year=2014")
    await expect(page.locator("#view caption")).to_contain_text("2014")
    await expect(page.locator("#view .year-unavailable")).to_have_count(0)
    await expect(page.locator("#q-year")).to_have_value("2014")


async def the_quota_forms_speak_the_console_s_language(page: Page, base: str) -> None:
    """The year filter's range and the quota dialog's required amount, in each language."""
    await page.goto(f"{base}/console/#/quotas")
    for language, button in (("zh-CN", "中文"), ("en", "English")):
        await choose_language(page, button)
        await page.locator("#q-year").fill("2200")
        await page.locator("#view form.filters button[type=submit]").click()
        assert await validation_message(page, "#q-year") == say(language, "validation.max", max="2100")
        await page.locator("#q-year").fill("2010")
        assert await validation_message(page, "#q-year") == say(language, "validation.min", min="2013")
        await page.locator("#q-year").fill("2020")
        assert await validation_message(page, "#q-year") == ""
        await page.locator("#view [data-action=set-quota]").first.click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("button[type=submit]").click()
        assert await validation_message(page, "dialog[open] #q-amount") == say(
            language, "validation.required"
        )
        await dialog.locator("#q-amount").fill("-1")
        await dialog.locator("button[type=submit]").click()
        assert await validation_message(page, "dialog[open] #q-amount") == say(
            language, "validation.min", min="0"
        )
        await dialog.locator(".dialog-buttons button[type=button]").first.click()
        await expect(page.locator("dialog[open]")).to_have_count(0)
    await choose_language(page, "中文")


def ended_notice(notice_id: str, case_id: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "id": notice_id,
        "division": VILLAGE,
        "kind": "first_notice",
        "starts_at": (now - dt.timedelta(days=9)).isoformat(),
        "ends_at": (now - dt.timedelta(days=2)).isoformat(),
        "status": "closed",
        "entries": [],
        "case_ids": [case_id],
    }


async def an_ended_notice_is_not_continued(page: Page, base: str) -> None:
    """An open objection to a notice whose period has ended: dismissing it does not "continue the notice"."""
    notice_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    ticket = {
        "id": str(uuid.uuid4()),
        "notice_id": notice_id,
        "case_id": case_id,
        "division": VILLAGE,
        "status": "open",
        "opened_at": (now - dt.timedelta(days=4)).isoformat(),
        "due_at": (now + dt.timedelta(days=3)).isoformat(),
        "overdue": False,
        "resolved_by": None,
        "resolved_at": None,
        "resolution": None,
        "text": "该户家中新建楼房",
        "contact": None,
    }

    async def one_ticket(route: Route) -> None:
        await route.fulfill(json=[ticket])

    async def the_notice(route: Route) -> None:
        await route.fulfill(json=ended_notice(notice_id, case_id))

    await page.route(f"**{ID}/objections?*", one_ticket)
    await page.route(f"**{ID}/public/notices/{notice_id}", the_notice)
    try:
        for language, button in (("zh-CN", "中文"), ("en", "English")):
            await choose_language(page, button)
            await page.goto(f"{base}/console/#/objections")
            await page.locator("#view [data-action=resolve]").click()
            dialog = page.locator("dialog[open]")
            dismissed = dialog.locator("label.check", has=page.locator("#r-dismissed"))
            await expect(dismissed).to_have_text(say(language, "objections.outcome_dismissed_ended"))
            await expect(dialog).not_to_contain_text("继续公示")
            await dialog.locator(".dialog-buttons button[type=button]").first.click()
            await expect(page.locator("dialog[open]")).to_have_count(0)
    finally:
        await page.unroute(f"**{ID}/objections?*")
        await page.unroute(f"**{ID}/public/notices/{notice_id}")
