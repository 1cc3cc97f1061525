"""Joint inspections (联合检查): at least two departments, a failed checklist point raises exactly one
inspection-issue finding per project and point, close freezes the inspection, its public summary needs
no token and names no person, and a sibling county's officer finds nothing (404)."""

from __future__ import annotations

from typing import Any

from fupin_contracts import funds as contracts

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
COUNTY = "520102000000"
OTHER_COUNTY = "520103000000"
CITY = "520100000000"
PHONE = "13812345678"
INSPECTION: dict[str, Any] = {
    "division": COUNTY,
    "year": 2026,
    "departments": ["discipline", "poverty_alleviation", "finance"],
    "leader_unit": "南明区纪委监委",
    "starts_on": "2026-05-10",
    "ends_on": "2026-05-20",
}
FAILED_QUALITY = {"point": "quality", "passed": False, "note": f"钢架锈蚀，联系人张三{PHONE}"}


def officer(harness: Harness, tier: str, division: str) -> dict[str, str]:
    headers: dict[str, str] = harness.auth(tier, division, "officer")
    return headers


async def opened(harness: Harness, headers: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    response = await harness.client.post(
        "/inspections", json={**INSPECTION, **overrides}, headers=headers or harness.county()
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def item(
    harness: Harness,
    inspection_id: str,
    project_id: str,
    *checks: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Any:
    return await harness.client.post(
        f"/inspections/{inspection_id}/items",
        json={"project_id": project_id, "checklist": list(checks)},
        headers=headers or harness.county(),
    )


async def test_a_joint_inspection_takes_at_least_two_departments(harness: Harness) -> None:
    for departments in (["finance"], ["finance", "finance"]):
        response = await harness.client.post(
            "/inspections", json={**INSPECTION, "departments": departments}, headers=harness.county()
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "joint-inspection"
    body = await opened(harness, officer(harness, "city", CITY), departments=["finance", "audit"])
    assert body["departments"] == ["finance", "audit"] and body["status"] == "open"


async def test_a_township_is_not_inspected_and_viewers_do_not_inspect(harness: Harness) -> None:
    township = await harness.client.post(
        "/inspections", json={**INSPECTION, "division": harness.TOWNSHIP}, headers=harness.county()
    )
    assert township.status_code == 422 and township.json()["code"] == "not-a-county"
    viewer = await harness.client.post("/inspections", json=INSPECTION, headers=harness.city())
    assert viewer.status_code == 403


async def test_a_failed_point_raises_one_finding_even_when_found_twice(harness: Harness) -> None:
    project_id = await harness.proposed()
    first = await opened(harness)
    passed = {"point": "disclosure", "passed": True}
    response = await item(harness, first["id"], project_id, passed, FAILED_QUALITY)
    assert response.status_code == 200, response.text
    city = officer(harness, "city", CITY)
    second = await opened(harness, city)
    again = await item(harness, second["id"], project_id, FAILED_QUALITY, headers=city)
    assert again.status_code == 200, again.text
    assert again.json()["findings"] == []
    found = await harness.client.get(
        "/supervision/findings", params={"kind": "inspection-issue"}, headers=harness.county()
    )
    assert [(f["project_id"], f["inspection_point"]) for f in found.json()] == [(project_id, "quality")]
    raised = [event for event in await harness.outbox() if event[0] == contracts.INSPECTION_FINDING_RAISED]
    assert len(raised) == 1 and raised[0][1]["point"] == "quality" and PHONE not in raised[0][1]["note"]
    inspection = (await harness.client.get(f"/inspections/{first['id']}", headers=harness.county())).json()
    assert len(inspection["items"]) == 1 and len(inspection["findings"]) == 1


async def test_a_failed_point_needs_a_note_and_a_project_of_the_county(harness: Harness) -> None:
    inspection = await opened(harness)
    project_id = await harness.proposed()
    silent = await item(harness, inspection["id"], project_id, {"point": "records", "passed": False})
    assert silent.status_code == 422 and silent.json()["code"] == "note-required"
    other = await harness.proposed(harness.county(OTHER_COUNTY), division=harness.OTHER_COUNTY_VILLAGE)
    foreign = await item(harness, inspection["id"], other, FAILED_QUALITY)
    assert foreign.status_code == 422 and foreign.json()["code"] == "project-not-in-county"


async def test_an_inspection_finding_is_resolved_like_the_others(harness: Harness) -> None:
    project_id = await harness.proposed()
    inspection = await opened(harness)
    added = await item(harness, inspection["id"], project_id, FAILED_QUALITY)
    finding = added.json()["findings"][0]
    response = await harness.client.post(
        f"/supervision/findings/{finding['id']}/resolve",
        json={"resolution": "justified", "note": "已整改到位"},
        headers=harness.county(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "justified"
    assert contracts.INSPECTION_FINDING_RESOLVED in [event[0] for event in await harness.outbox()]


async def test_close_freezes_the_inspection(harness: Harness) -> None:
    project_id = await harness.proposed()
    inspection = await opened(harness)
    close = f"/inspections/{inspection['id']}/close"
    closed = await harness.client.post(close, json={"conclusion": "限期整改"}, headers=harness.county())
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["conclusion"] == "限期整改"
    late = await item(harness, inspection["id"], project_id, FAILED_QUALITY)
    assert late.status_code == 409 and late.json()["code"] == "inspection-closed"
    twice = await harness.client.post(close, json={"conclusion": "再次"}, headers=harness.county())
    assert twice.status_code == 409 and twice.json()["code"] == "inspection-closed"
    types = [event[0] for event in await harness.outbox()]
    assert types.count(contracts.INSPECTION_OPENED) == 1 and types.count(contracts.INSPECTION_CLOSED) == 1


async def test_the_public_summary_needs_no_token_and_names_no_person(harness: Harness) -> None:
    project_id = await harness.proposed()
    running = await opened(harness)
    inspection = await opened(harness, leader_unit=f"南明区纪委监委{PHONE}")
    await item(harness, inspection["id"], project_id, {"point": "disclosure", "passed": True}, FAILED_QUALITY)
    await harness.client.post(
        f"/inspections/{inspection['id']}/close",
        json={"conclusion": f"总体规范，问题请联系{PHONE}"},
        headers=harness.county(),
    )
    response = await harness.client.get("/public/inspections", params={"division": CITY})
    assert response.status_code == 200, response.text
    [summary] = response.json()
    assert summary["inspection_id"] == inspection["id"] != running["id"]
    assert summary["projects_inspected"] == 1 and summary["failed_points"] == {"quality": 1}
    assert summary["department_labels"] == ["纪检监察", "扶贫", "财政"]
    text = response.text
    assert PHONE not in text and "张三" not in text and "opened_by" not in text and "closed_by" not in text
    assert project_id not in text


async def test_a_sibling_county_finds_nothing(harness: Harness) -> None:
    inspection = await opened(harness)
    sibling = harness.county(OTHER_COUNTY)
    assert (await harness.client.get(f"/inspections/{inspection['id']}", headers=sibling)).status_code == 404
    close = await harness.client.post(
        f"/inspections/{inspection['id']}/close", json={"conclusion": "越权"}, headers=sibling
    )
    assert close.status_code == 404
    elsewhere = await harness.client.post("/inspections", json=INSPECTION, headers=sibling)
    assert elsewhere.status_code == 404
    listed = await harness.client.get("/inspections", params={"division": COUNTY}, headers=sibling)
    assert listed.status_code == 404
    own = await harness.client.get("/inspections", params={"year": 2026}, headers=sibling)
    assert own.status_code == 200 and own.json() == []


async def test_the_public_board_pages_closed_inspections(harness: Harness) -> None:
    closed = []
    for _ in range(3):
        inspection = await opened(harness)
        await harness.client.post(
            f"/inspections/{inspection['id']}/close", json={"conclusion": "规范"}, headers=harness.county()
        )
        closed.append(inspection["id"])
    seen: list[str] = []
    params: dict[str, Any] = {"division": COUNTY, "limit": 2}
    while True:
        page = await harness.client.get("/public/inspections", params=params)
        assert page.status_code == 200, page.text
        seen += [summary["inspection_id"] for summary in page.json()]
        cursor = page.headers.get("Next-Cursor")
        if cursor is None:
            break
        params["after"] = cursor
    assert sorted(seen) == sorted(closed)
