"""QA7 domain-conformance F6: the county's announcement (公告) is published on the public board, as the
procedure 两评议两公示一比对一公告 and the exit's notice → announcement → 销号 ask. A case the county
announces (announce, exit_announce) goes, in the same transaction, on its village's announcement of that day
(贫困户识别结果公告, 贫困户退出公告), created by the first announcement of the day; it lists the household
with the same masked entry as a notice's line, has no objection period, and is read on the board, in its
HTML and PDF and in its jurisdiction's lists like a notice. Before, announcing only changed the case state:
the board showed the notices but never the result. Real PostgreSQL, through the real app."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from pypdf import PdfReader

from fupin_contracts import registry as contracts

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
OTHER_TOWNSHIP = "520102017000"
DAY = 86_400
ASSURANCES = dict.fromkeys(
    ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
)


def _chain() -> list[contracts.DivisionNameV1]:
    return [
        contracts.DivisionNameV1(code="520000000000", division_name="贵州省"),
        contracts.DivisionNameV1(code="522600000000", division_name="黔东南苗族侗族自治州"),
        contracts.DivisionNameV1(code="520102000000", division_name="黄平县"),
        contracts.DivisionNameV1(code=TOWNSHIP, division_name="新州镇"),
        contracts.DivisionNameV1(code=VILLAGE, division_name="东门村"),
    ]


async def _approved(harness: Harness, name: str = "张三丰") -> str:
    """An identification case of VILLAGE at county_approved (the steps before are other tests' business)."""
    await harness.quotas(await harness.year(), 10)
    case_id: str = await harness.apply(await harness.household(name=name, place=_chain()))
    await harness.sql("UPDATE cases SET state = 'county_approved' WHERE id = :c", c=case_id)
    return case_id


async def _exit_noticed(harness: Harness, name: str) -> str:
    """An exit case of a household registered last year (income 8000 this year) past its exit notice."""
    year = await harness.year()
    household = await harness.household(name=name, place=_chain())
    await harness.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = :y WHERE household_id = :h",
        y=year - 1,
        h=household,
    )
    await harness.income(household, year, "8000")
    proposed = await harness.client.post(
        "/exits",
        json={
            "household_id": str(household),
            "year": year,
            "assurances": ASSURANCES,
            "finding": await harness.vote(),
        },
        headers=harness.village(),
    )
    assert proposed.status_code == 201, proposed.text
    case_id = str(proposed.json()["id"])
    await harness.sql("UPDATE cases SET state = 'exit_noticed' WHERE id = :c", c=case_id)
    return case_id


async def _board(harness: Harness, **params: Any) -> httpx.Response:
    """The public board, read anonymously."""
    response: httpx.Response = await harness.client.get(
        "/public/notices", params={"division": VILLAGE, **params}
    )
    assert response.status_code == 200, response.text
    return response


async def _announce(harness: Harness, case_id: str, action: str = "announce") -> None:
    response = await harness.act(case_id, action, harness.county())
    assert response.status_code == 200, response.text


async def test_two_cases_announced_on_one_day_are_one_announcement_on_the_board(harness: Harness) -> None:
    first, second = await _approved(harness, "张三丰"), await _approved(harness, "李四光")
    await _announce(harness, first)
    await _announce(harness, second)

    (announcement,) = (await _board(harness, kind="announcement")).json()
    assert announcement["kind"] == "announcement"
    assert announcement["status"] == "published"
    assert announcement["title"] == f"黄平县新州镇东门村{await harness.year()}年贫困户识别结果公告"
    assert sorted(entry["case_id"] for entry in announcement["entries"]) == sorted([first, second])
    # The same masked entry as a notice's line: the head's masked name and ID, never the full ones.
    masked = {
        str(row[0]): (row[1], row[2])
        for row in await harness.sql(
            "SELECT c.id, h.head_name_masked, h.head_id_masked FROM cases c "
            "JOIN rm_households h ON h.household_id = c.household_id"
        )
    }
    for entry in announcement["entries"]:
        assert (entry["head_name"], entry["head_id"]) == masked[entry["case_id"]]
        assert entry["status"] == "listed"
    assert "张三丰" not in str(announcement) and "李四光" not in str(announcement)
    # The case's history names the announcement it is on.
    history = (await harness.client.get(f"/cases/{first}/history", headers=harness.county())).json()
    assert history[-1]["detail"]["announcement_id"] == announcement["id"]

    html = await harness.client.get(f"/public/notices/{announcement['id']}/document")
    assert html.status_code == 200, html.text
    assert announcement["title"] in html.text and "公告日期" in html.text and "公示期" not in html.text
    pdf = await harness.client.get(f"/public/notices/{announcement['id']}/document.pdf")
    assert pdf.status_code == 200, pdf.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert announcement["title"] in text, text
    assert "异议" not in text, text


