"""The console's paired assistance (结对帮扶) in a real browser against real processes (registry, assistance
and gateway on the session's PostgreSQL and broker): a household's helper (帮扶责任人) on its page, the 帮扶
page's list of registered households still without one, and a village's resident team (驻村工作队).

- A county officer assigns a helper to a registered household and changes it: the first shows as ended,
  with the change's reason.
- A township officer sees the households without a helper, and the list shrinks once one is assigned.
- A city officer reads the helper's phone masked and is offered no button.
- A county officer sends a resident team to a village, at 390 px and in English after a language switch.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, Route, ViewportSize, expect

from fupin_kit.envelope import dlq_topic
from fupin_kit.testing import ServiceProcess, Stack
from tests.e2e.console_kit import (
    REG,
    choose_language,
    console_page,
    household_body,
    platform_dir,
    say,
    sign_in,
)
from tests.e2e.platform import (
    COUNTY,
    NATION,
    TOWNSHIP,
    VILLAGE,
    Platform,
    county_subset,
    create_topics,
    eventually,
    registry_database,
)

AS = "/api/v1/assistance"
CITY = "520100000000"
NARROW: ViewportSize = {"width": 390, "height": 844}
FIRST_HELPER = {
    "name": "刘建华",
    "unit": "南明区农业农村局",
    "unit_tier": "county",
    "phone": "13812345678",
    "started_on": "2024-01-02",
}

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return platform_dir(tmp_path)


@asynccontextmanager
async def assistance_platform(stack: Stack, workdir: Path) -> AsyncIterator[Platform]:
    """The registry, the assistance service (its read model fed by the registry's events) and the gateway
    in front of both, as real processes."""
    await create_topics(stack)
    await stack.topics({dlq_topic("assistance"): 1})
    registry_db = await registry_database(stack, county_subset(workdir / "divisions-520102.csv.gz"))
    registry = ServiceProcess("registry", "registry", stack.env("registry", registry_db))
    assistance_db = await stack.fresh_database("assistance", "assistance")
    assistance = ServiceProcess("assistance", "assistance", stack.env("assistance", assistance_db))
    upstreams = {"registry": registry.url, "assistance": assistance.url}
    gateway_db = await stack.fresh_database("fupin_gateway", "gateway")
    gateway = ServiceProcess(
        "fupin_gateway", "gateway", stack.env("gateway", gateway_db, FUPIN_UPSTREAMS=json.dumps(upstreams))
    )
    processes = [registry, assistance, gateway]
    root = stack.token("nation", NATION, ["admin"], subject="user:root")
    try:
        for process in processes:
            process.start()
        await asyncio.gather(*(process.wait_ready(90) for process in processes))
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            platform = Platform(client, processes, root)
            try:
                yield platform
            except BaseException:
                print(platform.logs())
                raise
    finally:
        for process in reversed(processes):
            try:
                process.terminate(15)
            except Exception:
                process.kill()


async def registered_household(platform: Platform, serial: int, head: str) -> str:
    """A household registered as poor by the county, once the assistance service's read model has it as
    registered (it learns of it from the registry's events)."""
    created = await platform.call(
        "POST", f"{REG}/households", "cadre", household_body(serial, head), expect=201
    )
    household = str(created["id"])
    command = {"action": "register", "reason": "县级认定"}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    await platform.call(
        "POST", f"{REG}/households/{household}/status-commands", "county", command, headers=headers
    )

    async def unassigned() -> Any:
        listed = await platform.call("GET", f"{AS}/households?division={VILLAGE}&unassigned=true", "county")
        return next((item for item in listed if item["id"] == household), None)

    await eventually(unassigned, "the assistance read model to hold the registered household")
    return household


async def test_helpers_and_teams_in_the_console(fupin_stack: Stack, workdir: Path) -> None:
    async with assistance_platform(fupin_stack, workdir) as platform:
        await platform.user("cadre", "village", VILLAGE, ["cadre"])
        await platform.user("county", "county", COUNTY, ["officer"])
        await platform.user("township", "township", TOWNSHIP, ["officer"])
        await platform.user("city", "city", CITY, ["officer"])
        helped = await registered_household(platform, 11, "赵帮扶")
        waiting = await registered_household(platform, 12, "钱待帮")
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await sign_in(page, base, "e2e.county")
            await a_county_officer_assigns_and_changes_a_helper(page, base, helped)
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.township")
            await a_township_officer_sees_the_unassigned_list_shrink(page, base, platform, helped, waiting)
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.city")
            await a_city_officer_reads_the_phone_masked(page, base, helped)
            await page.locator("#logout").click()
            await page.set_viewport_size(NARROW)
            await sign_in(page, base, "e2e.county")
            await a_county_officer_sends_a_resident_team(page, base)
            assert not errors, errors


async def fill_helper(page: Page, helper: dict[str, str]) -> None:
    dialog = page.locator("dialog[open]")
    await dialog.locator("#hp-name").fill(helper["name"])
    await dialog.locator("#hp-unit").fill(helper["unit"])
    await dialog.locator("#hp-unit-tier").select_option(helper["unit_tier"])
    await dialog.locator("#hp-phone").fill(helper["phone"])
    await dialog.locator("#hp-started-on").fill(helper["started_on"])


async def a_county_officer_assigns_and_changes_a_helper(page: Page, base: str, household: str) -> None:
    await page.goto(f"{base}/console/#/households/{household}")
    card = page.locator("[data-facts=helper]")
    await expect(card.locator("[data-no-helper]")).to_have_text(say("zh-CN", "assistance.no_helper"))
    await card.locator("[data-helper-action=assign]").click()
    await fill_helper(page, FIRST_HELPER)
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    current = card.locator("[data-helper=current]")
    await expect(current).to_contain_text("刘建华")
    await expect(current).to_contain_text("13812345678")
    await expect(current).to_contain_text(say("zh-CN", "tiers.county"))

    # A change asks for its reason; a name the service refuses (a digit in it) is named by its label.
    await card.locator("[data-helper-action=change]").click()
    second = {**FIRST_HELPER, "name": "陈立新", "unit_tier": "township", "phone": "0851-86543210"}
    await fill_helper(page, {**second, "name": "陈立新2", "started_on": "2025-03-01"})
    dialog = page.locator("dialog[open]")
    await expect(dialog.locator("#hp-reason")).to_have_attribute("required", "")
    await dialog.locator("#hp-reason").fill("原责任人工作调动")
    await dialog.locator("button[type=submit]").click()
    problem = dialog.locator(".problem-fields")
    await expect(problem).to_contain_text(say("zh-CN", "assistance.name"))
    await dialog.locator("#hp-name").fill("陈立新")
    await dialog.locator("button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(current).to_contain_text("陈立新")
    history = card.locator("[data-helper=history] li")
    await expect(history).to_have_count(1)
    await expect(history).to_contain_text("刘建华")
    await expect(history).to_contain_text("原责任人工作调动")


async def a_township_officer_sees_the_unassigned_list_shrink(
    page: Page, base: str, platform: Platform, helped: str, waiting: str
) -> None:
    await page.goto(f"{base}/console/#/assistance")
    unassigned = page.locator("[data-list=unassigned]")
    await expect(unassigned.locator(f"[data-household='{waiting}'] th a")).to_have_text(
        "钱待帮"
    )  # the township officer, who closes the gap, tells households apart
    await expect(unassigned.locator(f"[data-household='{helped}']")).to_have_count(0)
    helpers = page.locator("[data-list=helpers]")
    await expect(helpers.locator(f"[data-household='{helped}']")).to_contain_text("陈立新")
    await platform.call("PUT", f"{AS}/households/{waiting}/helper", "county", FIRST_HELPER)

    async def assigned() -> Any:
        listed = await platform.call("GET", f"{AS}/households?division={VILLAGE}&unassigned=true", "county")
        return True if all(item["id"] != waiting for item in listed) else None

    await eventually(assigned, "the household to have its helper")
    await page.reload()
    # Only this household: the suite's other tests share the broker, so their households of the village
    # may reach this assistance service too.
    await expect(unassigned.locator(f"[data-household='{waiting}']")).to_have_count(0)


async def a_city_officer_reads_the_phone_masked(page: Page, base: str, household: str) -> None:
    await page.goto(f"{base}/console/#/households/{household}")
    card = page.locator("[data-facts=helper]")
    await expect(card.locator("[data-helper=current]")).to_contain_text("085******3210")
    await expect(card.locator("[data-helper=history]")).to_contain_text("138****5678")
    await expect(card.locator("[data-helper-action]")).to_have_count(0)
    await page.goto(f"{base}/console/#/assistance?village={VILLAGE}")
    await expect(page.locator("[data-facts=team] [data-no-team]")).to_be_visible()
    await expect(page.locator("[data-team-action]")).to_have_count(0)
    await the_household_page_survives_assistance_being_down(page, base, household)


async def the_household_page_survives_assistance_being_down(page: Page, base: str, household: str) -> None:
    async def down(route: Route) -> None:
        problem = {"type": "about:blank", "title": "Service Unavailable", "status": 503}
        await route.fulfill(status=503, json=problem, headers={"Retry-After": "5"})

    await page.route("**/api/v1/assistance/**", down)
    await page.goto(f"{base}/console/#/households/{household}")
    helper = page.locator("[data-facts=helper] [data-assistance-unavailable]")
    await expect(helper).to_have_text(say("zh-CN", "assistance.helper_unavailable"))
    await expect(page.locator("[data-facts=basic]")).to_contain_text("纪念塔路 8 号")
    await page.unroute("**/api/v1/assistance/**")


async def a_county_officer_sends_a_resident_team(page: Page, base: str) -> None:
    await page.goto(f"{base}/console/#/assistance?village={VILLAGE}")
    await choose_language(page, "English")
    card = page.locator("[data-facts=team]")
    await expect(card.locator("h2")).to_contain_text(say("en", "assistance.team"))
    await card.locator("[data-team-action=form]").click()
    dialog = page.locator("dialog[open]")
    await dialog.locator("#tm-secretary-name").fill("孙书记")
    await dialog.locator("#tm-secretary-unit").fill("贵阳市农业农村局")
    await dialog.locator("#tm-secretary-phone").fill("13900001111")
    await dialog.get_by_role("button", name=say("en", "assistance.add_member")).click()
    await dialog.locator("#tm-member-1-name").fill("周队员")
    await dialog.locator("#tm-member-1-unit").fill("南明区扶贫办")
    await dialog.locator("#tm-member-1-phone").fill("13900002222")
    await dialog.locator("#tm-sent-by").select_option("city")
    await dialog.locator("#tm-started-on").fill("2024-05-06")
    await dialog.locator("button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    current = card.locator("[data-team=current]")
    await expect(current).to_contain_text("孙书记")
    await expect(current).to_contain_text("周队员")
    await expect(current).to_contain_text(say("en", "tiers.city"))
    # Nothing is wider than the phone's screen.
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
