"""Division names from the registry, on real PostgreSQL through the real app and a real registry app on the
test county's part of the national tree: public notice documents name the village and its township and
county, a quota is refused for a code that names no division, and a registry that cannot answer (nothing
listening) never stops a notice or a quota."""

from __future__ import annotations

import io
import logging
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from pypdf import PdfReader

from fupin_kit.settings import KitSettings
from identification.divisions import registry
from identification.divisions.place import place
from identification.divisions.registry import Node

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
PLACE = "南明区新华路街道纪念塔社区"
# Nothing listens on port 1: the registry is down, for real.
UNREACHABLE = "http://127.0.0.1:1"


async def _documents(harness: Harness, notice_id: str) -> tuple[dict[str, Any], str, str]:
    board = await harness.client.get(f"/public/notices/{notice_id}")
    assert board.status_code == 200, board.text
    page = await harness.client.get(f"/public/notices/{notice_id}/document")
    assert page.status_code == 200, page.text
    document = await harness.client.get(f"/public/notices/{notice_id}/document.pdf")
    assert document.status_code == 200, document.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    return board.json(), page.text, text.replace("\n", "")


async def test_notice_documents_name_the_village_and_its_township_and_county(
    harness: Harness, registry_app: FastAPI
) -> None:
    harness.use_registry(registry_app)
    _cases, notice_id = await harness.to_first_notice()
    board, page, pdf = await _documents(harness, notice_id)
    assert (board["division"], board["village_name"], board["place"]) == (VILLAGE, "纪念塔社区", PLACE)
    assert [entry["village_name"] for entry in board["entries"]] == ["纪念塔社区"]
    assert f"村（社区）：{PLACE}（代码 {VILLAGE}）" in page
    assert "<td>纪念塔社区</td>" in page and f"<td>{VILLAGE}</td>" not in page
    assert PLACE in pdf, pdf
    # The board's search shows the same.
    listed = await harness.client.get("/public/notices", params={"division": TOWNSHIP})
    assert [notice["place"] for notice in listed.json()] == [PLACE]
    # The divisions above the village are known too (a later quota on them needs no lookup).
    rows = await harness.sql("SELECT code, name, place FROM division_names ORDER BY code")
    assert [tuple(row) for row in rows] == [
        ("520000000000", "贵州省", "贵州省"),
        ("520100000000", "贵阳市", "贵州省贵阳市"),
        ("520102000000", "南明区", "贵阳市南明区"),
        (TOWNSHIP, "新华路街道", "南明区新华路街道"),
        (VILLAGE, "纪念塔社区", PLACE),
    ]


async def test_a_registry_that_cannot_answer_never_stops_a_notice(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.use_registry(UNREACHABLE)
    with caplog.at_level(logging.WARNING, logger="identification.divisions"):
        _cases, notice_id = await harness.to_first_notice()
    assert any("unreachable" in record.getMessage() for record in caplog.records), caplog.text
    board, page, pdf = await _documents(harness, notice_id)
    assert board["village_name"] is None and board["place"] is None
    assert f"村（社区）代码：{VILLAGE}" in page and f"<td>{VILLAGE}</td>" in page
    assert VILLAGE in pdf, pdf


async def test_names_once_held_outlive_a_registry_outage(harness: Harness, registry_app: FastAPI) -> None:
    harness.use_registry(registry_app)
    (case,), _first = await harness.to_first_notice()
    harness.use_registry(UNREACHABLE)
    await harness.sql("UPDATE cases SET state = 'compared' WHERE id = :i", i=uuid.UUID(case))
    second = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "second"}, headers=harness.township()
    )
    assert second.status_code == 201, second.text
    board, page, _pdf = await _documents(harness, second.json()["id"])
    assert board["place"] == PLACE and f"村（社区）：{PLACE}" in page


# ---- a quota's division must exist -------------------------------------------------------------------------

NO_SUCH_VILLAGE = "520102016999"  # well-formed, in the township's range, never issued
SIBLING = "520102016002"  # 新华路社区


