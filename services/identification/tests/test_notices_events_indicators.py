"""The gaps closed after the first cut: objection and quota events, the Idempotency-Key on the public
objection route, the notice document as PDF with masked IDs and names, the exit indicators against
2% / 3%, and the monitoring line in the monitoring checks."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
BEIJING_VILLAGE = "110101001001"
DAY = 86_400


async def test_objection_and_quota_changes_emit_events(harness: Harness) -> None:
    (case_id,), notice_id = await harness.to_first_notice()
    objection = await harness.client.post(
        f"/public/notices/{notice_id}/objections", json={"case_id": case_id, "text": "他家有车"}
    )
    assert objection.status_code == 201, objection.text
    await harness.client.post(
        f"/objections/{objection.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": "核实无车"},
        headers=harness.township(),
    )
    year = await harness.year()
    quota = await harness.client.put(
        "/quotas",
        json={"division": VILLAGE, "year": year, "amount": 8, "reason": "调减规模"},
        headers=harness.township(),
    )
    assert quota.status_code == 200, quota.text
    types = await harness.outbox_types()
    assert types.count("fupin.identification.objection.opened.v1") == 1
    assert types.count("fupin.identification.objection.resolved.v1") == 1
    assert types.count("fupin.identification.quota.set.v1") == 1
    rows = await harness.sql(
        "SELECT payload FROM outbox WHERE type LIKE 'fupin.identification.objection.%' ORDER BY seq"
    )
    opened, resolved = (row[0]["data"] for row in rows)
    assert opened["status"] == "open" and resolved["status"] == "dismissed"
    assert "他家有车" not in str(rows)  # the objector's words stay in the service
    (quota_row,) = await harness.sql(
        "SELECT payload FROM outbox WHERE type = 'fupin.identification.quota.set.v1'"
    )
    assert quota_row[0]["data"] == {
        "division": VILLAGE,
        "year": year,
        "before": 10,
        "after": 8,
        "reason": "调减规模",
    }


async def test_public_objection_accepts_an_idempotency_key(harness: Harness) -> None:
    (case_id,), notice_id = await harness.to_first_notice()
    path = f"/public/notices/{notice_id}/objections"
    body = {"case_id": case_id, "text": "情况不实"}
    first = await harness.client.post(path, json=body, headers={"Idempotency-Key": "obj-1"})
    again = await harness.client.post(path, json=body, headers={"Idempotency-Key": "obj-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await harness.client.post(
        path, json={**body, "text": "另一条"}, headers={"Idempotency-Key": "obj-1"}
    )
    assert other.status_code == 422
    assert (await harness.sql("SELECT count(*) FROM objections"))[0][0] == 1


async def test_notice_document_html_and_pdf_mask_names_and_ids(harness: Harness) -> None:
    rid = harness.resident_id()
    await harness.quotas(await harness.year(), 10)
    case_id = await harness.apply(await harness.household(ids=[rid]))
    await harness.act(case_id, "verify", harness.village(), {"survey": "ok"})
    await harness.act(
        case_id,
        "village_review",
        harness.village(),
        await harness.vote(),
    )
    notice = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=harness.township()
    )
    notice_id = notice.json()["id"]
    page = await harness.client.get(f"/public/notices/{notice_id}/document")
    assert page.status_code == 200
    assert "张**" in page.text and "张三丰" not in page.text
    assert f"{rid[:6]}********{rid[-4:]}" in page.text and rid not in page.text
    document = await harness.client.get(f"/public/notices/{notice_id}/document.pdf")
    assert document.status_code == 200, document.text
    assert document.headers["content-type"] == "application/pdf"
    assert document.content.startswith(b"%PDF") and len(document.content) > 1000
    assert rid.encode() not in document.content
    board = await harness.client.get("/public/notices", params={"division": VILLAGE})
    assert board.json()[0]["entries"][0]["head_id"] == f"{rid[:6]}********{rid[-4:]}"


async def _poor(harness: Harness, division: str, households: int, members: int, status: str) -> None:
    for _ in range(households):
        household = await harness.household(division=division, members=members)
        await harness.sql(
            "UPDATE rm_households SET status = :s WHERE household_id = :h", s=status, h=household
        )


async def test_exit_indicators_against_two_and_three_percent(harness: Harness) -> None:
    await _poor(harness, VILLAGE, 3, 2, "registered")  # 6 people still poor
    await _poor(harness, VILLAGE, 2, 3, "exited")
    await _poor(harness, SIBLING, 1, 4, "returned")  # 4 people poor again
    put = await harness.client.put(
        f"/region-settings/{VILLAGE}/rural_population", json={"value": "250"}, headers=harness.county()
    )
    assert put.status_code == 200, put.text
    await harness.client.put(
        f"/region-settings/{SIBLING}/rural_population", json={"value": "1000"}, headers=harness.county()
    )
    village = (
        await harness.client.get(f"/exits/indicators?division={VILLAGE}", headers=harness.county())
    ).json()
    assert village["west"] is True and village["threshold_pct"] == 3.0  # Guizhou (52) is western
    assert village["poor_population"] == 6 and village["exited_households"] == 2
    assert village["incidence_pct"] == 2.4 and village["meets_threshold"] is True
    county = (
        await harness.client.get(f"/exits/indicators?division={COUNTY}", headers=harness.county())
    ).json()
    assert county["rural_population"] == 1250 and county["poor_population"] == 10
    assert county["incidence_pct"] == 0.8 and "over the 2 villages with a" in county["note"]
    assert county["villages_without_figure"] == 0 and county["meets_threshold"] is True
    sibling = await harness.client.get(f"/exits/indicators?division={SIBLING}", headers=harness.county())
    assert sibling.json()["incidence_pct"] == 0.4
    # The east: 2% (a Beijing village with 2.4% does not meet it).
    await _poor(harness, BEIJING_VILLAGE, 3, 2, "registered")
    nation = harness.auth("nation", "000000000000", "admin")
    await harness.client.put(
        f"/region-settings/{BEIJING_VILLAGE}/rural_population", json={"value": "250"}, headers=nation
    )
    east = (await harness.client.get(f"/exits/indicators?division={BEIJING_VILLAGE}", headers=nation)).json()
    assert east["threshold_pct"] == 2.0 and east["incidence_pct"] == 2.4 and east["meets_threshold"] is False
    missing = await harness.client.get("/exits/indicators?division=520102017001", headers=harness.county())
    assert missing.json()["incidence_pct"] is None and missing.json()["meets_threshold"] is None
    township = await harness.client.get(f"/exits/indicators?division={TOWNSHIP}", headers=harness.county())
    assert township.status_code == 422


async def test_monitoring_line_in_opening_and_clearance(harness: Harness) -> None:
    year = int((await harness.sql("SELECT extract(year FROM now())::int"))[0][0])
    above, below = await harness.household(), await harness.household()
    await harness.income(above, year, "7200")
    await harness.income(below, year, "5100")
    body = {"year": year, "monitored_type": "marginal", "discovery": "cadre_visit"}
    refused = await harness.client.post(
        "/monitoring", json={**body, "household_id": str(above)}, headers=harness.village()
    )
    assert refused.status_code == 422 and "monitoring line 6000" in str(refused.json()["failed"])
    # Sudden hardship is about expenses: the same household may be warned for it.
    sudden = await harness.client.post(
        "/monitoring",
        json={**body, "household_id": str(above), "monitored_type": "sudden_hardship"},
        headers=harness.village(),
    )
    assert sudden.status_code == 201, sudden.text
    opened = await harness.client.post(
        "/monitoring", json={**body, "household_id": str(below)}, headers=harness.village()
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    history = (await harness.client.get(f"/cases/{case_id}/history", headers=harness.village())).json()
    assert history[0]["detail"]["monitoring_line"] == "6000"
    # Monitored seven months ago; income still below the line → not cleared; above → cleared.
    decided_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=214)
    await harness.sql("UPDATE cases SET state = 'monitored' WHERE id = :i", i=uuid.UUID(case_id))
    await harness.sql(
        "INSERT INTO case_history (case_id, division, action, from_state, to_state, actor, actor_tier, at) "
        "VALUES (:i, :d, 'county_decide', 'monitor_township_reviewed', 'monitored', 'test', 'county', :at)",
        i=uuid.UUID(case_id),
        d=VILLAGE,
        at=decided_at,
    )
    early = await harness.act(case_id, "clear_risk", harness.county())
    assert early.status_code == 409 and early.json()["code"] == "income", early.text
    await harness.sql("UPDATE rm_incomes SET per_capita_net_income = 9000 WHERE household_id = :h", h=below)
    cleared = await harness.act(case_id, "clear_risk", harness.county())
    assert cleared.status_code == 200 and cleared.json()["state"] == "monitor_cleared", cleared.text
