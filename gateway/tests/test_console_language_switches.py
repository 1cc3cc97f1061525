"""Two language switches pressed one after the other, before the first one is done, in headless Chromium.

The console is served as the gateway serves it (fupin_gateway.console.router.install on an app of its own);
the one API the public notice board reads is answered here, so a switch's page can be held while it loads.
Before, a switch pressed while the previous one's labels were on their way was taken for the language
already shown and dropped (中文 pressed again during a slow English load left the console in English),
and one pressed while the previous one's page was still loading took the loading placeholder for the form,
so what had been typed into it was lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from playwright.async_api import Page, Route, async_playwright, expect

from fupin_gateway.console.router import install
from fupin_kit.testing import InProcessServer
from tests.e2e.console_kit import CHROMIUM_FLAGS, TIMEOUT_MS, chromium

pytestmark = pytest.mark.timeout(120)

COUNTY = "522632000000"
TYPED = "520102000000"
NO_NOTICES = json.dumps({"items": [], "next_after": None})


class Held:
    """A route answered only once released; `asked` is set when the browser has asked for it."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.released = asyncio.Event()

    async def __call__(self, route: Route) -> None:
        self.asked.set()
        await self.released.wait()
        await route.continue_()


@asynccontextmanager
async def console() -> AsyncIterator[tuple[Page, str, list[str]]]:
    app = FastAPI()
    install(app)
    async with InProcessServer(app) as server, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            context = await browser.new_context(timezone_id="Asia/Shanghai")
            await context.route(
                "**/api/v1/identification/public/notices?*",
                lambda route: route.fulfill(content_type="application/json", body=NO_NOTICES),
            )
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, server.url, errors
        finally:
            await browser.close()


async def test_the_language_pressed_last_is_the_one_shown() -> None:
    async with console() as (page, base, errors):
        await page.goto(f"{base}/console/#/login")
        await expect(page.locator("#page-title")).to_have_text("干部登录")
        await page.locator("#username").fill("county.officer")
        english = Held()
        await page.route("**/i18n/en.json", english)
        await page.get_by_role("button", name="English").click()
        await asyncio.wait_for(english.asked.wait(), TIMEOUT_MS / 1000)
        await page.get_by_role("button", name="中文").click()
        english.released.set()
        # The English page may be shown for a moment: what counts is where the switches end.
        await page.wait_for_timeout(1000)
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(page.locator("#page-title")).to_have_text("干部登录")
        assert await page.evaluate("localStorage.getItem('fupin.lang')") == "zh-CN"
        await expect(page.locator("#username")).to_have_value("county.officer")
        assert not errors, errors


async def test_what_was_typed_stays_through_two_switches_while_the_page_loads() -> None:
    async with console() as (page, base, errors):
        await page.goto(f"{base}/console/#/board?division={COUNTY}")
        await expect(page.locator("#page-title")).to_have_text("公示公告栏")
        await page.locator("#b-division").fill(TYPED)
        notices = Held()
        await page.route("**/api/v1/identification/public/notices?*", notices)
        await page.get_by_role("button", name="English").click()
        await asyncio.wait_for(notices.asked.wait(), TIMEOUT_MS / 1000)
        await page.get_by_role("button", name="中文").click()
        await page.wait_for_timeout(500)
        notices.released.set()
        await page.wait_for_timeout(1000)
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(page.locator("#page-title")).to_have_text("公示公告栏")
        await expect(page.locator("#b-division")).to_have_value(TYPED)
        assert not errors, errors
