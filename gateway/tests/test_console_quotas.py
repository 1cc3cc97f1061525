"""The console's quotas page (规模控制) in a real browser: Debian's headless Chromium driven by Playwright,
against the real gateway, registry and identification processes (tests/e2e/platform.py).

The tiers above set the province's, city's, county's and one township's quotas through the API; the county
officer reads the county's quota and its townships', sets another township's through the dialog, reads the
adjustment in its history, is refused a quota above the county's in readable words, and reads the page in
English; a village cadre reads their village's quota with nothing to set. Alongside, what QA8 console-cadre
found on other pages: every village of a county's page of households named (CC-1), the typed username kept
when the sign-in page changes language (CC-2), and an announcement's (公告) lines worded as an
announcement's, not as a notice's that ended (CC-4).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect
from sqlalchemy import text

from fupin_kit.db import create_engine
from fupin_kit.pii import check_digit
from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    CHINA,
    ID,
    REG,
    TIMEOUT_MS,
    choose_language,
    console_page,
    platform_dir,
)
from tests.e2e.platform import COUNTY, PASSWORD, TOWNSHIP, VILLAGE, Platform, eventually, running_platform

# More villages than the console once looked up on one page (CC-1: the first 30 only).
VILLAGES_ON_A_PAGE = 33
QUOTAS = {"520000000000": 1000, "520100000000": 500, COUNTY: 100, TOWNSHIP: 40, VILLAGE: 12}

pytestmark = pytest.mark.timeout(300)


def resident_id(serial: int, male: bool) -> str:
    first17 = f"5201021960041{serial % 10}{2 * serial + (1 if male else 0):03d}"[:17]
    return first17 + check_digit(first17)


GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def head_name(serial: int) -> str:
    """A name of its own for each household (a person's name holds no digit)."""
    return f"张{GIVEN[serial % len(GIVEN)]}{GIVEN[serial // len(GIVEN) % len(GIVEN)]}"


def household_body(division: str, serial: int, head: str) -> dict[str, Any]:
    def member(relation: str, rid: str, name: str, sex: str) -> dict[str, Any]:
        return {
            "name": name,
            "sex": sex,
            "resident_id": rid,
            "relation": relation,
            "health": "healthy",
            "labour_capacity": "ordinary",
        }

    return {
        "division": division,
        "village_group": "一组",
        "address": "花果园 3 号",
        "head_name": head,
        "phone": "13800000000",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "living": {"housing_area": "60", "housing_safety_grade": "B", "drinking_water": "safe"},
        "members": [
            member("head", resident_id(serial, True), head, "male"),
            member("spouse", resident_id(serial + 200, False), "王秀英", "female"),
        ],
    }


async def make_account(platform: Platform, username: str, tier: str, division: str, roles: list[str]) -> None:
    body = {
        "username": username,
        "display_name": "张建国",
        "tier": tier,
        "division": division,
        "roles": roles,
        "password": PASSWORD,
    }
    await platform.call("POST", "/admin/users", "root", body, expect=201)


async def children(platform: Platform, code: str) -> list[dict[str, Any]]:
    page = await platform.call("GET", f"{REG}/divisions/{code}/children?limit=1000", "county")
    return list(page["items"])


async def county_villages(platform: Platform, wanted: int) -> list[str]:
    villages: list[str] = []
    for township in await children(platform, COUNTY):
        villages += [village["code"] for village in await children(platform, township["code"])]
        if len(villages) >= wanted:
            break
    assert len(villages) >= wanted, f"the county has only {len(villages)} villages"
    return villages[:wanted]


async def seed(platform: Platform) -> dict[str, Any]:
    """Accounts, the quota chain down to one township and its village, a household in each of more villages
    than one page once named, and a case of the village's on an announcement."""
    await make_account(platform, "quota.county", "county", COUNTY, ["officer"])
    await make_account(platform, "quota.cadre", "village", VILLAGE, ["cadre"])
    await platform.login("county", "quota.county")
    await platform.login("cadre", "quota.cadre")
    clock = await platform.call("POST", f"{ID}/admin/clock", "root", {"advance_s": 0})
    year = int(clock["now"][:4])
    today = dt.datetime.fromisoformat(clock["now"]).astimezone(CHINA).date().isoformat()
    for division, amount in QUOTAS.items():
        quota = {"division": division, "year": year, "amount": amount, "reason": "年度贫困人口规模"}
        await platform.call("PUT", f"{ID}/quotas", "root", quota)
    townships = [township["code"] for township in await children(platform, COUNTY)]
    other = next(code for code in townships if code != TOWNSHIP)
    households = []
    for serial, village in enumerate(await county_villages(platform, VILLAGES_ON_A_PAGE), start=1):
        body = household_body(village, serial, head_name(serial))
        households.append(await platform.call("POST", f"{REG}/households", "county", body, expect=201))
    mine = next(household for household in households if household["division"] == VILLAGE)
    authorisation = {"signed": True, "signed_by": "户主", "signed_on": today}
    application = {"household_id": mine["id"], "year": year, "authorisation": authorisation}
    case = await eventually(
        lambda: platform.call("POST", f"{ID}/cases", "cadre", application, expect=201),
        "identification to know the household",
    )
    return {"year": year, "other": other, "case": str(case["id"]), "head": mine["head_name"]}


async def announce(platform: Platform, stack: Stack, case_id: str) -> str:
    """A village's announcement (公告) listing the case, written into identification's own database: the
    whole procedure up to the county's announcement is test_console's business, the board's wording is this."""
    service = next(process for process in platform.processes if process.service == "identification")
    engine = create_engine(stack.settings("identification", service.env["FUPIN_DATABASE_NAME"]), pool_size=1)
    notice_id = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO notices (id, division, kind, starts_at, ends_at, status, opened_by) "
                    "VALUES (:id, :division, 'announcement', :now, :now, 'published', 'user:quota.county')"
                ),
                {"id": notice_id, "division": VILLAGE, "now": now},
            )
            # The line keeps the household as posted (head and size), copied from the read model as the
            # service's own posting does.
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