async def _room(harness: Harness) -> None:
    """Quotas from the province down to the township, with room for more villages."""
    await harness.quotas(await harness.year(), 10)
    await harness.sql("UPDATE quotas SET amount = 100 WHERE division <> :v", v=VILLAGE)


async def _quota(harness: Harness, division: str, amount: int = 1) -> Any:
    body = {"division": division, "year": await harness.year(), "amount": amount, "reason": "年度名额"}
    return await harness.client.put("/quotas", json=body, headers=harness.township())


async def test_a_quota_for_a_division_the_registry_does_not_have_is_refused(
    harness: Harness, registry_app: FastAPI
) -> None:
    harness.use_registry(registry_app)
    await _room(harness)
    refused = await _quota(harness, NO_SUCH_VILLAGE)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "unknown-division" and NO_SUCH_VILLAGE in problem["detail"]
    assert [error["loc"] for error in problem["errors"]] == [["body", "division"]]
    assert await harness.sql("SELECT count(*) FROM quotas WHERE division = :d", d=NO_SUCH_VILLAGE) == [(0,)]
    assert "fupin.identification.quota.set.v1" not in await harness.outbox_types()
    # A division of the tree is set as before, and known from then on.
    accepted = await _quota(harness, SIBLING)
    assert accepted.status_code == 200, accepted.text
    assert await harness.sql("SELECT name FROM division_names WHERE code = :d", d=SIBLING) == [
        ("新华路社区",)
    ]


async def test_a_quota_is_set_when_the_registry_cannot_answer(
    harness: Harness, registry_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    await _room(harness)
    harness.use_registry(registry_app)
    assert (await _quota(harness, SIBLING)).status_code == 200
    harness.use_registry(UNREACHABLE)
    with caplog.at_level(logging.WARNING, logger="identification.divisions"):
        unconfirmed = await _quota(harness, NO_SUCH_VILLAGE)
        assert unconfirmed.status_code == 200, unconfirmed.text
        assert any(
            NO_SUCH_VILLAGE in r.getMessage() and "unreachable" in r.getMessage() for r in caplog.records
        )
        caplog.clear()
        # A division already confirmed needs no registry at all.
        assert (await _quota(harness, SIBLING, 2)).status_code == 200
        assert caplog.records == []


# ---- the pure parts: a division's place, and where the registry is asked ---------------------------------


def _node(code: str, name: str, level: str, placeholder: bool = False) -> Node:
    return Node(code=code, name=name, level=level, placeholder=placeholder)


def test_a_place_starts_at_the_county_or_the_city_standing_in_for_it() -> None:
    guangdong = _node("440000000000", "广东省", "province")
    dongguan = _node("441900000000", "东莞市", "city")
    township = _node("441900003000", "东城街道", "township")
    village = _node("441900003001", "主山社区", "village")
    assert place([guangdong, dongguan, township, village]) == "东莞市东城街道主山社区"
    beijing = _node("110000000000", "北京市", "province")
    grouping = _node("110100000000", "市辖区", "city", placeholder=True)
    dongcheng = _node("110101000000", "东城区", "county")
    assert place([beijing, grouping, dongcheng]) == "东城区"
    assert place([beijing, grouping]) == "北京市市辖区"  # a division keeps its own name, whatever it is
    assert place([beijing]) == "北京市"


def test_the_registry_is_asked_where_configured_else_through_the_gateway() -> None:
    files = KitSettings(jwks_source="/keys/jwks.json")
    assert registry.base_url(files, {}) is None
    assert registry.base_url(files, {"FUPIN_REGISTRY_URL": "http://registry:8001/"}) == "http://registry:8001"
    gateway = KitSettings(jwks_source="/keys/jwks.json", gateway_url="http://127.0.0.1:8000")
    assert registry.base_url(gateway, {}) == "http://127.0.0.1:8000/api/v1/registry"
    compose = KitSettings(jwks_source="http://gateway:8000/.well-known/jwks.json")
    assert registry.base_url(compose, {}) == "http://gateway:8000/api/v1/registry"
