"""The lists of notices, objections and batches and the public board (QA7 DC-1, DC-2): a listed notice
carries the cases it posted, as its single read does, and every list is walked in keyset pages (`after`,
the next page's cursor in the `Next-Cursor` header) with nothing repeated or skipped, in a stable order,
within the caller's jurisdiction on every page; a malformed cursor is a 422 problem."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import event

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
OTHER_TOWNSHIP_VILLAGE = "520102017001"
BASE = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
# Three rows share each timestamp: the id decides their order, and a page may end between them.
TIES = 3


def _stamp(index: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=index // TIES)


async def _walk(
    harness: Harness, path: str, limit: int, headers: dict[str, str] | None = None, **params: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, page after page, following the `Next-Cursor` header; and how many pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({} if cursor is None else {"after": cursor})}
        response = await harness.client.get(path, params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list)  # the answer keeps its shape: a JSON array
        assert len(page) <= limit
        items.extend(page)
        pages += 1
        cursor = response.headers.get("next-cursor")
        if cursor is None:
            return items, pages
        assert page, "a page with a next cursor is not empty"
        assert pages < 100, "the walk does not end"


def _assert_complete(
    walked: list[dict[str, Any]], one_page: list[dict[str, Any]], expected: set[str]
) -> None:
    ids = [item["id"] for item in walked]
    assert len(ids) == len(set(ids)), "an item was repeated"
    assert set(ids) == expected, "an item was skipped, or one outside the jurisdiction shown"
    # The pages, one after another, are the list read in one page: the order is stable across pages.
    assert walked == one_page


async def _notice(harness: Harness, division: str, index: int, status: str = "open") -> str:
    notice_id = uuid.uuid4()
    await harness.sql(
        "INSERT INTO notices (id, division, kind, starts_at, ends_at, status, opened_by) "
        "VALUES (:id, :division, 'first', :starts, :ends, :status, 'test')",
        id=notice_id,
        division=division,
        starts=_stamp(index),
        ends=_stamp(index) + dt.timedelta(days=7),
        status=status,
    )
    return str(notice_id)


async def test_a_listed_notice_shows_the_cases_it_posted_as_its_single_read(harness: Harness) -> None:
    case_ids, notice_id = await harness.to_first_notice(households=3)
    # One household leaves the list: its line stays on the notice, withdrawn.
    withdrawn = await harness.client.post(
        f"/cases/{case_ids[0]}/actions/withdraw",
        json={"reason": "搬离本村"},
        headers=harness.village(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    single = (await harness.client.get(f"/notices/{notice_id}", headers=harness.township())).json()
    assert sorted(single["case_ids"]) == sorted(case_ids)
    listed = (await harness.client.get("/notices", headers=harness.township())).json()
    assert [item["id"] for item in listed] == [notice_id]
    assert listed[0]["case_ids"] == single["case_ids"]
    assert listed[0]["lines"] == single["lines"]
    assert {line["status"] for line in listed[0]["lines"]} == {"listed", "withdrawn"}
    assert listed[0] == single


async def test_notices_are_listed_in_keyset_pages_within_the_jurisdiction(harness: Harness) -> None:
    inside = {await _notice(harness, VILLAGE if i % 2 else SIBLING, i) for i in range(14)}
    closed = {await _notice(harness, VILLAGE, 14 + i, status="closed") for i in range(4)}
    for i in range(6):
        await _notice(harness, OTHER_TOWNSHIP_VILLAGE, i)
    township = harness.township()
    one_page = (await harness.client.get("/notices", params={"limit": 500}, headers=township)).json()
    walked, pages = await _walk(harness, "/notices", 4, township)
    assert pages == 5
    _assert_complete(walked, one_page, inside | closed)
    starts = [item["starts_at"] for item in walked]
    assert starts == sorted(starts, reverse=True), "newest first"
    open_only = (await _walk(harness, "/notices", 4, township, status="open"))[0]
    assert {item["id"] for item in open_only} == inside


async def test_the_public_board_is_listed_in_keyset_pages_of_its_division(harness: Harness) -> None:
    inside = {await _notice(harness, VILLAGE if i % 2 else SIBLING, i) for i in range(11)}
    for i in range(5):
        await _notice(harness, OTHER_TOWNSHIP_VILLAGE, i)
    one_page = (
        await harness.client.get("/public/notices", params={"division": TOWNSHIP, "limit": 200})
    ).json()
    walked, pages = await _walk(harness, "/public/notices", 3, division=TOWNSHIP)
    assert pages == 4
    _assert_complete(walked, one_page, inside)


async def test_objections_are_listed_in_keyset_pages_within_the_jurisdiction(harness: Harness) -> None:
    async def ticket(division: str, index: int) -> str:
        ticket_id = uuid.uuid4()
        await harness.sql(
            "INSERT INTO objections (id, notice_id, case_id, division, text, submitted_by, status, "
            "opened_at, due_at) VALUES (:id, :notice, :case, :division, '不符合条件', 'public', 'open', "
            ":opened, :due)",
            id=ticket_id,
            notice=uuid.uuid4(),
            case=uuid.uuid4(),
            division=division,
            opened=BASE,
            due=_stamp(index),
        )
        return str(ticket_id)

    inside = {await ticket(VILLAGE if i % 2 else SIBLING, i) for i in range(13)}
    for i in range(4):
        await ticket(OTHER_TOWNSHIP_VILLAGE, i)
    township = harness.township()
    one_page = (await harness.client.get("/objections", params={"limit": 500}, headers=township)).json()
    walked, pages = await _walk(harness, "/objections", 5, township)
    assert pages == 3
    _assert_complete(walked, one_page, inside)
    due = [item["due_at"] for item in walked]
    assert due == sorted(due), "the ticket due first comes first"


async def test_batches_are_listed_in_keyset_pages_within_the_jurisdiction(harness: Harness) -> None:
    async def batch(division: str, index: int) -> str:
        batch_id = uuid.uuid4()
        await harness.sql(
            "INSERT INTO batches (id, action, division, seed, rate, status, case_count, sample_count, "
            "created_by, created_at) VALUES (:id, 'county_approve', :division, 'seed', 0.1, 'decided', 10, 1, "
            "'test', :created)",
            id=batch_id,
            division=division,
            created=_stamp(index),
        )
        return str(batch_id)

    inside = {await batch(VILLAGE if i % 2 else SIBLING, i) for i in range(10)}
    for i in range(4):
        await batch(OTHER_TOWNSHIP_VILLAGE, i)
    township = harness.township()
    one_page = (await harness.client.get("/batches", params={"limit": 500}, headers=township)).json()
    walked, pages = await _walk(harness, "/batches", 3, township)
    assert pages == 4
    _assert_complete(walked, one_page, inside)
    created = [item["created_at"] for item in walked]
    assert created == sorted(created, reverse=True), "newest first"


@pytest.mark.parametrize(
    ("path", "params"),
    [("/notices", {}), ("/objections", {}), ("/batches", {}), ("/public/notices", {"division": TOWNSHIP})],
)
@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "bm90IGEgY3Vyc29y",  # "not a cursor"
        "MjAyNi0wMy0wMVQwODowMDowMCswMDowMDpub3QtYS11dWlk",  # a time and no id
        "MjAyNi0wMy0wMVQwODowMDowMDo2ZjFlMDBhNi0xYmI3LTQ5MWEtOTFkZS1lMWFmNDBmNGY1MTI",  # a time without zone
    ],
)
async def test_a_malformed_cursor_is_a_422_problem(
    harness: Harness, path: str, params: dict[str, str], cursor: str
) -> None:
    response = await harness.client.get(path, params={**params, "after": cursor}, headers=harness.township())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "the cursor is not valid"


async def test_a_public_board_page_shows_each_notice_as_its_public_read(harness: Harness) -> None:
    _, notice_id = await harness.to_first_notice(households=2)
    board = (await harness.client.get("/public/notices", params={"division": TOWNSHIP})).json()
    single = (await harness.client.get(f"/public/notices/{notice_id}")).json()
    assert len(single["entries"]) == 2
    assert board == [single]


async def _statements(harness: Harness, path: str, **params: Any) -> int:
    """How many SQL statements one read of a list runs."""
    engine = harness.app.state.sessionmaker.kw["bind"].sync_engine
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = await harness.client.get(path, params=params, headers=harness.township())
        assert response.status_code == 200, response.text
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


async def test_a_list_page_reads_its_lines_in_one_query_whatever_its_length(harness: Harness) -> None:
    for index in range(2):
        notice_id = await _notice(harness, VILLAGE, index)
        await harness.sql(
            "INSERT INTO notice_cases (notice_id, case_id) VALUES (:n, :c)", n=notice_id, c=uuid.uuid4()
        )
    few = (
        await _statements(harness, "/notices"),
        await _statements(harness, "/public/notices", division=TOWNSHIP),
    )
    for index in range(6):
        await _notice(harness, SIBLING, 2 + index)
    many = (
        await _statements(harness, "/notices"),
        await _statements(harness, "/public/notices", division=TOWNSHIP),
    )
    assert many == few
