"""Bounds the verifier found missing: a fund evaluation frozen only once its year has ended (China time);
an allocation's spending deadline within its parent's and at most the end of its year + 2; a completion
evaluation's actual value read only when it holds exactly one number, with the directions officials
write (不小于, 大于, 小于, 高于, 低于, 至少, 最多)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from funds.projects import evaluation
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
PROVINCE = "520000000000"
CITY = "520100000000"
COUNTY = "520102000000"


def allocation(**overrides: Any) -> dict[str, Any]:
    return {
        "division": COUNTY,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "黔财农〔2026〕8号",
        "categories": ["industry"],
        "deadline": "2027-06-30",
        **overrides,
    }


async def test_a_year_not_ended_is_not_frozen(harness: Harness, monkeypatch: Any) -> None:
    city = harness.auth("city", CITY, "officer")
    this_year = civil_time.china_today().year
    for year in (this_year, 2100):
        response = await harness.client.post(f"/fund-evaluations/{COUNTY}/{year}/freeze", headers=city)
        assert response.status_code == 409 and response.json()["code"] == "year-not-ended", response.text
    # 16:30 UTC on 31 December is already 1 January in China: the year has ended there.
    new_year_in_china = dt.datetime(this_year, 12, 31, 16, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(civil_time, "utc_now", lambda: new_year_in_china)
    ended = await harness.client.post(f"/fund-evaluations/{COUNTY}/{this_year}/freeze", headers=city)
    assert ended.status_code == 201, ended.text


async def test_a_pass_down_keeps_within_its_parents_deadline(harness: Harness) -> None:
    province = harness.auth("province", PROVINCE, "officer")
    city = harness.auth("city", CITY, "officer")
    parent = await harness.client.post("/allocations", json=allocation(division=CITY), headers=province)
    assert parent.status_code == 201, parent.text
    later = allocation(parent_id=parent.json()["id"], deadline="2027-07-01")
    refused = await harness.client.post("/allocations", json=later, headers=city)
    assert refused.status_code == 422 and refused.json()["code"] == "deadline-after-parent", refused.text
    same = allocation(parent_id=parent.json()["id"], deadline="2027-06-30")
    assert (await harness.client.post("/allocations", json=same, headers=city)).status_code == 201


async def test_a_deadline_lies_at_most_two_years_after_the_allocations_year(harness: Harness) -> None:
    province = harness.auth("province", PROVINCE, "officer")
    for deadline in ("9999-12-31", "2029-01-01"):
        response = await harness.client.post(
            "/allocations", json=allocation(deadline=deadline), headers=province
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "allocation-deadline-out-of-range"
    last = await harness.client.post("/allocations", json=allocation(deadline="2028-12-31"), headers=province)
    assert last.status_code == 201, last.text


def test_the_actual_holds_exactly_one_number() -> None:
    assert evaluation.actual_number("2300元") == 2300
    assert evaluation.actual_number("1,200元") == 1200
    assert evaluation.actual_number("1 200元") == 1200
    assert evaluation.actual_number("96.5%") == 96.5
    for ambiguous in ("2025年户均增收1800元", "1 2元", "约1800元，其中600元为分红", "一千八百元"):
        assert evaluation.actual_number(ambiguous) is None, ambiguous


def test_the_directions_officials_write() -> None:
    assert evaluation.directed_target("不小于95%") == ("ge", Decimal(95))
    assert evaluation.directed_target("至少20个") == ("ge", Decimal(20))
    assert evaluation.directed_target("大于10户") == ("gt", Decimal(10))
    assert evaluation.directed_target("高于10户") == ("gt", Decimal(10))
    assert evaluation.directed_target("小于5%") == ("lt", Decimal(5))
    assert evaluation.directed_target("低于5%") == ("lt", Decimal(5))
    assert evaluation.directed_target("最多3天") == ("le", Decimal(3))
    assert evaluation.directed_target("不低于95%") == ("ge", Decimal(95))
    assert evaluation.directed_target("20个") is None
