"""What a demanding cadre found walking the console in a real browser (Debian's headless Chromium driven by
Playwright, against the real gateway, registry and identification processes of tests/e2e/platform.py), each
fixed and kept fixed here:

- A field refused for a rule of the services' own (a date before the earliest the step allows, a reason or a
  signature required, a failed check) read only "does not meet requirements": the reason is now named.
- A 422 without a list of fields ("the verification needs its survey findings") said "correct what is listed
  below" above an empty list.
- A survey of spaces only was sent, and the service's refusal was that unlisted 422: it is now empty for
  the form, which does not send it.
- At 390 px the filters wrapped label and control apart, each label beside the previous field's control.
- The households list, candidates and all, was captioned "registered households" (辖区内建档立卡户), and the
  live feed called a household's creation 贫困户建档 (a poor household's registration), in Chinese only.
- A form dialog opened with the focus on its language select: a keyboard user tabbed past it to reach the
  first field. The first field has the focus now.
- The comparison steps' form asked for the findings of a home visit (核实情况): it asks for the comparison's.
- The objection's receipt told the filer in Chinese to keep the ticket number "to look the outcome up"
  (以便查询处理结果), which nothing on the board offers: it is the number to give when asking the township.
- After a step or a quota was saved, the row was drawn anew without the button that had opened the form,
  and the focus fell to the page's start: it stays in the row now.
- The public board, asked for a township's or county's code, listed its villages' notices by kind and
  size only: which village each was for was not said, though the API names it. Each now names its place.
- The quota dialog took a reason of up to 2,000 characters, which the service refused above 500 with only
  "too long": the form now holds what the service takes.
- Above the county (city, province, nation) the households and cases lists named a village by its own name
  (纪念塔社区), which a city has several of: there it is named with its county and township.
- The objections page opens on the open tickets but was captioned "异议（0 件）": each filter's caption says
  which tickets it counts.
- The feed named a household whose event lists no member (an income, a status change) by an id fragment
  ("农户 26557eb7"): by its head when the console knows it, else "一户农户".
- A quota refused for being below what the divisions under it hold said only that it could not be: it says
  how many they hold.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, ViewportSize, expect

from fupin_kit.testing import Stack
from identification.quotas.schemas import QuotaIn
from tests.e2e.console_kit import (
    CHINA,
    ID,
    LANGUAGES,
    MESSAGES,
    REG,
    choose_language,
    console_page,
    household_body,
    platform_dir,
    say,
    sign_in,
)
from tests.e2e.platform import COUNTY, VILLAGE, Platform, eventually, running_platform

CITY = "520100000000"  # 贵阳市, above the platform's county
VILLAGE_PLACE = "南明区 · 新华路街道 · 纪念塔社区"

pytestmark = pytest.mark.timeout(300)

APPLIED_HEAD = "周核实"
APPLYING_HEAD = "吴申请"
NARROW: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return platform_dir(tmp_path)


async def seed(platform: Platform) -> dict[str, Any]:
    """A village cadre, a household whose identification has been applied for (ready for the home visit),
    and a candidate household with no case yet."""
    await platform.user("cadre", "village", VILLAGE, ["cadre"])
    await platform.user("county", "county", COUNTY, ["officer"])
    await platform.user("city", "city", CITY, ["officer"])
    applied = await platform.call(
        "POST", f"{REG}/households", "cadre", household_body(1, APPLIED_HEAD), expect=201
    )
    applying = await platform.call(
        "POST", f"{REG}/households", "cadre", household_body(2, APPLYING_HEAD), expect=201
    )
    today = dt.datetime.now(CHINA).date()
    authorisation = {"signed": True, "signed_by": APPLIED_HEAD, "signed_on": today.isoformat()}
    application = {"household_id": applied["id"], "year": today.year, "authorisation": authorisation}
    # A quota is set below a parent's only: the province's, the city's, then the county's own.
    for division in ("520000000000", "520100000000", COUNTY):
        quota = {"division": division, "year": today.year, "amount": 100, "reason": "年度贫困人口规模"}
        await platform.call("PUT", f"{ID}/quotas", "root", quota)
    case = await eventually(
        lambda: platform.call("POST", f"{ID}/cases", "cadre", application, expect=201),
        "identification to know the household",
    )
    # An event naming the household but none of its members, for the feed.
    income = {"wage": "3000", "business": "2000", "transfer": "1000", "production_costs": "500"}
    await platform.call("PUT", f"{REG}/households/{applied['id']}/incomes/{today.year - 1}", "cadre", income)
    return {"case": str(case["id"]), "applying": str(applying["id"]), "case_record": case}


async def test_a_cadre_walks_the_console(fupin_stack: Stack, workdir: Path) -> None:
    async with running_platform(fupin_stack, workdir) as platform:
        data = await seed(platform)
        base = str(platform.client.base_url).rstrip("/")
        async with console_page() as (page, errors):
            await sign_in(page, base, "e2e.cadre")
            await a_refused_date_names_its_rule(page, base, data["applying"])
            await spaces_are_not_a_survey(page, base, data["case"])
            await an_unlisted_refusal_lists_nothing(page, base, data["case"])
            await the_focus_stays_in_the_row(page, base, data["case"])
            await a_village_is_named_alone_at_the_village(page, base)
            await the_feed_names_a_household_by_its_head(page, base)
            await the_feed_names_no_household_by_an_id(page, base)
            await page.set_viewport_size(NARROW)
            await filters_keep_label_and_control_together(page, base)
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.county")
            await a_quota_reason_as_long_as_the_service_takes(page, base)
            await a_comparison_asks_for_comparison_findings(page, base, data["case_record"])
            await the_board_names_each_notice_s_village(page, base)
            await the_objections_caption_names_its_filter(page, base)
            await a_quota_refusal_names_what_is_held(page, base)
            await page.locator("#logout").click()
            await sign_in(page, base, "e2e.city")
            await a_village_is_named_with_its_place_above_the_county(page, base)
            assert not errors, errors


async def a_refused_date_names_its_rule(page: Page, base: str, household_id: str) -> None:
    """An authorisation signed before the year before the round: the field says why, in each language."""
    await page.goto(f"{base}/console/#/households/{household_id}")
    await page.locator("[data-action=apply]").click()
    dialog = page.locator("dialog[open]")
    await expect(dialog.locator("#a-year")).to_be_focused()
    await dialog.locator("#a-signed-by").fill(APPLYING_HEAD)
    await dialog.locator("#a-signed-on").fill("2020-01-01")
    await dialog.locator("button[type=submit]").click()
    refused = dialog.locator(".problem li[data-loc='body.authorisation.signed_on']")
    await expect(refused).to_contain_text(say("zh-CN", "problems.reasons.date_too_early"))
    await expect(dialog.locator(".problem-message")).to_have_text(
        say("zh-CN", "problems.codes.date-too-early")
    )
    await dialog.locator("select.dialog-language-select").select_option("en")
    await expect(refused).to_contain_text(say("en", "problems.reasons.date_too_early"))
    await dialog.locator("select.dialog-language-select").select_option("zh-CN")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await dialog.get_by_role("button", name="取消").click()
    await expect(dialog).to_have_count(0)


async def open_verification(page: Page, base: str, case_id: str) -> None:
    await page.goto(f"{base}/console/#/cases")
    await page.locator(f"tr[data-case='{case_id}'] button[data-action=verify]").click()
    await expect(page.locator("dialog[open] #s-survey")).to_be_visible()


async def spaces_are_not_a_survey(page: Page, base: str, case_id: str) -> None:
    """A survey of spaces is an empty survey: the form stops at the field and sends nothing."""
    sent: list[str] = []

    def watch(request: Request) -> None:
        if "/actions/" in request.url:
            sent.append(request.url)

    page.on("request", watch)
    try:
        await open_verification(page, base, case_id)
        dialog = page.locator("dialog[open]")
        survey = dialog.locator("#s-survey")
        await expect(survey).to_be_focused()
        await survey.fill("   ")
        await dialog.locator("button[type=submit]").click()
        await expect(survey).to_have_value("")
        assert await survey.evaluate("(input) => input.validity.valueMissing")
        await expect(dialog).to_be_visible()
        await expect(dialog.locator(".problem")).to_have_count(0)
        assert not sent, sent
        await dialog.get_by_role("button", name="取消").click()
        await expect(dialog).to_have_count(0)
    finally:
        page.remove_listener("request", watch)


async def an_unlisted_refusal_lists_nothing(page: Page, base: str, case_id: str) -> None:
    """A 422 naming no field (the service's own check, in English) does not point at a list below."""
    unlisted = {
        "type": "https://fupin.dev/problems/validation",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "the verification needs its survey findings",
    }

    async def refuse(route: Route) -> None:
        await route.fulfill(status=422, content_type="application/problem+json", body=json.dumps(unlisted))

    await page.route(f"**{ID}/cases/{case_id}/actions/verify", refuse)
    try:
        await open_verification(page, base, case_id)
        dialog = page.locator("dialog[open]")
        await dialog.locator("#s-survey").fill("家中有两名病人")
        await dialog.locator("button[type=submit]").click()
        message = dialog.locator(".problem .problem-message")
        await expect(message).to_have_text(say("zh-CN", "problems.validation_unlisted"))
        await expect(dialog.locator(".problem .problem-fields")).to_have_count(0)
        await dialog.locator("select.dialog-language-select").select_option("en")
        await expect(message).to_have_text(say("en", "problems.validation_unlisted"))
        await dialog.get_by_role("button", name="Cancel").click()
        await choose_language(page, "中文")
    finally:
        await page.unroute(f"**{ID}/cases/{case_id}/actions/verify")


async def the_focus_stays_in_the_row(page: Page, base: str, case_id: str) -> None:
    """The application withdrawn from the keyboard: the focus stays in the case's row, on its link."""
    await page.goto(f"{base}/console/#/cases")
    row = page.locator(f"tr[data-case='{case_id}']")
    await row.locator("button[data-action=withdraw]").focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    await expect(dialog.locator("#s-reason")).to_be_focused()
    await page.keyboard.type("农户自愿撤回申请")
    await dialog.locator("button[type=submit]").focus()
    await page.keyboard.press("Enter")
    await expect(dialog).to_have_count(0)
    await expect(row.locator(".state")).to_have_attribute("data-state", "withdrawn")
    await expect(row.locator("a").first).to_be_focused()


async def filters_keep_label_and_control_together(page: Page, base: str) -> None:
    """At a phone's width every filter's label is on the line of its own control, not beside another's."""
    await page.goto(f"{base}/console/#/households")
    await expect(page.locator("tbody tr[data-household]")).to_have_count(2)
    apart = await page.locator("form.filters label[for]").evaluate_all(
        """labels => labels.filter((label) => {
            const own = document.getElementById(label.htmlFor).getBoundingClientRect();
            const box = label.getBoundingClientRect();
            const middle = box.top + box.height / 2;
            return middle < own.top || middle > own.bottom;
        }).map((label) => label.textContent)"""
    )
    assert not apart, apart
    # A candidate is listed: the caption does not call the list registered households, in either language.
    await expect(page.locator("tbody tr[data-household] [data-status=candidate]")).to_have_count(2)
    caption = page.locator(".table-wrap table caption")
    await expect(caption).not_to_contain_text("建档立卡")
    await choose_language(page, "English")
    await expect(caption).not_to_contain_text("egistered")
    await choose_language(page, "中文")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_household_created_is_not_called_registered_as_poor(language: str) -> None:
    """A household's file created (a candidate, usually) is not its registration as poor (建档立卡)."""
    created = MESSAGES[language]["feed"]["types"]["fupin.registry.household.created.v1"]
    assert "贫困户" not in created and "建档" not in created and "egistered" not in created, created


async def a_quota_reason_as_long_as_the_service_takes(page: Page, base: str) -> None:
    """The quota dialog's reason takes what PUT /quotas takes: no more characters, none too few."""
    schema = QuotaIn.model_json_schema()["properties"]["reason"]
    await page.goto(f"{base}/console/#/quotas")
    await page.locator("button[data-action=set-quota]").first.click()
    reason = page.locator("dialog[open] #q-reason")
    await expect(reason).to_have_attribute("maxlength", str(schema["maxLength"]))
    await expect(reason).to_have_attribute("minlength", str(schema["minLength"]))
    await page.locator("dialog[open] #q-amount").fill("10")
    await reason.fill("按建档立卡人口分解")
    await reason.press("Enter")  # a new line in the reason: the form is sent with its button
    await page.locator("dialog[open] button[type=submit]").click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    row = page.locator("tr.updated[data-division]")
    await expect(row).to_have_count(1)
    await expect(row.locator("button[data-action=set-quota]")).to_be_focused()


async def a_comparison_asks_for_comparison_findings(page: Page, base: str, case: dict[str, Any]) -> None:
    """The county's comparison step (完成信息比对) labels its text as the comparison's findings, not a home
    visit's. The case is shown at that step by answering the page's list with it (the rest of the procedure,
    notices and all, is not this form's business)."""
    compared = {
        **case,
        "state": "township_reviewed",
        "allowed_actions": ["complete_comparison", "reject", "withdraw"],
        "permitted_actions": ["complete_comparison", "reject"],
    }

    async def at_comparison(route: Route) -> None:
        body = json.dumps({"items": [compared], "next_cursor": None})
        await route.fulfill(status=200, content_type="application/json", body=body)

    await page.route(f"**{ID}/cases?*", at_comparison)
    try:
        await page.goto(f"{base}/console/#/cases?state=township_reviewed")
        await page.locator("button[data-action=complete_comparison]").click()
        dialog = page.locator("dialog[open]")
        label = dialog.locator("label[for=s-survey]")
        await expect(label).to_have_text(say("zh-CN", "step.comparison"))
        await dialog.locator("select.dialog-language-select").select_option("en")
        await expect(label).to_have_text(say("en", "step.comparison"))
        await dialog.get_by_role("button", name="Cancel").click()
        await choose_language(page, "中文")
    finally:
        await page.unroute(f"**{ID}/cases?*")


def test_the_objection_receipt_promises_no_lookup() -> None:
    """The public board has no page to look a ticket up: the receipt sends the filer to the township."""
    keep = say("zh-CN", "board.object_keep")
    assert "查询" not in keep and "乡镇" in keep, keep


async def the_board_names_each_notice_s_village(page: Page, base: str) -> None:
    """A township's board lists its villages' notices, each by its place (as the API names it). The list is
    the API's answer for two villages, given to the page as it is (opening notices is not this test's)."""
    places = {"520102016001": "南明区花果园街道纪念塔社区", "520102016002": "南明区花果园街道五里冲社区"}
    notices = [
        {
            "id": f"00000000-0000-4000-8000-00000000000{index}",
            "division": code,
            "kind": "first",
            "starts_at": "2026-11-20T01:00:00Z",
            "ends_at": "2026-11-27T01:00:00Z",
            "status": "closed",
            "village_name": place[-5:],
            "place": place,
            "title": "第一次公示",
            "entries": [],
        }
        for index, (code, place) in enumerate(places.items(), start=1)
    ]

    async def township_board(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(notices))

    await page.route(f"**{ID}/public/notices?*", township_board)
    try:
        await page.goto(f"{base}/console/#/board?division=520102016000")
        items = page.locator(".notice-list .notice-item")
        await expect(items).to_have_count(2)
        for index, place in enumerate(places.values()):
            await expect(items.nth(index)).to_contain_text(place)
    finally:
        await page.unroute(f"**{ID}/public/notices?*")


async def a_village_is_named_alone_at_the_village(page: Page, base: str) -> None:
    """The village's cadre knows the village by its name: no county and township before it."""
    await page.goto(f"{base}/console/#/households")
    rows = page.locator("tbody tr[data-household]")
    await expect(rows).to_have_count(2)
    await expect(rows.first.locator("td").first).to_have_text("纪念塔社区")


async def a_village_is_named_with_its_place_above_the_county(page: Page, base: str) -> None:
    """A city's officer reads households and cases of many villages, several of one name: each is named with
    its county and township."""
    await page.goto(f"{base}/console/#/households")
    rows = page.locator("tbody tr[data-household]")
    await expect(rows).to_have_count(2)
    for index in range(2):
        await expect(rows.nth(index).locator("td").first).to_have_text(VILLAGE_PLACE)
    await page.goto(f"{base}/console/#/cases")
    case_rows = page.locator("tbody tr[data-case]")
    await expect(case_rows).to_have_count(1)
    await expect(case_rows.first.locator("td").first).to_have_text(VILLAGE_PLACE)
    await choose_language(page, "English")
    await expect(case_rows.first.locator("td").first).to_have_text(VILLAGE_PLACE)
    await choose_language(page, "中文")


INCOME_EVENT = "fupin.registry.household.income_recorded.v1"


async def the_feed_names_a_household_by_its_head(page: Page, base: str) -> None:
    """An income names the household and none of its members: it is named by the head the console read
    from the household's creation before it."""
    await page.goto(f"{base}/console/#/feed")
    subject = page.locator(f".feed-item[data-type='{INCOME_EVENT}'] .feed-subject")
    await expect(subject).to_have_count(1, timeout=30_000)
    await expect(subject).to_have_text(f"{APPLIED_HEAD}户")


async def the_feed_names_no_household_by_an_id(page: Page, base: str) -> None:
    """An income of a household the console has not read: "一户农户", linking to its page, never an id
    fragment. The stream is answered with that one event (a household this account never read)."""
    household = "26557eb7-0000-4000-8000-000000000001"
    event = {
        "type": INCOME_EVENT,
        "time": "2026-11-28T01:00:00Z",
        "subject": f"household/{household}",
        "division": VILLAGE,
        "data": {"household_id": household, "year": 2025},
    }

    async def one_income(route: Route) -> None:
        body = f"id: 1\nevent: {INCOME_EVENT}\ndata: {json.dumps(event)}\n\n"
        await route.fulfill(status=200, content_type="text/event-stream", body=body)

    await page.goto(f"{base}/console/#/households")
    await page.route("**/feeds/stream*", one_income)
    try:
        await page.goto(f"{base}/console/#/feed")
        subject = page.locator(".feed-item .feed-subject").first
        await expect(subject).to_have_text("一户农户")
        await expect(subject.locator("a")).to_have_attribute("href", f"#/households/{household}")
        await choose_language(page, "English")
        await expect(page.locator(".feed-item .feed-subject").first).to_have_text("A household")
        await choose_language(page, "中文")
    finally:
        await page.goto(f"{base}/console/#/households")
        await page.unroute("**/feeds/stream*")


async def the_objections_caption_names_its_filter(page: Page, base: str) -> None:
    """The page opens on the open tickets, and says so; every other filter's caption says its own."""
    await page.goto(f"{base}/console/#/objections")
    caption = page.locator(".table-wrap table caption")
    await expect(caption).to_have_text("待处理异议（0 件）")
    await choose_language(page, "English")
    await expect(caption).to_have_text("Open objections (0)")
    await choose_language(page, "中文")
    expected = {
        "upheld": "异议成立的（0 件）",
        "dismissed": "异议不成立的（0 件）",
        "all": "全部异议（0 件）",
    }
    for status, text in expected.items():
        await page.goto(f"{base}/console/#/objections?status={status}")
        await expect(caption).to_have_text(text)


async def a_quota_refusal_names_what_is_held(page: Page, base: str) -> None:
    """A quota below what the divisions under it hold: the refusal says how many they hold, in each language
    (the service's answer, 409 quota-below-children with its figures, given to the dialog)."""
    refusal = {
        "type": "https://fupin.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "the children already hold 60 people",
        "code": "quota-below-children",
        "held": 60,
        "amount": 10,
    }

    async def below_children(route: Route) -> None:
        await route.fulfill(status=409, content_type="application/problem+json", body=json.dumps(refusal))

    await page.route(f"**{ID}/quotas", below_children)
    try:
        await page.goto(f"{base}/console/#/quotas")
        await page.locator("button[data-action=set-quota]").first.click()
        dialog = page.locator("dialog[open]")
        await dialog.locator("#q-amount").fill("10")
        await dialog.locator("#q-reason").fill("按建档立卡人口分解")
        await dialog.locator("button[type=submit]").click()
        message = dialog.locator(".problem .problem-message")
        await expect(message).to_have_text("下级已分配 60 人，规模不能低于此数（所填为 10 人）。")
        await dialog.locator("select.dialog-language-select").select_option("en")
        await expect(message).to_contain_text("already hold 60 people")
        await dialog.get_by_role("button", name="Cancel").click()
        await choose_language(page, "中文")
    finally:
        await page.unroute(f"**{ID}/quotas")
