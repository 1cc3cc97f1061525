"""QA10 CON-3: the console's language switched from inside an open dialog, in a real browser (Debian's
headless Chromium driven by Playwright, against the real gateway, registry and identification processes of
tests/e2e/platform.py).

A modal dialog makes the rest of the page inert, the header's language buttons included: a cadre who
opened a form in the wrong language had to close it, losing what was typed, to switch. Every dialog the
console opens (a household's application, a case's step, opening a notice, settling an objection, setting a
quota, a quota's history, filing an objection on the public board) has a language control of its own: the
test types into the dialog, switches Chinese → English → Chinese from inside it, and finds the dialog's
labels, buttons and refusal in the new language, the document's `lang` changed, and everything typed or
chosen (and the focus) where it was. A step taken and an objection filed after a switch show their outcome
on the page behind, which the switch rebuilt.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from fupin_kit.testing import Stack
from tests.e2e.console_kit import (
    CHINA,
    ID,
    REG,
    choose_language,
    console_page,
    household_body,
    say,
    sign_in,
)
from tests.e2e.platform import COUNTY, TOWNSHIP, VILLAGE, Platform, eventually, running_platform

VOTE = {"representatives": 30, "present": 24, "votes_for": 20, "votes_against": 2}
HEADS = {"noticed": "张大山", "reviewed": "赵有才", "applied": "钱满仓", "fresh": "刘新户"}

pytestmark = pytest.mark.timeout(300)


async def seed(platform: Platform) -> dict[str, Any]:
    """A village cadre, a township officer and a county officer; quotas down to the village; a case on an
    open notice with an objection to settle, a case reviewed by the village (ready for a notice), a case
    just applied for (ready for verification) and a household that has not applied."""
    await platform.user("cadre", "village", VILLAGE, ["cadre"])
    await platform.user("township", "township", TOWNSHIP, ["officer"])
    await platform.user("county", "county", COUNTY, ["officer"])
    clock = await platform.call("POST", f"{ID}/admin/clock", "root", {"advance_s": 0})
    year = int(clock["now"][:4])
    today = dt.datetime.fromisoformat(clock["now"]).astimezone(CHINA).date().isoformat()
    for division in ("520000000000", "520100000000", COUNTY, TOWNSHIP, VILLAGE):
        quota = {"division": division, "year": year, "amount": 50, "reason": "年度贫困人口规模"}
        await platform.call("PUT", f"{ID}/quotas", "root", quota)
    ids: dict[str, str] = {}
    for serial, (key, head) in enumerate(HEADS.items(), start=1):
        created = await platform.call(
            "POST", f"{REG}/households", "cadre", household_body(serial, head), expect=201
        )
        ids[key] = str(created["id"])
        if key != "fresh":
            income = {"wage": "3000"}
            await platform.call("PUT", f"{REG}/households/{ids[key]}/incomes/{year}", "county", income)

    async def apply(household_id: str) -> str:
        body = {
            "household_id": household_id,
            "year": year,
            "authorisation": {"signed": True, "signed_by": "户主", "signed_on": today},
        }
        return str((await platform.call("POST", f"{ID}/cases", "cadre", body, expect=201))["id"])

    async def reviewed(case: str) -> None:
        await eventually(
            lambda: platform.call(
                "POST", f"{ID}/cases/{case}/actions/verify", "cadre", {"finding": {"survey": "属实"}}
            ),
            "identification to know the household's income",
        )
        review = {"finding": {**VOTE, "meeting_on": today}}
        await platform.call("POST", f"{ID}/cases/{case}/actions/village_review", "cadre", review)

    cases: dict[str, str] = {}
    for key in ("noticed", "reviewed", "applied"):
        cases[key] = await eventually(partial(apply, ids[key]), "identification to know the household")
    await reviewed(cases["noticed"])
    notice = await platform.call(
        "POST", f"{ID}/notices", "township", {"division": VILLAGE, "kind": "first"}, expect=201
    )
    # Reviewed after the notice opened: not on it, ready for a notice of its own.
    await reviewed(cases["reviewed"])
    objection = {"case_id": cases["noticed"], "text": "该户家中新建楼房，收入较高"}
    await platform.call("POST", f"{ID}/public/notices/{notice['id']}/objections", None, objection, expect=201)
    township = (await platform.call("GET", f"{REG}/divisions/{TOWNSHIP}", "county"))["name"]
    return {
        "households": ids,
        "cases": cases,
        "notice": notice["id"],
        "year": year,
        "today": today,
        "township": township,
    }


async def sign_out(page: Page) -> None:
    await page.locator("#logout").click()
    await expect(page.locator("body.signed-in")).to_have_count(0)


async def switch_in_dialog(page: Page, dialog: Locator, language: str) -> None:
    """The language chosen with the dialog's own control (a labelled select), which keeps the focus; the
    whole console follows: the document's language, the header's buttons and the page behind."""
    before = "en" if language == "zh-CN" else "zh-CN"
    control = dialog.get_by_role("combobox", name=say(before, "app.language"))
    await control.focus()
    await control.select_option(language)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(dialog.get_by_role("combobox", name=say(language, "app.language"))).to_be_focused()
    await expect(dialog).to_be_visible()
    pressed = page.locator(f".topbar [data-lang='{language}']")
    await expect(pressed).to_have_attribute("aria-pressed", "true")


async def check_labels(dialog: Locator, expected: dict[str, str]) -> None:
    """Each of the dialog's texts, by its selector, as `expected` has it."""
    for selector, text in expected.items():
        await expect(dialog.locator(selector)).to_have_text(text)