async def test_the_board_filters_announcements_by_kind_and_pages_them(harness: Harness) -> None:
    await _announce(harness, await _approved(harness))
    await harness.advance_clock(DAY)
    later = await _approved(harness, "王五")
    await _announce(harness, later)
    assert (await _board(harness, kind="exit_announcement")).json() == []

    first_page = await _board(harness, kind="announcement", limit=1)
    (newest,) = first_page.json()
    assert [entry["case_id"] for entry in newest["entries"]] == [later]
    cursor = first_page.headers["Next-Cursor"]
    second_page = await _board(harness, kind="announcement", limit=1, after=cursor)
    (older,) = second_page.json()
    assert older["id"] != newest["id"] and "Next-Cursor" not in second_page.headers


async def test_exits_announced_on_one_day_are_one_exit_announcement(harness: Harness) -> None:
    first, second = await _exit_noticed(harness, "赵六"), await _exit_noticed(harness, "钱七")
    await _announce(harness, first, "exit_announce")
    await _announce(harness, second, "exit_announce")

    (announcement,) = (await _board(harness, kind="exit_announcement")).json()
    assert announcement["title"] == f"黄平县新州镇东门村{await harness.year()}年贫困户退出公告"
    assert sorted(entry["case_id"] for entry in announcement["entries"]) == sorted([first, second])
    assert "赵六" not in str(announcement) and "钱七" not in str(announcement)
    assert (await _board(harness, kind="announcement")).json() == []


async def test_no_objection_is_taken_against_an_announcement(harness: Harness) -> None:
    case_id = await _approved(harness)
    await _announce(harness, case_id)
    (announcement,) = (await _board(harness, kind="announcement")).json()

    objection = await harness.client.post(
        f"/public/notices/{announcement['id']}/objections", json={"case_id": case_id, "text": "不服"}
    )
    assert objection.status_code == 409, objection.text
    assert objection.json()["code"] == "announcement-no-objection"
    assert await harness.sql("SELECT count(*) FROM objections") == [(0,)]


async def test_an_announcement_is_not_opened_by_hand(harness: Harness) -> None:
    await _approved(harness)
    opened = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "announcement"}, headers=harness.township()
    )
    assert opened.status_code == 422, opened.text


async def test_an_announcement_is_read_in_its_jurisdiction_only(harness: Harness) -> None:
    await _announce(harness, await _approved(harness))
    (announcement,) = (await _board(harness, kind="announcement")).json()

    for headers in (harness.township(), harness.county()):
        listed = await harness.client.get("/notices", params={"kind": "announcement"}, headers=headers)
        assert [row["id"] for row in listed.json()] == [announcement["id"]], listed.text
        read = await harness.client.get(f"/notices/{announcement['id']}", headers=headers)
        assert read.status_code == 200 and read.json()["status"] == "published", read.text
    elsewhere = harness.township(OTHER_TOWNSHIP)
    assert (await harness.client.get("/notices", headers=elsewhere)).json() == []
    assert (await harness.client.get(f"/notices/{announcement['id']}", headers=elsewhere)).status_code == 404
    published = await harness.client.get("/notices", params={"status": "published"}, headers=harness.county())
    assert [row["id"] for row in published.json()] == [announcement["id"]], published.text


async def test_a_refused_announcement_posts_nothing(harness: Harness) -> None:
    """The line is written in the announcement's own transaction: a step refused leaves no announcement."""
    case_id = await _approved(harness)
    await harness.sql(
        "UPDATE rm_households SET status = 'registered' WHERE household_id = "
        "(SELECT household_id FROM cases WHERE id = :c)",
        c=case_id,
    )
    refused = await harness.act(case_id, "announce", harness.county())
    assert refused.status_code == 409, refused.text
    assert (await _board(harness)).json() == []
    assert await harness.sql("SELECT count(*) FROM notices") == [(0,)]


async def test_a_retried_announcement_stays_on_its_first_announcement(harness: Harness) -> None:
    case_id = await _approved(harness)
    await _announce(harness, case_id)
    await harness.sql("UPDATE cases SET state = 'registry_refused' WHERE id = :c", c=case_id)
    await harness.advance_clock(DAY)
    await _announce(harness, case_id, "retry")
    (announcement,) = (await _board(harness, kind="announcement")).json()
    assert [entry["case_id"] for entry in announcement["entries"]] == [case_id]
    assert uuid.UUID(announcement["id"])
