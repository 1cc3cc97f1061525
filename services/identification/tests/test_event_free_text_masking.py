"""QA8 EC-1: what people type into a case's reason, a resolution, a quota's reason or a spot-check's note
reaches fupin.identification.events.v1 with any resident ID or mobile number in it masked (the contract: a
payload never carries a full resident ID). The service's own records keep the text as typed."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fupin_kit.pii import check_digit
from identification import events
from identification.context import SYSTEM_ACTOR

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)

PHONE = "13812345678"
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


def _typed(rid: str) -> str:
    return f"户主本人申请撤回 身份证{rid} 电话{PHONE}"


def _masked(rid: str) -> str:
    return f"户主本人申请撤回 身份证{rid[:6]}********{rid[-4:]} 电话138****5678"


async def _last_payload(harness: Harness, type_like: str) -> dict[str, Any]:
    rows = await harness.sql(
        "SELECT payload FROM outbox WHERE type LIKE :t ORDER BY seq DESC LIMIT 1", t=f"%{type_like}%"
    )
    assert rows, type_like
    payload: dict[str, Any] = rows[0][0]
    return payload


async def test_a_withdrawal_reason_is_published_masked_and_kept_as_typed(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household())
    withdrawn = await harness.client.post(
        f"/cases/{case}/actions/withdraw", json={"reason": _typed(rid)}, headers=harness.village()
    )
    assert withdrawn.status_code == 200, withdrawn.text

    event = await _last_payload(harness, "case.withdrawn")
    assert event["data"]["reason"] == _masked(rid)
    assert rid not in str(event) and PHONE not in str(event)
    history = (await harness.client.get(f"/cases/{case}/history", headers=harness.village())).json()
    assert history[-1]["detail"]["reason"] == _typed(rid)


async def test_a_quota_reason_is_published_masked(harness: Harness) -> None:
    rid = harness.resident_id()
    year = await harness.year()
    await harness.quotas(year, 10)
    adjusted = await harness.client.put(
        "/quotas",
        json={"division": TOWNSHIP, "year": year, "amount": 10, "reason": _typed(rid)},
        headers=harness.county(),
    )
    assert adjusted.status_code == 200, adjusted.text
    event = await _last_payload(harness, "quota")
    assert event["data"]["reason"] == _masked(rid)
    stored = await harness.sql("SELECT reason FROM quota_adjustments ORDER BY seq DESC LIMIT 1")
    assert stored[0][0] == _typed(rid)


async def test_a_category_reason_is_published_masked(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household())
    confirmed = await harness.client.post(
        f"/cases/{case}/category",
        json={"categories": ["industry"], "reason": _typed(rid)},
        headers=harness.village(),
    )
    assert confirmed.status_code == 200, confirmed.text
    event = await _last_payload(harness, "category_confirmed")
    assert event["data"]["reason"] == _masked(rid)


def _case() -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "kind": "identification",
        "household_id": uuid.uuid4(),
        "division": VILLAGE,
        "year": 2026,
        "state": "registered",
    }


def test_every_builder_masks_the_free_text_it_publishes() -> None:
    """Each event builder with a free-text field, called as the services call it."""
    rid = "52010219700101123" + check_digit("52010219700101123")  # a valid resident ID
    typed, masked = _typed(rid), _masked(rid)
    case = _case()
    hit = {
        "id": uuid.uuid4(),
        "kind": "private_vehicle",
        "effect": "block",
        "status": "open",
        "reason": typed,
    }
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    ticket = {
        "id": uuid.uuid4(),
        "notice_id": uuid.uuid4(),
        "case_id": case["id"],
        "division": VILLAGE,
        "status": "dismissed",
        "opened_at": now,
        "due_at": now,
        "resolved_by": "officer",
        "resolution": typed,
    }
    adjustment = {"division": VILLAGE, "year": 2026, "before": 1, "after": 2, "reason": typed}
    built = {
        "case": events.case_event(case, "withdraw", "applied", "withdrawn", SYSTEM_ACTOR, typed),
        "objection": events.objection_event(ticket, case, SYSTEM_ACTOR),
        "quota": events.quota_event(adjustment, SYSTEM_ACTOR),
        "exclusion": events.exclusion_event(case, hit, typed, SYSTEM_ACTOR),
        "hit": events.hit_event(case, hit, SYSTEM_ACTOR, resolution=typed),
        "category": events.category_event(case, ["industry"], typed, SYSTEM_ACTOR),
        "spot_check": events.spot_check_failed_event(
            {**case, "note": typed}, uuid.uuid4(), "township_review", SYSTEM_ACTOR
        ),
    }
    for name, envelope in built.items():
        data = envelope.data
        assert rid not in str(data) and PHONE not in str(data), (name, data)
        texts = [data.get(field) for field in ("reason", "resolution", "note") if data.get(field)]
        assert texts and all(text == masked for text in texts), (name, data)