async def check_values(dialog: Locator, values: dict[str, str]) -> None:
    for selector, value in values.items():
        await expect(dialog.locator(selector)).to_have_value(value)


async def both_ways(
    page: Page, dialog: Locator, texts: Any, values: dict[str, str] | None = None, checked: str | None = None
) -> None:
    """zh-CN → en → zh-CN from inside the dialog: labels in each language, values (and a chosen radio) kept."""
    await check_labels(dialog, texts("zh-CN"))
    for language in ("en", "zh-CN"):
        await switch_in_dialog(page, dialog, language)
        await check_labels(dialog, texts(language))
        await check_values(dialog, values or {})
        if checked:
            await expect(dialog.locator(checked)).to_be_checked()


async def apply_dialog(page: Page, base: str, data: dict[str, Any]) -> None:
    await page.goto(f"{base}/console/#/households/{data['households']['fresh']}")
    await page.locator("button[data-action=apply]").click()
    dialog = page.locator("dialog.step-dialog")
    values = {"#a-year": str(data["year"]), "#a-signed-by": "刘新户", "#a-signed-on": data["today"]}
    await dialog.locator("#a-signed-by").fill(values["#a-signed-by"])
    await dialog.locator("#a-signed-on").fill(values["#a-signed-on"])

    def texts(language: str) -> dict[str, str]:
        return {
            "#a-title": say(language, "apply.title", name=HEADS["fresh"]),
            "label[for=a-year]": say(language, "apply.year"),
            "label[for=a-signed-by]": say(language, "step.signed_by"),
            "button[type=submit]": say(language, "apply.submit"),
        }

    await both_ways(page, dialog, texts, values)
    await dialog.get_by_role("button", name=say("zh-CN", "common.cancel")).click()
    await expect(dialog).to_have_count(0)


async def step_dialog(page: Page, base: str, data: dict[str, Any]) -> None:
    """The verification, typed in Chinese, switched both ways, then sent: the case's row behind, drawn anew
    by the switch, shows the new state."""
    await page.goto(f"{base}/console/#/cases")
    row = page.locator(f"tr[data-case='{data['cases']['applied']}']")
    await row.locator("button[data-action=verify]").click()
    dialog = page.locator("dialog.step-dialog")
    values = {"#s-survey": "入户核实：因病致贫属实", "#s-reason": "村委会核实"}
    for selector, value in values.items():
        await dialog.locator(selector).fill(value)

    def texts(language: str) -> dict[str, str]:
        return {
            "#step-title": say(language, "step.title", action=say(language, "actions.verify")),
            "label[for=s-survey]": say(language, "step.survey"),
            "label[for=s-reason]": say(language, "step.reason"),
            "button[type=submit]": say(language, "step.submit"),
        }

    await both_ways(page, dialog, texts, values)
    await dialog.locator("button[type=submit]").click()
    await expect(dialog).to_have_count(0)
    await expect(row.locator("[data-state]")).to_have_text(say("zh-CN", "states.verified"))


async def notice_dialog(page: Page, base: str, data: dict[str, Any]) -> None:
    await page.goto(f"{base}/console/#/cases")
    row = page.locator(f"tr[data-case='{data['cases']['reviewed']}']")
    await row.locator("button[data-action=open_notice]").click()
    dialog = page.locator("dialog.notice-dialog")

    def texts(language: str) -> dict[str, str]:
        kind = say(language, "notice_kinds.first")
        return {
            "#n-title": say(language, "notice_open.title", kind=kind, village="纪念塔社区"),
            "button[type=submit]": say(language, "notice_open.submit"),
        }

    await both_ways(page, dialog, texts)
    await dialog.get_by_role("button", name=say("zh-CN", "common.cancel")).click()
    await expect(dialog).to_have_count(0)


