"""The household page lists the household's identification, exit and monitoring cases, and offers a village
cadre no identification application while one is already running, in a real browser (Debian's headless
Chromium driven by Playwright, against the real gateway, registry and identification processes of
tests/e2e/platform.py).

The page offered "申请贫困识别" on a household whose identification case was open, and the cadre's form came
back refused (409 case-open); nothing on the page showed the household's cases. Now it reads them
(GET /cases?household_id=) into a card "识别与监测", each case linked to the cases page narrowed to the
household, and a running identification case replaces the button by the reason, naming the case's step and
linking to it. A candidate household without a case is still offered the application; should another cadre's application
for it be taken while its page is open, the service's refusal is still said by its code. When the cases
cannot be read
(an account without identification's read scope), the page is drawn without them, as it was before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.async_api import Page, Route, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import CHINA, ID, REG, choose_language, console_page, household_body, say, sign_in
from tests.e2e.platform import VILLAGE, Platform, eventually, running_platform

HEADS = {"applied": "周在办", "candidate": "吴待申"}

pytestmark = pytest.mark.timeout(240)


async def service_day(platform: Platform) -> dt.date:
    """The service's day in China: the round applied for and the day the authorisation is signed."""
    clock = await platform.call("POST", f"{ID}/admin/clock", "root", {"advance_s": 0})
    return dt.datetime.fromisoformat(clock["now"]).astimezone(CHINA).date()


async def apply_through_the_api(platform: Platform, household_id: str) -> str:
    today = await service_day(platform)
    application = {
        "household_id": household_id,
        "year": today.year,
        "authorisation": {"signed": True, "signed_by": "户主", "signed_on": today.isoformat()},
    }

    async def applied() -> str:
        # Retried while the registry's household.created is still on its way to identification (404).
        case = await platform.call("POST", f"{ID}/cases", "cadre", application, expect=201)
        return str(case["id"])

    return await eventually(applied, "identification to know the household")


async def seed(platform: Platform) -> tuple[dict[str, str], str]:
    """A village cadre; two candidate households, the first with an identification application taken.
    The households' ids, and the application's case id."""
    await platform.user("cadre", "village", VILLAGE, ["cadre"])
    ids: dict[str, str] = {}
    for serial, (key, head) in enumerate(HEADS.items(), start=11):
        created = await platform.call(
            "POST", f"{REG}/households", "cadre", household_body(serial, head), expect=201
        )
        ids[key] = str(created["id"])
    return ids, await apply_through_the_api(platform, ids["applied"])


async def open_household(page: Page, base: str, household_id: str, head: str) -> None:
    await page.goto(f"{base}/console/#/households/{household_id}")
    await expect(page.locator("#page-title")).to_contain_text(head)


async def check_household_page(
    page: Page, base: str, ids: dict[str, str], case_id: str, language: str
) -> None:
    apply = page.locator("button[data-action=apply]")
    refused = page.locator("[data-apply-refused]")
    card = page.locator("[data-facts=cases]")
    case_href = f"#/cases?household={ids['applied']}&kind=identification"

    await open_household(page, base, ids["applied"], HEADS["applied"])
    await expect(card.locator("h2")).to_have_text(say(language, "household.cases"))
    listed = card.locator(f"li[data-case='{case_id}']")
    await expect(listed).to_have_attribute("data-active", "true")
    await expect(listed.locator("a")).to_have_text(say(language, "kinds.identification"))
    await expect(listed.locator("a")).to_have_attribute("href", case_href)
    await expect(listed.locator(".state")).to_have_text(say(language, "states.applied"))
    await expect(apply).to_have_count(0)
    await expect(refused).to_have_attribute("data-apply-refused", "open_case")
    state = say(language, "states.applied")
    await expect(refused).to_contain_text(say(language, "apply.not_offered.open_case", state=state))
    await expect(refused.locator(f"a[data-case-link='{case_id}']")).to_have_attribute("href", case_href)

    await open_household(page, base, ids["candidate"], HEADS["candidate"])
    await expect(card).to_contain_text(say(language, "household.no_cases"))
    await expect(apply).to_have_count(1)
    await expect(apply).to_have_text(say(language, "apply.button"))
    await expect(refused).to_have_count(0)


async def applied_meanwhile(page: Page, base: str, platform: Platform, ids: dict[str, str]) -> None:
    """The candidate's page offers the form; another application for it is taken before this one is sent:
    the service's refusal (409 case-open) is said by its code, in English."""
    await open_household(page, base, ids["candidate"], HEADS["candidate"])
    await expect(page.locator("button[data-action=apply]")).to_have_count(1)
    await apply_through_the_api(platform, ids["candidate"])
    await page.locator("button[data-action=apply]").click()
    dialog = page.locator("dialog.step-dialog")
    await dialog.locator("#a-signed-by").fill(HEADS["candidate"])
    await dialog.locator("#a-signed-on").fill((await service_day(platform)).isoformat())
    await dialog.locator("button[type=submit]").click()
    await expect(dialog.locator(".problem")).to_have_attribute("data-message", "codes.case-open")
    await expect(dialog.locator(".problem-message")).to_have_text(say("en", "problems.codes.case-open"))
    await dialog.locator("button[type=button]").click()


async def refuse_the_cases(route: Route) -> None:
    """identification's answer to a token without its read scope."""
    problem = '{"title": "Forbidden", "status": 403, "detail": "the token lacks identification.read"}'
    await route.fulfill(status=403, content_type="application/problem+json", body=problem)


async def check_without_cases(page: Page, base: str, ids: dict[str, str], language: str) -> None:
    await page.route("**/api/v1/identification/cases?household_id=*", refuse_the_cases)
    await open_household(page, base, ids["applied"], HEADS["applied"])
    unavailable = page.locator("[data-facts=cases] [data-cases-unavailable]")
    await expect(unavailable).to_have_text(say(language, "household.cases_unavailable"))
    # The rule as it was: a candidate with people living in it is offered the form (the service says 409).
    await expect(page.locator("button[data-action=apply]")).to_have_count(1)
    await page.unroute("**/api/v1/identification/cases?household_id=*")


async def test_a_household_with_an_open_identification_case_is_not_offered_the_application(
    fupin_stack: Stack, tmp_path: Path
) -> None:
    async with running_platform(fupin_stack, tmp_path) as platform:
        ids, case_id = await seed(platform)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await sign_in(page, base, "e2e.cadre")
            await check_household_page(page, base, ids, case_id, "zh-CN")
            await choose_language(page, "English")
            await check_household_page(page, base, ids, case_id, "en")

            # The case's link opens the cases page on that household alone, the case's row there.
            await open_household(page, base, ids["applied"], HEADS["applied"])
            await page.locator(f"[data-case-link='{case_id}']").click()
            await expect(page.locator(f"tr[data-case='{case_id}']")).to_be_visible()
            await expect(page.locator("tr[data-case]")).to_have_count(1)

            await check_without_cases(page, base, ids, "en")
            # Last: it gives the candidate household a case of its own.
            await applied_meanwhile(page, base, platform, ids)
            assert not errors, errors
