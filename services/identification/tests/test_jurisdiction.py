"""Out-of-jurisdiction access answers 404 on every identification route (issue 4, "Done when" 4): batches,
comparison hits, objections, notices, quotas, exits, monitoring, indicators and region settings — not only
cases. Each outsider holds the tier and role the route needs, so a 404 can only come from jurisdiction;
list routes show an outsider nothing, and naming an outside division in them is 404 too."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
DAY = 86_400
EXIT_VOTE = {
    "meeting_on": "2025-06-01",
    "representatives": 30,
    "present": 21,
    "votes_for": 18,
    "votes_against": 2,
}

# A sibling village, a sibling township and another county: each with a role that would otherwise pass.
OUTSIDERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("village", "520102016002", ("cadre",)),
    ("township", "520102017000", ("officer", "admin")),
    ("county", "520103000000", ("officer", "admin")),
]


async def _world(h: Harness) -> dict[str, str]:
    """One of everything inside VILLAGE / TOWNSHIP / COUNTY."""
    rid = h.resident_id()
    (case_id, other_id), notice_id = await h.to_first_notice(households=2)
    objection = await h.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "情况不实"}
    )
    assert objection.status_code == 201, objection.text
    await h.advance_clock(8 * DAY)
    await h.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": "核实无误"},
        headers=h.township(),
    )
    await h.client.post("/notices/tick", headers=h.township())
    batch = await h.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=h.township()
    )
    assert batch.status_code == 201, batch.text
    target = await h.household(ids=[rid])
    hit_case = await h.apply(target)
    await h.sql("UPDATE cases SET state = 'township_reviewed' WHERE id = :i", i=uuid.UUID(hit_case))
    pushed = await h.client.post(
        "/comparisons/pushes",
        json={"kind": "private_vehicle", "department": "公安交管", "entries": [{"resident_id": rid}]},
        headers=h.auth("county", "520102000000", "department", kind="client"),
    )
    assert pushed.json()["hits"] == 1, pushed.text
    hits = await h.client.get("/comparisons/hits", headers=h.county())
    registered = await h.household()
    await h.sql(
        "UPDATE rm_households SET status = 'registered', registered_year = 2023 WHERE household_id = :h",
        h=registered,
    )
    return {
        "year": str(await h.year()),
        "case": case_id,
        "other": other_id,
        "notice": notice_id,
        "objection": str(objection.json()["id"]),
        "batch": str(batch.json()["id"]),
        "hit": str(hits.json()[0]["id"]),
        "household": str(registered),
    }


def _routes(w: dict[str, str]) -> list[tuple[str, str, Any]]:
    assurances = dict.fromkeys(
        ("food", "clothing", "compulsory_education", "basic_medical", "safe_housing", "safe_water"), True
    )
    return [
        ("GET", f"/batches/{w['batch']}", None),
        ("POST", f"/batches/{w['batch']}/decide", {"findings": []}),
        ("POST", "/batches", {"action": "township_review", "division": VILLAGE}),
        ("POST", f"/comparisons/hits/{w['hit']}/resolve", {"outcome": "cleared", "reason": "已核实"}),
        ("POST", f"/objections/{w['objection']}/resolve", {"outcome": "dismissed", "reason": "已核实"}),
        ("GET", f"/notices/{w['notice']}", None),
        ("POST", "/notices", {"division": VILLAGE, "kind": "second"}),
        ("GET", f"/quotas/{VILLAGE}/{w['year']}", None),
        ("GET", f"/quotas/{VILLAGE}/{w['year']}/adjustments", None),
        ("GET", f"/quotas/{TOWNSHIP}/{w['year']}", None),
        ("PUT", "/quotas", {"division": VILLAGE, "year": int(w["year"]), "amount": 5, "reason": "调整规模"}),
        (
            "POST",
            "/exits",
            {"household_id": w["household"], "year": 2025, "assurances": assurances, "finding": EXIT_VOTE},
        ),
        (
            "POST",
            "/monitoring",
            {
                "household_id": w["household"],
                "year": 2025,
                "monitored_type": "unstable_exited",
                "discovery": "cadre_visit",
            },
        ),
        ("GET", f"/exits/indicators?division={VILLAGE}", None),
        ("GET", f"/exits/indicators?division={COUNTY}", None),
        ("GET", f"/region-settings/{VILLAGE}/notice_days", None),
        ("PUT", f"/region-settings/{VILLAGE}/notice_days", {"value": "10"}),
        ("GET", f"/cases?division={VILLAGE}", None),
        ("GET", f"/cases/{w['case']}", None),
        ("GET", f"/cases/{w['case']}/history", None),
        ("POST", f"/cases/{w['other']}/actions/reject", {"finding": {}}),
    ]


async def test_every_route_answers_404_out_of_jurisdiction(harness: Harness) -> None:
    world = await _world(harness)
    for tier, division, roles in OUTSIDERS:
        headers = harness.auth(tier, division, *roles)
        for method, path, body in _routes(world):
            response = await harness.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (tier, division, method, path, response.text)
        # Lists show an outsider nothing of the jurisdiction.
        for path in ("/notices", "/objections", "/comparisons/hits", "/cases"):
            listed = await harness.client.get(path, headers=headers)
            assert listed.status_code == 200, (path, listed.text)
            items = listed.json()["items"] if path == "/cases" else listed.json()
            assert items == [], (tier, path, items)
    # The same requests from inside (the county) are never 404: the routes and objects exist, so the
    # 404s above are jurisdiction, not absence (they may be 403/409/422 for the county's tier).
    insider = harness.auth("county", COUNTY, "officer", "admin")
    for method, path, body in _routes(world):
        response = await harness.client.request(method, path, json=body, headers=insider)
        assert response.status_code != 404, (method, path, response.text)
    assert (
        await harness.client.get(f"/batches/{world['batch']}", headers=harness.township())
    ).status_code == 200
    assert (
        await harness.client.get(f"/notices/{world['notice']}", headers=harness.village())
    ).status_code == 200
    hits = await harness.client.get("/comparisons/hits", headers=harness.county())
    assert [hit["id"] for hit in hits.json()] == [world["hit"]]