async def resolve_dialog(page: Page, base: str) -> None:
    """A refusal (reasons of spaces only) is said again in the other language, its field by the form's own
    label; the chosen outcome and the reasons typed stay."""
    await page.goto(f"{base}/console/#/objections")
    await page.locator("button[data-action=resolve]").click()
    dialog = page.locator("dialog.step-dialog")
    await dialog.locator("#r-dismissed").check()
    await dialog.locator("#r-reason").fill("   ")
    await dialog.locator("button[type=submit]").click()
    await expect(dialog.locator(".problem[role=alert] .problem-fields li")).to_have_count(1)

    def texts(language: str) -> dict[str, str]:
        return {
            "#r-title": say(language, "objections.resolve_title", name=HEADS["noticed"]),
            "legend": say(language, "objections.outcome"),
            "label[for=r-reason]": say(language, "objections.reason"),
            "label.check:has(#r-dismissed)": say(language, "objections.outcome_dismissed"),
            ".problem strong": say(language, "problems.422") + say(language, "common.aside", text="422"),
            "button[type=submit]": say(language, "objections.submit"),
        }

    await both_ways(page, dialog, texts, {"#r-reason": "   "}, checked="#r-dismissed")
    refused = dialog.locator(".problem-fields li")
    await expect(refused).to_contain_text(say("zh-CN", "objections.reason"))
    await switch_in_dialog(page, dialog, "en")
    await expect(refused).to_contain_text(say("en", "objections.reason"))
    await switch_in_dialog(page, dialog, "zh-CN")
    await dialog.get_by_role("button", name=say("zh-CN", "common.cancel")).click()
    await expect(dialog).to_have_count(0)


async def quota_dialogs(page: Page, base: str, data: dict[str, Any]) -> None:
    year = str(data["year"])
    await page.goto(f"{base}/console/#/quotas")
    township = page.locator(f"tr[data-division='{TOWNSHIP}']")
    await township.locator("button[data-action=set-quota]").click()
    dialog = page.locator("dialog.step-dialog")
    values = {"#q-amount": "45", "#q-reason": "按建档立卡人口调整"}
    for selector, value in values.items():
        await dialog.locator(selector).fill(value)

    def texts(language: str) -> dict[str, str]:
        return {
            "#q-title": say(language, "quotas.dialog_title", name=data["township"], year=year),
            "label[for=q-amount]": say(language, "quotas.amount"),
            "label[for=q-reason]": say(language, "quotas.reason"),
            "button[type=submit]": say(language, "quotas.submit"),
        }

    await both_ways(page, dialog, texts, values)
    await dialog.get_by_role("button", name=say("zh-CN", "common.cancel")).click()
    await expect(dialog).to_have_count(0)

    await township.locator("button[data-action=quota-history]").click()
    history = page.locator("dialog.step-dialog")
    await expect(history.locator("ol.history li strong")).to_have_count(1)

    def history_texts(language: str) -> dict[str, str]:
        return {
            "#qh-title": say(language, "quotas.history_title", name=data["township"], year=year),
            "ol.history li strong": say(language, "quotas.first", after="50"),
            ".dialog-buttons button": say(language, "quotas.close"),
        }

    await both_ways(page, history, history_texts)
    await history.get_by_role("button", name=say("zh-CN", "quotas.close")).click()
    await expect(history).to_have_count(0)


async def objection_dialog(page: Page, base: str, data: dict[str, Any]) -> None:
    """Filed after switching from inside the dialog: the receipt is on the page drawn anew by the switch."""
    await page.goto(f"{base}/console/#/board/{data['notice']}")
    await page.get_by_role("button", name=say("zh-CN", "board.object")).click()
    dialog = page.locator("dialog.step-dialog")
    values = {"#o-text": "该户有家庭成员在外务工，收入较高", "#o-contact": "13900000000"}
    for selector, value in values.items():
        await dialog.locator(selector).fill(value)

    def texts(language: str) -> dict[str, str]:
        return {
            "label[for=o-text]": say(language, "board.object_text"),
            "label[for=o-contact]": say(language, "board.object_contact"),
            "button[type=submit]": say(language, "board.object_submit"),
        }

    await both_ways(page, dialog, texts, values)
    await switch_in_dialog(page, dialog, "en")
    async with page.expect_response(lambda r: r.url.endswith("/objections") and r.status == 201) as filed:
        await dialog.locator("button[type=submit]").click()
    ticket = await (await filed.value).json()
    await expect(dialog).to_have_count(0)
    receipt = page.locator(f".notice-success[data-ticket='{ticket['id']}']")
    await expect(receipt).to_have_count(1)
    await expect(receipt).to_be_visible()
    await expect(receipt).to_be_focused()
    await choose_language(page, "中文")


async def test_the_language_switches_from_inside_every_dialog(fupin_stack: Stack, tmp_path: Path) -> None:
    async with running_platform(fupin_stack, tmp_path) as platform:
        data = await seed(platform)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await sign_in(page, base, "e2e.cadre")
            await apply_dialog(page, base, data)
            await step_dialog(page, base, data)
            await sign_out(page)
            await sign_in(page, base, "e2e.township")
            await notice_dialog(page, base, data)
            await resolve_dialog(page, base)
            await sign_out(page)
            await sign_in(page, base, "e2e.county")
            await quota_dialogs(page, base, data)
            await sign_out(page)
            await objection_dialog(page, base, data)
            assert not errors, errors