async def sign_in(page: Page, username: str) -> None:
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("body.signed-in")).to_be_visible(timeout=TIMEOUT_MS)


async def sign_out(page: Page, base: str) -> None:
    await page.locator("#logout").click()
    await expect(page.locator("body.signed-in")).to_have_count(0)
    await page.goto(f"{base}/console/#/login")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return platform_dir(tmp_path)


async def test_quotas_page(fupin_stack: Stack, workdir: Path) -> None:
    async with running_platform(fupin_stack, workdir) as platform:
        data = await seed(platform)
        notice = await announce(platform, fupin_stack, data["case"])
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await page.goto(f"{base}/console/#/login")
            await username_kept_across_languages(page)
            await typed_while_the_labels_load(page)
            await announcement_lines(page, base, notice, data["head"])
            await sign_in(page, "quota.county")
            await every_village_named(page, base)
            await county_sets_a_township_quota(page, base, data)
            await sign_out(page, base)
            await sign_in(page, "quota.cadre")
            await village_cadre_reads_only(page, base, data["year"])
            assert not errors, errors


async def username_kept_across_languages(page: Page) -> None:
    """CC-2: the username typed on the sign-in page survives a change of language (the page is built anew)."""
    await expect(page.locator("#page-title")).to_have_text("干部登录")
    await page.locator("#username").fill("quota.county")
    await choose_language(page, "English")
    await expect(page.locator("#page-title")).to_have_text("Cadre sign-in")
    await expect(page.locator("#username")).to_have_value("quota.county")
    await choose_language(page, "中文")
    await expect(page.locator("#page-title")).to_have_text("干部登录")
    await expect(page.locator("#username")).to_have_value("quota.county")


async def typed_while_the_labels_load(page: Page) -> None:
    """What a cadre types while the other language's labels are still on their way is in the form built anew
    in that language, the password too, and the sign-in is not refused as empty. Before, the form was
    emptied by the redraw (CI stop 21: a slow label file between typing and pressing 登录)."""
    await page.locator("#username").fill("")
    labels_asked = asyncio.Event()
    release = asyncio.Event()

    async def held(route: Route) -> None:
        labels_asked.set()
        await release.wait()
        await route.continue_()

    await page.route("**/i18n/en.json", held)
    try:
        await page.get_by_role("button", name="English").click()
        await asyncio.wait_for(labels_asked.wait(), TIMEOUT_MS / 1000)
        await page.locator("#username").fill("quota.county")
        await page.locator("#password").fill(PASSWORD)
        release.set()
        await expect(page.locator("#page-title")).to_have_text("Cadre sign-in")
    finally:
        release.set()
        await page.unroute("**/i18n/en.json")
    await expect(page.locator("#username")).to_have_value("quota.county")
    await expect(page.locator("#password")).to_have_value(PASSWORD)
    await choose_language(page, "中文")
    await expect(page.locator("#page-title")).to_have_text("干部登录")
    await expect(page.locator("#password")).to_have_value(PASSWORD)
    await page.locator("#username").fill("")
    await page.locator("#password").fill("")


async def announcement_lines(page: Page, base: str, notice: str, head: str) -> None:
    """CC-4: an announcement has no notice period, so its lines do not say the notice ended."""
    await page.goto(f"{base}/console/#/board/{notice}")
    line = page.locator("tbody tr[data-status=listed]")
    await expect(line).to_contain_text(head[0])
    await expect(line.locator("td").nth(4)).to_have_text("已公告")
    await choose_language(page, "English")
    await expect(line.locator("td").nth(4)).to_have_text("Announced")
    await choose_language(page, "中文")
    await expect(line.locator("td").nth(4)).to_have_text("已公告")
    await page.goto(f"{base}/console/#/login")


