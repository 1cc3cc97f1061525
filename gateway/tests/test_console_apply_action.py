"""The household page offers a village cadre the identification application only where it can succeed, in a
real browser (Debian's headless Chromium driven by Playwright, against the real gateway, registry and
identification processes of tests/e2e/platform.py).

Identification opens a case (POST /cases) only for a household the registry has as a candidate or as
monitored, with somebody still living in it (cases/service.py APPLICANT_STATUSES, require_living_members:
409 household-status, 409 no-living-members). The page offered "申请贫困识别" on a registered household too,
and the cadre's submission came back refused. Now a candidate household offers the application; a
registered one, and one whose members all died or left, offer no button but say why, in each language,
without any API call beyond the page's own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    CHINA,
    REG,
    choose_language,
    console_page,
    household_body,
    say,
    sign_in,
)
from tests.e2e.platform import COUNTY, VILLAGE, Platform, running_platform

HEADS = {"candidate": "刘新户", "registered": "钱满仓", "empty": "孙无人"}
# The registered status as each language names it: the Chinese label comes from the registry's code list
# (registry.households.enums.HouseholdStatus), the English one from en.json.
REGISTERED = {"zh-CN": "建档立卡贫困户", "en": "Registered poor"}

pytestmark = pytest.mark.timeout(240)


def code_of(value: Any) -> str:
    """A coded value as the registry renders it: {code, label}, or the code alone."""
    return str(value["code"] if isinstance(value, dict) else value)


async def nobody_left(platform: Platform, household: dict[str, Any]) -> None:
    """The spouse moves out, then the head dies: the household is still a candidate, with nobody in it."""
    path = f"{REG}/households/{household['id']}/members"
    by_relation = {code_of(member["relation"]): member["id"] for member in household["members"]}
    # China's day, as the registry dates a member's joining (the UTC day is a day behind before 08:00).
    today = dt.datetime.now(CHINA).date().isoformat()
    leave = {"change": "move_out", "effective_on": today, "reason": "外出落户"}
    await platform.call("POST", f"{path}/{by_relation['spouse']}/departure", "county", leave)
    death = {"died_on": today, "reason": "病故"}
    await platform.call("POST", f"{path}/{by_relation['head']}/death", "county", death)


async def seed(platform: Platform) -> dict[str, str]:
    """A village cadre and a county officer; a candidate household, a registered one, and a candidate one
    whose members all left or died."""
    await platform.user("cadre", "village", VILLAGE, ["cadre"])
    await platform.user("county", "county", COUNTY, ["officer"])
    ids: dict[str, str] = {}
    for serial, (key, head) in enumerate(HEADS.items(), start=1):
        created = await platform.call(
            "POST", f"{REG}/households", "cadre", household_body(serial, head), expect=201
        )
        ids[key] = str(created["id"])
        if key == "empty":
            await nobody_left(platform, created)
    command = {"action": "register", "reason": "县级认定"}
    await platform.call("POST", f"{REG}/households/{ids['registered']}/status-commands", "county", command)
    return ids


async def open_household(page: Page, base: str, household_id: str, head: str) -> None:
    await page.goto(f"{base}/console/#/households/{household_id}")
    await expect(page.locator("#page-title")).to_contain_text(head)


async def check_offers(page: Page, base: str, ids: dict[str, str], language: str) -> None:
    apply = page.locator("button[data-action=apply]")
    refused = page.locator("[data-apply-refused]")

    await open_household(page, base, ids["candidate"], HEADS["candidate"])
    await expect(apply).to_have_count(1)
    await expect(apply).to_have_text(say(language, "apply.button"))
    await expect(refused).to_have_count(0)

    await open_household(page, base, ids["registered"], HEADS["registered"])
    await expect(refused).to_have_attribute("data-apply-refused", "poor")
    await expect(refused).to_have_text(say(language, "apply.not_offered.poor", status=REGISTERED[language]))
    await expect(apply).to_have_count(0)

    await open_household(page, base, ids["empty"], HEADS["empty"])
    await expect(refused).to_have_attribute("data-apply-refused", "no_living")
    await expect(refused).to_have_text(say(language, "apply.not_offered.no_living"))
    await expect(apply).to_have_count(0)


async def test_a_household_offers_the_application_only_where_it_can_succeed(
    fupin_stack: Stack, tmp_path: Path
) -> None:
    async with running_platform(fupin_stack, tmp_path) as platform:
        ids = await seed(platform)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await sign_in(page, base, "e2e.cadre")
            await check_offers(page, base, ids, "zh-CN")
            await choose_language(page, "English")
            await check_offers(page, base, ids, "en")
            assert not errors, errors
