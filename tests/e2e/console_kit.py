"""What the console's browser tests share: Debian's Chromium and its flags, the API prefixes, the console's
labels as each language says them, and a two-member household in the end-to-end platform's village.

The browser tests are standalone modules (pytest cannot import one test module from another); this is
their common ground, as tests/e2e/platform.py is for the platform they run against; `household_in` registers
a household and waits until a service's read model holds it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, Playwright, async_playwright, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from fupin_gateway.console.router import STATIC_DIR
from fupin_kit.pii import check_digit
from tests.e2e.platform import PASSWORD, VILLAGE, Platform, eventually

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
REG = "/api/v1/registry"
AS = "/api/v1/assistance"
ID = "/api/v1/identification"
CHINA = ZoneInfo("Asia/Shanghai")
TIMEOUT_MS = 15_000
LANGUAGES = ("zh-CN", "en")


def chromium() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (`make install` installs it; by hand: apt-get install chromium)")
    return str(CHROMIUM)


@dataclass
class _SharedBrowser:
    """One Chromium per test process, shared by its browser tests, each in a context of its own (cookies,
    storage and routes are per context): launching one per test cost 1.7 s, forty times a run. The test
    session's last fixture closes it (close_shared_browser, from the root conftest.py)."""

    playwright: Playwright | None = None
    browser: Browser | None = None


_shared = _SharedBrowser()


async def _browser() -> Browser:
    if _shared.browser is None or not _shared.browser.is_connected():
        if _shared.playwright is None:
            _shared.playwright = await async_playwright().start()
        _shared.browser = await _shared.playwright.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_FLAGS
        )
    return _shared.browser


async def close_shared_browser() -> None:
    browser, playwright = _shared.browser, _shared.playwright
    _shared.browser = _shared.playwright = None
    if browser is not None:
        await browser.close()
    if playwright is not None:
        await playwright.stop()


@asynccontextmanager
async def console_page() -> AsyncIterator[tuple[Page, list[str]]]:
    """A page of headless Chromium in China's time zone, in a browser context of its own, and the list its
    script errors are collected in (a test ends by asserting it empty)."""
    context = await (await _browser()).new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Asia/Shanghai"
    )
    try:
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, errors
    finally:
        await context.close()


async def sign_in(page: Page, base: str, username: str) -> None:
    """Signs an account of tests/e2e/platform.py (its one password) in at the console's login page."""
    await page.goto(f"{base}/console/#/login")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("body.signed-in")).to_be_visible(timeout=TIMEOUT_MS)


def platform_dir(tmp_path: Path) -> Path:
    """A folder for a browser test's platform, once Chromium is known to be there (a missing browser is
    refused before a platform is started for nothing)."""
    chromium()
    made = tmp_path / "platform"
    made.mkdir()
    return made


async def choose_language(page: Page, button: str) -> None:
    """Presses the header's language button ("中文" or "English") and waits for the labels to be in (the
    document's lang): a page opened before then would be built anew under the test's hands."""
    await page.get_by_role("button", name=button).click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if button == "中文" else "en")


def labels(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(STATIC_DIR) / "i18n" / f"{language}.json").read_text("utf-8"))
    return data


MESSAGES = {language: labels(language) for language in LANGUAGES}


def say(language: str, key: str, **params: str) -> str:
    """A label as the console says it (i18n.js `t`), its placeholders filled."""
    node: Any = MESSAGES[language]
    for part in key.split("."):
        node = node[part]
    assert isinstance(node, str), key
    return re.sub(r"\{(\w+)\}", lambda match: params[match.group(1)], node)


def resident_id(serial: int, male: bool) -> str:
    first17 = f"520102{1950 + serial:04d}0412{(2 * serial + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def household_body(
    serial: int, head: str, division: str = VILLAGE, living: dict[str, str] | None = None
) -> dict[str, Any]:
    """A head and a spouse (IDs from `serial` and `serial + 50`) in `division` (the platform's village),
    with `living` conditions when given."""

    def member(relation: str, rid: str, name: str, sex: str) -> dict[str, Any]:
        return {
            "name": name,
            "sex": sex,
            "resident_id": rid,
            "relation": relation,
            "health": "healthy",
            "labour_capacity": "ordinary",
        }

    body: dict[str, Any] = {
        "division": division,
        "village_group": "二组",
        "address": "纪念塔路 8 号",
        "head_name": head,
        "phone": "13800000000",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            member("head", resident_id(serial, True), head, "male"),
            member("spouse", resident_id(serial + 50, False), "李秀英", "female"),
        ],
    }
    if living is not None:
        body["living"] = living
    return body


Seen = Callable[[str, str], Awaitable[bool]]
"""Whether a service's read model holds a household (its id) in a status (its registry status code)."""


def assistance_sees(
    platform: Platform, village: str, *, unassigned: bool = False, in_status: bool = False
) -> Seen:
    """The assistance service's household list of `village` (its households without a helper when
    `unassigned`) holds the household, in the registry's status when `in_status`."""
    query = f"{AS}/households?division={village}" + ("&unassigned=true" if unassigned else "")

    async def seen(household: str, status: str) -> bool:
        listed = await platform.call("GET", query, "county")
        return any(item["id"] == household and (not in_status or item["status"] == status) for item in listed)

    return seen


def read_model_sees(engine: AsyncEngine) -> Seen:
    """A service's `rm_households` table (the evaluation service's read model, on `engine`) holds the
    household in the status."""

    async def seen(household: str, status: str) -> bool:
        async with engine.connect() as connection:
            held = await connection.scalar(
                text("SELECT status FROM rm_households WHERE household_id::text = :id"), {"id": household}
            )
        return bool(held == status)

    return seen


async def household_in(
    platform: Platform,
    serial: int,
    head: str,
    village: str = VILLAGE,
    *,
    actions: Sequence[str] = ("register",),
    author: str = "county",
    registered_on: str | None = None,
    decided_on: str | None = None,
    seen: Seen | None = None,
) -> str:
    """A household (`household_body`) created by `author` in `village`, taken by the county through the status
    commands `actions` (the registration `decided_on` when given), once `seen` holds it in its last status."""
    body = household_body(serial, head, village)
    if registered_on is not None:
        body["registered_on"] = registered_on
    created = await platform.call("POST", f"{REG}/households", author, body, expect=201)
    household, status = str(created["id"]), "candidate"
    for action in actions:
        command = {"action": action, "reason": "县级认定"}
        if action == "register" and decided_on is not None:
            command["decided_on"] = decided_on
        changed = await platform.call(
            "POST", f"{REG}/households/{household}/status-commands", "county", command
        )
        status = str(changed["status"]["code"])
    if seen is not None:
        check = seen

        async def held() -> bool | None:
            return True if await check(household, status) else None

        await eventually(held, f"a read model to hold household {household} ({status})")
    return household