async def every_village_named(page: Page, base: str) -> None:
    """CC-1: a county's page of households spanning more than 30 villages names every village."""
    await page.goto(f"{base}/console/#/households")
    rows = page.locator("tbody tr[data-household]")
    await expect(rows).to_have_count(VILLAGES_ON_A_PAGE)
    villages = await rows.evaluate_all("rows => rows.map((r) => r.cells[1].textContent)")
    assert not [name for name in villages if re.fullmatch(r"\d{12}", name)], villages


async def county_sets_a_township_quota(page: Page, base: str, data: dict[str, Any]) -> None:
    """The county reads its quota and its townships', sets one township's in the dialog, reads the change
    in the row and in its history, is refused a township quota above its own, and reads it all in English."""
    year, other = data["year"], data["other"]
    await page.locator("#nav a[href='#/quotas']").click()
    await expect(page.locator("#page-title")).to_have_text("规模控制")
    await expect(page.locator(".stats .stat").first.locator(".stat-value")).to_have_text("100")
    township = page.locator(f"tr[data-division='{TOWNSHIP}']")
    await expect(township.locator("td").nth(1)).to_have_text("40")
    row = page.locator(f"tr[data-division='{other}']")
    await expect(row.locator("td").nth(1)).to_have_text("—")
    # A year is written as a year, not as a figure with a thousands separator ("2,026").
    await expect(page.locator("table caption")).to_contain_text(f"{year} 年度")
    await row.locator("button[data-action=set-quota]").click()
    dialog = page.locator("dialog.step-dialog")
    await expect(dialog.locator("#q-title")).to_contain_text(str(year))
    await dialog.locator("#q-amount").fill("30")
    await dialog.locator("#q-reason").fill("按建档立卡人口分解")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_have_count(0)
    await expect(row.locator("td").nth(1)).to_have_text("30")
    await expect(row).to_have_class(re.compile(r"\bupdated\b"))
    await expect(page.locator(".stats .stat").nth(2).locator(".stat-value")).to_have_text("70")
    await row.locator("button[data-action=quota-history]").click()
    history = page.locator("dialog.step-dialog")
    await expect(history.locator("li")).to_have_count(1)
    await expect(history.locator("li")).to_contain_text("设为 30 人")
    await expect(history.locator("li")).to_contain_text("按建档立卡人口分解")
    await expect(history.locator("li")).to_contain_text("quota.county")
    await history.get_by_role("button", name="关闭").click()
    await expect(history).to_have_count(0)

    await township.locator("button[data-action=set-quota]").click()
    await dialog.locator("#q-amount").fill("500")
    await dialog.locator("#q-reason").fill("扩大规模")
    await dialog.locator("button[type=submit]").click()
    problem = dialog.locator(".problem[role=alert]")
    await expect(problem).to_have_attribute("data-message", "codes.quota-exceeded")
    await expect(problem).to_contain_text("409")
    await expect(problem.locator(".problem-message")).not_to_contain_text("children of")
    await dialog.get_by_role("button", name="取消").click()
    await expect(township.locator("td").nth(1)).to_have_text("40")

    await choose_language(page, "English")
    await expect(page.locator("#page-title")).to_have_text("Quotas")
    await expect(page.locator("#nav a[href='#/quotas']")).to_have_text("Quotas")
    await expect(page.locator("thead th").nth(2)).to_have_text("Quota (people)")
    await expect(row.locator("button[data-action=set-quota]")).to_have_text("Adjust")
    await choose_language(page, "中文")
    await expect(page.locator("#page-title")).to_have_text("规模控制")
    # A township's villages are rows too; a village has nothing below to drill into.
    await page.goto(f"{base}/console/#/quotas?division={TOWNSHIP}&year={year}")
    await expect(page.locator(f"tr[data-division='{VILLAGE}'] td").nth(1)).to_have_text("12")
    await expect(page.locator(f"tr[data-division='{VILLAGE}'] th a")).to_have_count(0)


async def village_cadre_reads_only(page: Page, base: str, year: int) -> None:
    """A village cadre reads the village's quota, sets nothing, and cannot look beyond the village."""
    await page.goto(f"{base}/console/#/quotas?division={COUNTY}&year={year}")
    await expect(page.locator("#page-title")).to_have_text("规模控制")
    await expect(page.locator(".stats .stat").first.locator(".stat-value")).to_have_text("12")
    await expect(page.locator("button[data-action=set-quota]")).to_have_count(0)
    await expect(page.locator(".problem")).to_have_count(0)
