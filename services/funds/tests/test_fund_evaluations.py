"""The special fund evaluation (专项资金绩效评价) of two counties, every figure computed by hand below, one
county's figures without data null with a reason; a freeze once by the city, reads answering it; the
sibling county and a foreign city find nothing (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_contracts import funds as contracts
from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
COUNTY = "520102000000"
OTHER_COUNTY = "520103000000"
CITY = "520100000000"
OTHER_CITY = "520200000000"
ACCEPTANCE = {"accepted_on": "2026-11-01", "result": "passed", "inspectors": ["李四"]}
TWO_MET = {
    "indicators": [
        {"indicator": "新建蔬菜大棚数量", "actual": "20个", "met": True},
        {"indicator": "带动脱贫户户均增收", "actual": "2300元", "met": True},
    ]
}


def city_officer(harness: Harness, city: str = CITY) -> dict[str, str]:
    headers: dict[str, str] = harness.auth("city", city, "officer")
    return headers


async def allocated(harness: Harness) -> str:
    deadline = civil_time.china_today() + dt.timedelta(days=5)
    body = {
        "division": COUNTY,
        "year": 2026,
        "source": "central",
        "amount": "1000000.00",
        "document_number": "筑财农〔2026〕3号",
        "categories": ["industry"],
        "deadline": deadline.isoformat(),
    }
    response = await harness.client.post("/allocations", json=body, headers=city_officer(harness))
    assert response.status_code == 201, response.text
    allocation_id: str = response.json()["id"]
    return allocation_id


async def steps(harness: Harness, project_id: str, *actions: str, county: str = COUNTY) -> None:
    for action in actions:
        if action == "enter_library":
            await harness.end_notice(project_id)
        headers = harness.township() if action == "township_review" else harness.county(county)
        body = {"acceptance": ACCEPTANCE} if action == "accept" else {}
        response = await harness.step(project_id, action, headers, body)
        assert response.status_code == 200, (action, response.text)


IMPLEMENTED = ("township_review", "county_approve", "post_notice", "enter_library", "start", "accept")


async def two_counties(harness: Harness) -> None:
    """County A (520102): 1 000 000 received; an accepted project drawing 800 000 on it, evaluated 100.0;
    an approved project drawing nothing; 1 000 + 1 200 paid to a household (the 1 200 above its standard,
    one open finding). County B (520103): one project approved by its county, nothing else."""
    allocation_id = await allocated(harness)
    financing = [
        {"source": "central", "amount": "800000.00", "allocation_id": allocation_id},
        {"source": "integrated", "amount": "400000.00"},
    ]
    accepted = await harness.proposed(financing=financing)
    await steps(harness, accepted, *IMPLEMENTED)
    evaluated = await harness.client.put(
        f"/projects/{accepted}/completion-evaluation", json=TWO_MET, headers=harness.county()
    )
    assert evaluated.status_code == 200, evaluated.text
    await steps(harness, await harness.proposed(), "township_review", "county_approve")
    household = await harness.household()
    assert (await harness.pay(household)).status_code == 201
    above = await harness.pay(household, key="second", benefit="housing", amount="1200.00")
    assert above.status_code == 201, above.text
    other = await harness.proposed(harness.county(OTHER_COUNTY), division=harness.OTHER_COUNTY_VILLAGE)
    township = harness.auth("township", "520103001000", "officer")
    assert (await harness.step(other, "township_review", township)).status_code == 200
    assert (await harness.step(other, "county_approve", harness.county(OTHER_COUNTY))).status_code == 200


async def evaluations(harness: Harness, headers: dict[str, str], **params: Any) -> Any:
    return await harness.client.get("/fund-evaluations", params={"year": 2026, **params}, headers=headers)


async def test_figures_of_two_counties_by_hand(harness: Harness) -> None:
    await two_counties(harness)
    response = await evaluations(harness, harness.city(), division=CITY)
    assert response.status_code == 200, response.text
    first, second = response.json()["counties"]
    assert first["division"] == COUNTY
    # used = 800 000 drawn + 1 000 + 1 200 paid; 802 200 / 1 000 000.
    assert (first["received"], first["used"], first["spending_rate"]) == ("1000000.00", "802200.00", "0.8022")
    assert (first["projects_approved"], first["projects_accepted"], first["completion_rate"]) == (
        2,
        1,
        "0.5000",
    )
    assert (first["projects_evaluated"], first["achievement"]) == (1, "100.0")
    assert (first["open_findings"], first["open_findings_amount"]) == (1, "1200.00")
    # 30 × 0.8022 + 30 × 0.5 + 30 × 1.0 + (10 − 2 × 1) = 24.066 + 15 + 30 + 8 = 77.066 → 77.1, 中.
    assert (first["composite"], first["grade"], first["grade_label"]) == ("77.1", "fair", "中")
    assert first["reasons"] == {} and first["frozen"] is False
    assert second["division"] == OTHER_COUNTY
    assert (second["received"], second["spending_rate"]) == ("0.00", None)
    assert (second["completion_rate"], second["achievement"], second["composite"]) == ("0.0000", None, None)
    assert set(second["reasons"]) == {"spending_rate", "achievement", "composite"}
    assert second["grade"] is None


async def test_a_county_reads_its_own_and_not_its_sibling(harness: Harness) -> None:
    await two_counties(harness)
    own = await evaluations(harness, harness.county())
    assert [county["division"] for county in own.json()["counties"]] == [COUNTY]
    sibling = await evaluations(harness, harness.county(OTHER_COUNTY), division=COUNTY)
    assert sibling.status_code == 404
    quiet = await evaluations(harness, harness.county(), year=2025)
    [empty] = quiet.json()["counties"]
    assert empty["composite"] is None and empty["received"] == "0.00"


async def test_freeze_once_and_reads_answer_it(harness: Harness, monkeypatch: Any) -> None:
    await two_counties(harness)
    # A year is frozen once it has ended: the freeze runs on 2 January 2027 in China.
    monkeypatch.setattr(civil_time, "utc_now", lambda: dt.datetime(2027, 1, 2, 4, tzinfo=dt.UTC))
    url = f"/fund-evaluations/{COUNTY}/2026/freeze"
    assert (await harness.client.post(url, headers=harness.county())).status_code == 403
    assert (await harness.client.post(url, headers=city_officer(harness, OTHER_CITY))).status_code == 404
    township = await harness.client.post(
        f"/fund-evaluations/{harness.TOWNSHIP}/2026/freeze", headers=city_officer(harness)
    )
    assert township.status_code == 422 and township.json()["code"] == "not-a-county"
    frozen = await harness.client.post(url, headers=city_officer(harness))
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["frozen"] is True and frozen.json()["composite"] == "77.1"
    again = await harness.client.post(url, headers=harness.auth("province", "520000000000", "officer"))
    assert again.status_code == 409 and again.json()["code"] == "already-frozen"
    # Money paid after the freeze does not move the frozen figures.
    household = await harness.household()
    assert (await harness.pay(household, benefit="medical")).status_code == 201
    [read] = (await evaluations(harness, harness.county())).json()["counties"]
    assert (read["frozen"], read["used"], read["frozen_at"]) == (
        True,
        "802200.00",
        frozen.json()["frozen_at"],
    )
    published = [data for kind, data in await harness.outbox() if kind == contracts.FUND_EVALUATION_FROZEN]
    assert [(data["division"], data["composite"]) for data in published] == [(COUNTY, "77.1")]
