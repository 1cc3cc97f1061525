"""More of what officers and cadres type, read above the county with ID and mobile numbers masked, as the
case history and objections already were: a quota adjustment's reason, a withdrawn spot-check draw's
reason, a spot-check finding's note and a confirmed support category's reason. The county tier and below
read them as written."""

from __future__ import annotations

import uuid
from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"
CITY = "520100000000"
PROVINCE = "520000000000"
PHONE = "13812345678"


def _typed(rid: str) -> str:
    return f"依据户主{rid}申请，联系{PHONE}"


def _masked(rid: str) -> str:
    return f"依据户主{rid[:6]}********{rid[-4:]}申请，联系138****5678"


def _above_the_county() -> list[tuple[str, str]]:
    return [("city", CITY), ("province", PROVINCE), ("nation", "000000000000")]


async def test_quota_adjustment_reasons_are_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    year = await harness.year()
    await harness.quotas(year, 10)
    adjusted = await harness.client.put(
        "/quotas",
        json={"division": TOWNSHIP, "year": year, "amount": 10, "reason": _typed(rid)},
        headers=harness.county(),
    )
    assert adjusted.status_code == 200, adjusted.text
    path = f"/quotas/{TOWNSHIP}/{year}/adjustments"

    county = await harness.client.get(path, headers=harness.county())
    assert county.status_code == 200, county.text
    assert [row["reason"] for row in county.json()] == [_typed(rid)]
    for tier, division in _above_the_county():
        above = await harness.client.get(path, headers=harness.auth(tier, division))
        assert above.status_code == 200, above.text
        assert [row["reason"] for row in above.json()] == [_masked(rid)]
        assert rid not in above.text and PHONE not in above.text


async def _sampled_draw(harness: Harness) -> dict[str, Any]:
    await harness.quotas(await harness.year(), 50)
    for _ in range(5):
        case = await harness.apply(await harness.household(ids=[harness.resident_id()]))
        await harness.sql("UPDATE cases SET state = 'first_noticed' WHERE id = :i", i=uuid.UUID(case))
    drawn = await harness.client.post(
        "/batches", json={"action": "township_review", "division": VILLAGE}, headers=harness.township()
    )
    assert drawn.status_code == 201, drawn.text
    batch: dict[str, Any] = drawn.json()
    return batch


async def test_batch_withdrawal_reasons_are_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    batch = await _sampled_draw(harness)
    withdrawn = await harness.client.post(
        f"/batches/{batch['id']}/withdraw", json={"reason": _typed(rid)}, headers=harness.township()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawal_reason"] == _typed(rid)

    read = await harness.client.get(f"/batches/{batch['id']}", headers=harness.county())
    assert read.json()["withdrawal_reason"] == _typed(rid)
    listed = await harness.client.get("/batches", params={"division": TOWNSHIP}, headers=harness.county())
    assert [row["withdrawal_reason"] for row in listed.json()] == [_typed(rid)]
    for tier, division in _above_the_county():
        headers = harness.auth(tier, division)
        read = await harness.client.get(f"/batches/{batch['id']}", headers=headers)
        assert read.status_code == 200, read.text
        assert read.json()["withdrawal_reason"] == _masked(rid)
        listed = await harness.client.get("/batches", params={"division": TOWNSHIP}, headers=headers)
        assert listed.status_code == 200, listed.text
        assert [row["withdrawal_reason"] for row in listed.json()] == [_masked(rid)]
        for answer in (read, listed):
            assert rid not in answer.text and PHONE not in answer.text


async def test_spot_check_notes_are_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    batch = await _sampled_draw(harness)
    findings = [{"case_id": case, "passed": True, "note": _typed(rid)} for case in batch["sample"]]
    decided = await harness.client.post(
        f"/batches/{batch['id']}/decide", json={"findings": findings}, headers=harness.township()
    )
    assert decided.status_code == 200, decided.text
    assert {finding["note"] for finding in decided.json()["findings"]} == {_typed(rid)}

    county = await harness.client.get(f"/batches/{batch['id']}", headers=harness.county())
    assert {finding["note"] for finding in county.json()["findings"]} == {_typed(rid)}
    for tier, division in _above_the_county():
        above = await harness.client.get(f"/batches/{batch['id']}", headers=harness.auth(tier, division))
        assert above.status_code == 200, above.text
        assert {finding["note"] for finding in above.json()["findings"]} == {_masked(rid)}
        assert rid not in above.text and PHONE not in above.text


async def test_a_category_reason_is_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household())
    confirmed = await harness.client.post(
        f"/cases/{case}/category",
        json={"categories": ["industry"], "reason": _typed(rid)},
        headers=harness.village(),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["category"]["reason"] == _typed(rid)

    county = await harness.client.get(f"/cases/{case}", headers=harness.county())
    assert county.json()["category"]["reason"] == _typed(rid)
    for tier, division in _above_the_county():
        headers = harness.auth(tier, division)
        read = await harness.client.get(f"/cases/{case}", headers=headers)
        assert read.status_code == 200, read.text
        assert read.json()["category"]["reason"] == _masked(rid)
        assert read.json()["category"]["confirmed"] == ["industry"]
        listed = await harness.client.get("/cases", params={"division": VILLAGE}, headers=headers)
        assert listed.status_code == 200, listed.text
        for answer in (read, listed):
            assert rid not in answer.text and PHONE not in answer.text
