"""Division names from the registry's household events, on real PostgreSQL through the real app: public
notice documents (the board, its HTML page and the PDF) name the village and its township and county once
a household.created event has carried its place, and show the code where none has (households created
before events carried places). Identification asks no service for names."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from pypdf import PdfReader

from fupin_contracts import registry as contracts
from fupin_kit.envelope import new_event
from identification.divisions.place import place
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
PLACE = "南明区新华路街道纪念塔社区"


def _chain(village_name: str = "纪念塔社区") -> list[contracts.DivisionNameV1]:
    """The place the registry's tree gives 520102016001 (registry tests check the registry sends it)."""
    return [
        contracts.DivisionNameV1(code="520000000000", division_name="贵州省"),
        contracts.DivisionNameV1(code="520100000000", division_name="贵阳市"),
        contracts.DivisionNameV1(code="520102000000", division_name="南明区"),
        contracts.DivisionNameV1(code=TOWNSHIP, division_name="新华路街道"),
        contracts.DivisionNameV1(code=VILLAGE, division_name=village_name),
    ]


async def _documents(harness: Harness, notice_id: str) -> tuple[dict[str, Any], str, str]:
    board = await harness.client.get(f"/public/notices/{notice_id}")
    assert board.status_code == 200, board.text
    page = await harness.client.get(f"/public/notices/{notice_id}/document")
    assert page.status_code == 200, page.text
    document = await harness.client.get(f"/public/notices/{notice_id}/document.pdf")
    assert document.status_code == 200, document.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    return board.json(), page.text, text.replace("\n", "")


async def test_notice_documents_name_the_village_from_the_registry_household_event(harness: Harness) -> None:
    _cases, notice_id = await harness.to_first_notice(place=_chain())
    board, page, pdf = await _documents(harness, notice_id)
    assert (board["division"], board["village_name"], board["place"]) == (VILLAGE, "纪念塔社区", PLACE)
    assert [entry["village_name"] for entry in board["entries"]] == ["纪念塔社区"]
    assert f"村（社区）：{PLACE}（代码 {VILLAGE}）" in page
    assert "<td>纪念塔社区</td>" in page and f"<td>{VILLAGE}</td>" not in page
    assert PLACE in pdf and "纪念塔社区" in pdf, pdf
    # The board's search by township shows the same.
    listed = await harness.client.get("/public/notices", params={"division": TOWNSHIP})
    assert [(notice["village_name"], notice["place"]) for notice in listed.json()] == [("纪念塔社区", PLACE)]
    rows = await harness.sql("SELECT code, name, parent_code FROM rm_division_names ORDER BY code")
    assert [tuple(row) for row in rows] == [
        ("520000000000", "贵州省", None),
        ("520100000000", "贵阳市", "520000000000"),
        ("520102000000", "南明区", "520100000000"),
        (TOWNSHIP, "新华路街道", "520102000000"),
        (VILLAGE, "纪念塔社区", TOWNSHIP),
    ]


async def test_a_village_no_event_has_named_is_shown_by_its_code(harness: Harness) -> None:
    _cases, notice_id = await harness.to_first_notice()  # an event published before places were carried
    board, page, pdf = await _documents(harness, notice_id)
    assert board["village_name"] is None and board["place"] is None
    assert [entry["village_name"] for entry in board["entries"]] == [None]
    assert f"村（社区）代码：{VILLAGE}" in page and f"<td>{VILLAGE}</td>" in page
    assert VILLAGE in pdf, pdf
    # Names carried later by another household's event of the village name the same notice.
    await harness.household(place=_chain())
    board, page, _pdf = await _documents(harness, notice_id)
    assert board["place"] == PLACE and f"村（社区）：{PLACE}" in page


async def _created(harness: Harness, chain: list[contracts.DivisionNameV1], at: dt.datetime) -> Any:
    """A household.created event of the village with this place, published at `at`."""
    household_id = uuid.uuid4()
    payload = contracts.HouseholdCreatedV1(
        household_id=household_id,
        division=VILLAGE,
        village_group="一组",
        status="candidate",
        identification_standard="national",
        attribute="general",
        main_cause="illness",
        other_causes=[],
        member_count=0,
        members=[],
        place=chain,
    )
    event = new_event(
        service="registry",
        type=contracts.HOUSEHOLD_CREATED,
        aggregate="household",
        aggregate_id=str(household_id),
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )
    return event.model_copy(update={"time": at})


async def _apply(harness: Harness, event: Any) -> None:
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_household_created(session, event)


async def test_names_are_kept_once_and_refreshed_only_by_a_newer_event(harness: Harness) -> None:
    now = dt.datetime.now(dt.UTC)
    first = await _created(harness, _chain(), now)
    await _apply(harness, first)
    held = "SELECT code, name, named_at, updated_at, xmin::text FROM rm_division_names ORDER BY code"
    before = await harness.sql(held)
    # The same event again (a redelivery past the inbox) and another household's event with the same
    # names rewrite nothing: not even a new row version.
    await _apply(harness, first)
    await _apply(harness, await _created(harness, _chain(), now + dt.timedelta(minutes=1)))
    assert await harness.sql(held) == before
    # A renamed village is renamed by a newer event; an older one delivered late does not undo it.
    await _apply(harness, await _created(harness, _chain("纪念塔新社区"), now + dt.timedelta(hours=1)))
    await _apply(harness, await _created(harness, _chain(), now + dt.timedelta(minutes=30)))
    rows = await harness.sql("SELECT code, name FROM rm_division_names ORDER BY code")
    assert [tuple(row) for row in rows][-2:] == [(TOWNSHIP, "新华路街道"), (VILLAGE, "纪念塔新社区")]
    assert len(rows) == 5


# ---- the pure part: what a document calls a village ----------------------------------------------------


def _node(code: str, name: str, placeholder: bool = False) -> dict[str, Any]:
    return {"code": code, "name": name, "placeholder": placeholder}


def test_a_place_starts_at_the_county_or_the_city_standing_in_for_it() -> None:
    guangdong = _node("440000000000", "广东省")
    dongguan = _node("441900000000", "东莞市")
    township = _node("441900003000", "东城街道")
    village = _node("441900003001", "岗贝社区居民委员会")
    assert place([guangdong, dongguan, township, village]) == "东莞市东城街道岗贝社区居民委员会"
    beijing = _node("110000000000", "北京市")
    grouping = _node("110100000000", "市辖区", placeholder=True)
    dongcheng = _node("110101000000", "东城区")
    assert place([beijing, grouping, dongcheng]) == "东城区"
    # A grouping between the county and the village is no part of the path.
    xiangyang = _node("230803000000", "向阳区")
    direct = _node("230803198000", "向阳区直辖村级区划", placeholder=True)
    assert place([xiangyang, direct, _node("230803198001", "某村")]) == "向阳区某村"
    assert place([beijing, grouping]) == "北京市市辖区"  # a division keeps its own name, whatever it is
    assert place([beijing]) == "北京市"
    assert place([]) == ""
