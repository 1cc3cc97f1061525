"""QA9-L1: a notice (公示) and an announcement (公告) keep each household's line as it was posted: the head's
masked name and ID and the household size of the moment the case was put on it. Before, every line was read
from the household as the read model holds it now, so a birth, a move or a new head after posting rewrote
what had been publicly posted, on the board, in the notice document and on the announcement. Real
PostgreSQL, through the real app; the household changes arrive through the read model's own handlers, as
the registry's member events do."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fupin_contracts import registry as contracts
from fupin_kit.envelope import new_event
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
NEW_HEAD_MASKED = "520102********5678"


async def _posted(harness: Harness, case_id: str) -> tuple[uuid.UUID, str, str, int]:
    """The case's household and its head's masked name and ID and its size, as the read model holds them."""
    ((household, name, masked_id, members),) = await harness.sql(
        "SELECT h.household_id, h.head_name_masked, h.head_id_masked, h.member_count FROM rm_households h "
        "JOIN cases c ON c.household_id = h.household_id WHERE c.id = :c",
        c=case_id,
    )
    return household, name, masked_id, members


def _summary(relation: str) -> contracts.MemberSummaryV1:
    return contracts.MemberSummaryV1(
        member_id=uuid.uuid4(),
        name="王新户",
        sex="female",
        id_kind="resident_id",
        resident_id_masked=NEW_HEAD_MASKED,
        relation=relation,
        health="healthy",
        labour_capacity="ordinary",
        status="active",
    )


async def _member_joins_and_becomes_head(harness: Harness, household: uuid.UUID, members: int) -> None:
    """A marriage into the household (member.added), then the newcomer named its head (member.updated)."""
    member = _summary("spouse")
    added = contracts.MemberAddedV1(
        household_id=household,
        division=VILLAGE,
        change="marriage_in",
        effective_on=dt.date(2026, 11, 27),
        reason="婚入",
        member=member,
        member_count=members + 1,
    )
    updated = contracts.MemberUpdatedV1(
        household_id=household,
        division=VILLAGE,
        member_id=member.member_id,
        changed=["relation"],
        reason="原户主外迁，变更户主",
        member=member.model_copy(update={"relation": "head"}),
    )
    for event_type, payload, handler in (
        (contracts.MEMBER_ADDED, added, handlers.on_member_changed),
        (contracts.MEMBER_UPDATED, updated, handlers.on_member_updated),
    ):
        event = new_event(
            service="registry",
            type=event_type,
            aggregate="household",
            aggregate_id=str(household),
            division=VILLAGE,
            data=payload.model_dump(mode="json"),
        )
        async with harness.app.state.sessionmaker() as session, session.begin():
            await handler(session, event)
    (changed,) = await harness.sql(
        "SELECT head_id_masked, member_count FROM rm_households WHERE household_id = :h", h=household
    )
    assert tuple(changed) == (NEW_HEAD_MASKED, members + 1)  # the read model did change


def _entry(notice: dict[str, Any], case_id: str) -> dict[str, Any]:
    (entry,) = [entry for entry in notice["entries"] if entry["case_id"] == case_id]
    return dict(entry)


async def _assert_shown_as_posted(
    harness: Harness, notice_id: str, case_id: str, posted: tuple[uuid.UUID, str, str, int]
) -> None:
    _, name, masked_id, members = posted
    read = await harness.client.get(f"/public/notices/{notice_id}")
    assert read.status_code == 200, read.text
    board = await harness.client.get("/public/notices", params={"division": VILLAGE})
    (listed,) = [notice for notice in board.json() if notice["id"] == notice_id]
    for notice in (read.json(), listed):
        entry = _entry(notice, case_id)
        assert (entry["head_name"], entry["head_id"], entry["member_count"]) == (name, masked_id, members)
    html = await harness.client.get(f"/public/notices/{notice_id}/document")
    assert html.status_code == 200, html.text
    assert f"<td>{masked_id}</td><td>{members}</td>" in html.text, html.text
    assert NEW_HEAD_MASKED not in html.text
    officers = await harness.client.get("/notices", headers=harness.county())
    (line,) = [
        line
        for notice in officers.json()
        if notice["id"] == notice_id
        for line in notice["lines"]
        if line["case_id"] == case_id
    ]
    assert (line["head_name"], line["head_id"], line["member_count"]) == (name, masked_id, members)
    single = await harness.client.get(f"/notices/{notice_id}", headers=harness.county())
    (line,) = [line for line in single.json()["lines"] if line["case_id"] == case_id]
    assert (line["head_name"], line["head_id"], line["member_count"]) == (name, masked_id, members)


async def test_a_notice_keeps_the_head_and_size_it_posted_after_the_household_changes(
    harness: Harness,
) -> None:
    await harness.quotas(await harness.year(), 10)
    household = await harness.household(members=2)
    case_id = await harness.apply(household)
    assert (await harness.act(case_id, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    vote = await harness.vote()
    assert (await harness.act(case_id, "village_review", harness.village(), vote)).status_code == 200
    opened = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=harness.township()
    )
    assert opened.status_code == 201, opened.text
    notice_id = str(opened.json()["id"])
    posted = await _posted(harness, case_id)
    assert posted[3] == 2

    await _member_joins_and_becomes_head(harness, household, 2)

    await _assert_shown_as_posted(harness, notice_id, case_id, posted)
    # The answer to the posting itself names the lines it posted.
    (line,) = opened.json()["lines"]
    assert (line["head_name"], line["head_id"], line["member_count"]) == posted[1:]


async def test_an_announcement_keeps_the_head_and_size_it_announced(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    household = await harness.household(members=3)
    case_id = await harness.apply(household)
    await harness.sql("UPDATE cases SET state = 'county_approved' WHERE id = :c", c=case_id)
    announced = await harness.act(case_id, "announce", harness.county())
    assert announced.status_code == 200, announced.text
    posted = await _posted(harness, case_id)
    (announcement,) = (
        await harness.client.get("/public/notices", params={"division": VILLAGE, "kind": "announcement"})
    ).json()

    await _member_joins_and_becomes_head(harness, household, 3)

    await _assert_shown_as_posted(harness, announcement["id"], case_id, posted)
