"""The web console in a real browser: Debian's headless Chromium driven by Playwright, against the real
gateway, registry and identification processes (tests/e2e/platform.py: one real county's division tree).

Accounts are made through the gateway's admin API and households through the registry API; the browser
then signs in (Chinese UI), reads the dashboard counts, drills down, switches to English, pages through
the household and case lists ("load more" only while there is a next page), opens a household and reads
its history in its language, is offered only the steps its tier may take, meets a 404 problem in its
language, takes an identification step, watches the live feed (events by label, villages by name,
households by their head), and reads the public notice board without signing in. Screenshots land in FUPIN_CONSOLE_SCREENSHOTS (default: the test's
temporary folder) so a person can look at them.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright, expect
from sqlalchemy import text

from fupin_kit.db import create_engine
from fupin_kit.pii import check_digit
from fupin_kit.testing import Stack
from tests.e2e.platform import (
    COUNTY,
    PASSWORD,
    SIBLING,
    TOWNSHIP,
    VILLAGE,
    Platform,
    eventually,
    running_platform,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REG = "/api/v1/registry"
ID = "/api/v1/identification"
VOTE = {"meeting_on": "2026-11-20", "representatives": 30, "present": 24, "votes_for": 20, "votes_against": 2}
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.timeout(240)


def resident_id(serial: int, male: bool) -> str:
    first17 = f"520102{1950 + serial:04d}0412{(2 * serial + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


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
        "village_group": "二组",
        "address": "纪念塔路 8 号",
        "head_name": head,
        "phone": "13800000000",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "living": {"housing_area": "72.5", "housing_safety_grade": "C", "drinking_water": "safe"},
        "members": [
            member("head", resident_id(serial, True), head, "male"),
            member("spouse", resident_id(serial + 50, False), "李秀英", "female"),
        ],
    }


async def make_account(platform: Platform, username: str, tier: str, division: str, roles: list[str]) -> None:
    body = {
        "username": username,
        "display_name": "王建国",
        "tier": tier,
        "division": division,
        "roles": roles,
        "password": PASSWORD,
    }
    await platform.call("POST", "/admin/users", "root", body, expect=201)


async def registered_last_year(platform: Platform, stack: Stack, household_id: str) -> None:
    """The household's history so far moved a year back, in the registry's own database (no API dates a
    registration): a household registered last year may exit this year."""
    registry = next(process for process in platform.processes if process.service == "registry")
    engine = create_engine(stack.settings("registry", registry.env["FUPIN_DATABASE_NAME"]), pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE household_history SET at = at - interval '1 year' WHERE household_id = :h"),
                {"h": uuid.UUID(household_id)},
            )
    finally:
        await engine.dispose()


async def seed(platform: Platform, stack: Stack) -> dict[str, Any]:
    """Accounts, six households in two villages with every status colour, two cases and an open notice."""
    await make_account(platform, "console.county", "county", COUNTY, ["officer"])
    await make_account(platform, "console.cadre", "village", VILLAGE, ["cadre"])
    await make_account(platform, "console.township", "township", TOWNSHIP, ["officer"])
    await make_account(platform, "console.disabled", "village", VILLAGE, ["cadre"])
    await platform.call("POST", "/admin/users/console.disabled/disable", "root")
    # Locked by ten wrong passwords (identity/throttle.py).
    await make_account(platform, "console.locked", "village", VILLAGE, ["cadre"])
    wrong = {"grant_type": "password", "username": "console.locked", "password": "not the password at all"}
    for _ in range(10):
        assert (await platform.client.post("/oauth/token", data=wrong)).status_code == 400
    await platform.login("cadre", "console.cadre")
    await platform.login("township", "console.township")
    platform.tokens["county"] = stack.token("county", COUNTY, ["officer"], subject="user:console.county")

    clock = await platform.call("POST", f"{ID}/admin/clock", "root", {"advance_s": 0})
    year = int(clock["now"][:4])
    for division in ("520000000000", "520100000000", COUNTY, TOWNSHIP, VILLAGE):
        quota = {"division": division, "year": year, "amount": 50, "reason": "年度贫困人口规模"}
        await platform.call("PUT", f"{ID}/quotas", "root", quota)

    heads = {
        "applied_ok": "张大山",
        "applied": "赵有才",
        "red": "钱满仓",
        "green": "孙有福",
        "yellow": "李富贵",
    }
    ids: dict[str, str] = {}
    for serial, (key, head) in enumerate(heads.items(), start=1):
        created = await platform.call(
            "POST", f"{REG}/households", "cadre", household_body(VILLAGE, serial, head), expect=201
        )
        ids[key] = str(created["id"])
    sibling = await platform.call(
        "POST", f"{REG}/households", "county", household_body(SIBLING, 9, "周建华"), expect=201
    )
    ids["sibling"] = str(sibling["id"])
    steps = {"red": ["register"], "green": ["register", "exit"], "yellow": ["register", "exit", "return"]}
    steps["sibling"] = ["register"]
    for key, actions in steps.items():
        for action in actions:
            if action == "exit":
                # Never in the year of registration (domain.md §4): as if registered last year.
                await registered_last_year(platform, stack, ids[key])
            command = {"action": action, "reason": "县级认定"}
            await platform.call("POST", f"{REG}/households/{ids[key]}/status-commands", "county", command)
    income = {"wage": "9000", "business": "2000", "transfer": "1500", "production_costs": "500"}
    await platform.call("PUT", f"{REG}/households/{ids['green']}/incomes/{year}", "county", income)

    async def apply(household_id: str) -> str | None:
        body = {
            "household_id": household_id,
            "year": year,
            "authorisation": {"signed": True, "signed_by": "户主", "signed_on": "2026-11-20"},
        }
        case = await platform.call("POST", f"{ID}/cases", "cadre", body, expect=201)
        return str(case["id"])

    noticed = await eventually(lambda: apply(ids["applied_ok"]), "identification to know the household")
    waiting = await eventually(lambda: apply(ids["applied"]), "identification to know the household")
    await platform.call(
        "POST", f"{ID}/cases/{noticed}/actions/verify", "cadre", {"finding": {"survey": "属实"}}
    )
    await platform.call("POST", f"{ID}/cases/{noticed}/actions/village_review", "cadre", {"finding": VOTE})
    notice = await platform.call(
        "POST", f"{ID}/notices", "township", {"division": VILLAGE, "kind": "first"}, expect=201
    )
    head_id = resident_id(1, True)
    return {
        "households": ids,
        "case": waiting,
        "noticed": noticed,
        "notice": notice["id"],
        "head_id": head_id,
        "year": year,
    }


async def press_hidden_load_more(page: Page, rows: Any, count: int) -> None:
    """The hidden "load more" button, pressed anyway (dispatched): no API call, the rows stay as they are
    (it once fetched page 1 again and appended it)."""
    requests: list[str] = []

    def record(request: Any) -> None:
        requests.append(request.url)

    page.on("request", record)
    await page.locator("button.load-more").dispatch_event("click")
    await page.wait_for_timeout(500)
    page.remove_listener("request", record)
    assert not [url for url in requests if "/api/" in url], requests
    await expect(rows).to_have_count(count)


async def check_paging(page: Page, base: str, view: str, row: str, expected: set[str], limit: int) -> None:
    """A list shorter than a page has no "load more" button; read `limit` rows a page (`?limit=`), the list
    grows page by page to exactly `expected`, without a row twice, and the button goes at the end."""
    rows = page.locator(row)
    more = page.locator("button.load-more")
    await page.goto(f"{base}/console/#/{view}")
    await expect(rows).to_have_count(len(expected))
    await expect(more).to_be_hidden()
    await press_hidden_load_more(page, rows, len(expected))

    await page.goto(f"{base}/console/#/{view}?limit={limit}")
    await expect(rows).to_have_count(limit)
    await expect(more).to_be_visible()
    for _ in range(len(expected)):
        if not await more.is_visible():
            break
        await more.click()  # disabled until the page is in
        await expect(more).to_be_enabled()
    await expect(more).to_be_hidden()
    keys = await rows.evaluate_all("rows => rows.map((r) => r.dataset.household || r.dataset.case)")
    assert len(keys) == len(set(keys)) and set(keys) == expected, keys
    await press_hidden_load_more(page, rows, len(expected))


async def shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"console-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, username: str) -> None:
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("body.signed-in")).to_be_visible(timeout=TIMEOUT_MS)


@dataclass
class Folders:
    shots: Path  # screenshots, kept when FUPIN_CONSOLE_SCREENSHOTS names a folder
    platform: Path
    profile: Path  # a fresh --user-data-dir for Chromium


@pytest.fixture
def folders(tmp_path: Path) -> Iterator[Folders]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the console test needs Debian's Chromium "
            "(`make install` and .ci/run install it; by hand: apt-get install chromium)"
        )
    keep = os.environ.get("FUPIN_CONSOLE_SCREENSHOTS")
    made = Folders(Path(keep) if keep else tmp_path / "shots", tmp_path / "platform", tmp_path / "profile")
    for folder in (made.shots, made.platform):
        folder.mkdir(parents=True, exist_ok=True)
    yield made
    print(f"console screenshots: {made.shots}")
    if not keep:
        shutil.rmtree(made.shots, ignore_errors=True)


async def test_console_in_headless_chromium(fupin_stack: Stack, folders: Folders) -> None:
    async with running_platform(fupin_stack, folders.platform) as platform:
        data = await seed(platform, fupin_stack)
        base = str(platform.client.base_url).rstrip("/")
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                str(folders.profile),
                executable_path=str(CHROMIUM),
                args=CHROMIUM_FLAGS,
                headless=True,
                viewport={"width": 1280, "height": 900},
                accept_downloads=True,
            )
            try:
                page = context.pages[0] if context.pages else await context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                await run_console(page, base, data, folders.shots)
                assert not errors, errors
            finally:
                await context.close()


async def run_console(page: Page, base: str, data: dict[str, Any], shots: Path) -> None:
    households: dict[str, str] = data["households"]
    # The gateway's root redirects to the console; the default language is Chinese.
    await page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/console/")
    await expect(page.locator("#page-title")).to_have_text("干部登录")
    assert await page.locator("html").get_attribute("lang") == "zh-CN"

    # A wrong password, then a disabled account: said in Chinese (the token endpoint answers in English,
    # both as RFC 6749's 400 invalid_grant), with the status code for whoever helps.
    await page.locator("#username").fill("console.county")
    await page.locator("#password").fill("not the password at all")
    await page.locator("form button[type=submit]").click()
    problem = page.locator(".problem[role=alert]")
    await expect(problem).to_contain_text("用户名或密码不正确")
    await expect(problem).to_contain_text("400")
    assert "credentials" not in await problem.inner_text()
    await page.locator("#username").fill("console.disabled")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(problem).to_contain_text("此账号已停用")
    await expect(problem).to_contain_text("400")
    assert "disabled" not in await problem.inner_text()
    await page.locator("#username").fill("console.locked")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(problem).to_contain_text("此账号已暂时锁定，请 15 分钟后再试")
    assert "locked" not in await problem.inner_text()

    await sign_in(page, "console.county")
    await expect(page.locator("#page-title")).to_have_text("辖区概览")
    await expect(page.locator("#user-info")).to_contain_text("console.county")
    await expect(page.locator("#user-info")).to_contain_text("县级")
    await expect(page.locator("#user-info")).to_contain_text("南明区")
    township_row = page.locator(f"tr[data-division='{TOWNSHIP}']")
    await expect(township_row.locator("td.num").first).to_have_text("6")
    await expect(township_row.locator("td.num").nth(1)).to_have_text("12")  # people: two per household
    await expect(page.locator("thead")).to_contain_text("人数")
    await shot(page, shots, "1-dashboard-zh")

    # Drill down into the township: its villages, with the status colours; the breadcrumb leads back.
    await township_row.locator("a").click()
    village_row = page.locator(f"tr[data-division='{VILLAGE}']")
    await expect(village_row.locator("td.num").first).to_have_text("5")
    await expect(village_row.locator(".count-red")).to_have_text("1")
    await expect(village_row.locator(".count-green")).to_have_text("1")
    await expect(village_row.locator(".count-yellow")).to_have_text("1")
    await expect(page.locator(f"tr[data-division='{SIBLING}'] td.num").first).to_have_text("1")
    await expect(page.locator(".breadcrumb a", has_text="南明区")).to_be_visible()
    await shot(page, shots, "2-drilldown-zh")

    # English: every label changes, the choice is remembered.
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("#page-title")).to_have_text("Jurisdiction overview")
    await expect(page.locator("#nav")).to_contain_text("Households")
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.evaluate("localStorage.getItem('fupin.lang')") == "en"
    await shot(page, shots, "3-drilldown-en")

    # Households: filter by status, then open one and see its members with full IDs (county tier).
    await page.locator("#nav a[href='#/households']").click()
    await expect(page.locator("#page-title")).to_have_text("Households")
    await expect(page.locator("tr[data-household]")).to_have_count(6)
    await check_paging(page, base, "households", "tr[data-household]", set(households.values()), 2)
    await page.locator("#f-status").select_option("registered")
    await page.locator(".filters button[type=submit]").click()
    await expect(page.locator("tr[data-household]")).to_have_count(2)
    await page.goto(f"{base}/console/#/households?status=monitored")  # none: the empty row, no button
    await expect(page.locator("tbody td", has_text="No households match")).to_be_visible()
    await expect(page.locator("button.load-more")).to_be_hidden()
    await page.goto(f"{base}/console/#/households/{households['applied_ok']}")
    await expect(page.locator("#page-title")).to_have_text("Household of 张大山")
    members = page.locator("tr[data-member]")
    await expect(members).to_have_count(2)
    await expect(members.first).to_contain_text("张大山")
    await expect(page.locator(".resident-id", has_text=data["head_id"])).to_be_visible()
    await expect(page.locator("tr[data-member]", has_text="李秀英")).to_contain_text("Spouse")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Download household card (PDF)").click()
    assert (await download.value).suggested_filename.endswith(".pdf")
    await shot(page, shots, "4-household-en")

    # Its history in the reader's language: what happened by its label, a status change by the statuses'
    # names, the income record the registry words itself ("2026 income") as a sentence; the reason a
    # person typed stays as written.
    await page.goto(f"{base}/console/#/households/{households['green']}")
    await expect(page.locator("#page-title")).to_have_text("Household of 孙有福")
    history = page.locator("ol.history")
    registered = history.locator("li[data-action=register]")
    await expect(registered.locator("strong")).to_have_text("Registered as poor")
    await expect(registered.locator(".status-change")).to_have_text("Candidate → Registered poor")
    await expect(registered.locator(".history-reason")).to_have_text("县级认定")
    await expect(registered).to_contain_text("County")
    exited = history.locator("li[data-action=exit] .status-change")
    await expect(exited).to_have_text("Registered poor → Exited poverty")
    income = history.locator("li[data-action='income.recorded'] .history-reason")
    await expect(income).to_have_text(f"Income of {data['year']} recorded")
    assert f"{data['year']} income" not in await history.inner_text()
    await shot(page, shots, "4b-history-en")

    # Identification: a county officer may not verify: no button is offered, the step is named as another
    # tier's.
    await check_paging(page, base, "cases", "tr[data-case]", {data["case"], data["noticed"]}, 1)
    await page.locator("#nav a[href='#/cases']").click()
    case_row = page.locator(f"tr[data-case='{data['case']}']")
    await expect(case_row.locator("[data-state]")).to_have_text("Applied")
    await expect(case_row.locator(".elsewhere")).to_contain_text("Verify at home")
    await expect(case_row.locator("button[data-action=verify]")).to_have_count(0)
    await shot(page, shots, "5-case-county-en")
    # The state filter offers the states by name, not internal codes to type.
    await page.locator("#c-state").select_option(label="Applied")
    await page.locator("form.filters button[type=submit]").click()
    await expect(page).to_have_url(re.compile(r"#/cases\?state=applied"))
    await expect(case_row.locator("[data-state]")).to_have_text("Applied")

    # The live feed (fetch streaming with the bearer token): the registry's events of the county.
    await page.locator("#nav a[href='#/feed']").click()
    await expect(page.locator(".feed-item").first).to_be_visible(timeout=30_000)
    await expect(page.locator(".feed-status")).to_have_attribute("data-state", "live")
    # Every event has its label, not its CloudEvents type.
    await expect(page.locator(".feed-item strong", has_text="Household created").first).to_be_visible()
    labels = await page.locator(".feed-item strong").all_inner_texts()
    assert labels and not [label for label in labels if label.startswith("fupin.")], labels
    # Where and what: the village by its name, not its code; the household by its head, linking to it.
    village = page.locator(f".feed-item .feed-division[data-division='{VILLAGE}']").first
    await expect(village).to_have_text("纪念塔社区")
    await expect(page.locator(".feed-division", has_text=re.compile(r"^\d{12}$"))).to_have_count(0)
    created = page.locator(
        ".feed-item[data-type='fupin.registry.household.created.v1'] .feed-subject a",
        has_text="Household of 张大山",
    )
    await expect(created).to_have_attribute("href", f"#/households/{households['applied_ok']}")
    subjects = await page.locator(".feed-item .feed-subject").all_inner_texts()
    assert subjects and not [text for text in subjects if "/" in text], subjects
    await shot(page, shots, "5b-feed-en")

    # A problem is named in the reader's language; the service's words follow.
    await page.goto(f"{base}/console/#/households/00000000-0000-0000-0000-000000000000")
    await expect(page.locator(".problem[role=alert] strong")).to_have_text(
        "Not found (or outside your jurisdiction) (404)"
    )

    # The village cadre takes the step.
    await page.locator("#logout").click()
    await expect(page.locator("#page-title")).to_have_text("Cadre sign-in")
    await sign_in(page, "console.cadre")
    await expect(page.locator("#user-info")).to_contain_text("Village")
    await page.locator("#nav a[href='#/cases']").click()
    await case_row.locator("button[data-action=verify]").click()
    await page.locator("#s-survey").fill("入户核实：因病致贫属实")
    await page.locator("dialog button[type=submit]").click()
    await expect(case_row.locator("[data-state]")).to_have_text("Verified")
    # The village review's record starts empty and cannot be sent so: nothing is invented for the cadre.
    await case_row.locator("button[data-action=village_review]").click()
    for key in ("meeting", "representatives", "present", "votes_for", "votes_against", "abstentions"):
        await expect(page.locator(f"#s-{key}")).to_have_value("")
    await page.locator("dialog button[type=submit]").click()
    await expect(page.locator("dialog.step-dialog")).to_be_visible()
    await expect(case_row.locator("[data-state]")).to_have_text("Verified")
    await page.locator("dialog button[type=button]").click()
    await expect(case_row.locator("button[data-action=village_review]")).to_be_visible()

    # The public notice board, signed out, back in Chinese: masked names only.
    await page.locator("#logout").click()
    await page.get_by_role("button", name="中文").click()
    await page.goto(f"{base}/console/#/board?division={VILLAGE}")
    await expect(page.locator("#page-title")).to_have_text("公示公告栏")
    notice_link = page.locator(f"a[href='#/board/{data['notice']}']")
    await expect(notice_link).to_contain_text("第一次公示")
    await notice_link.click()
    entries = page.locator("tbody tr")
    await expect(entries).to_have_count(1)
    assert re.search(r"张\*|\*", await entries.first.inner_text())
    assert data["head_id"] not in await page.content()
    await shot(page, shots, "6-board-zh")
