"""Assessments per tier (年度考核) through the API: the scheme's weights, who assesses whom, scores and their
corrections, the composite computed by hand (half-up), grade boundaries, the veto, the third-party score
taken from a closed round, the finalization with its consequences and rectification task, scoped reading,
and the events with their contracts."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from fupin_contracts import evaluation as contracts

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
COUNTY = "520102000000"
CITY = "520100000000"
TOWNSHIPS = [f"520102{number:03d}000" for number in range(16, 22)]
SOURCES = ("daily_supervision", "annual_check", "third_party")


def parts(a: float | str, b: float | str, c: float | str, d: float | str) -> dict[str, Any]:
    return {
        "poverty_reduction": a,
        "identification_accuracy": b,
        "assistance_satisfaction": c,
        "funds": d,
    }


async def _open(harness: Harness, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        "/assessments",
        json={"year": 2024, "assessees": TOWNSHIPS[:2], **body},
        headers=headers or harness.county(),
    )
    return response


async def _opened(harness: Harness, headers: dict[str, str] | None = None, **body: Any) -> str:
    response = await _open(harness, headers, **body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _score(
    harness: Harness,
    assessment: str,
    division: str,
    source: str,
    scores: dict[str, Any],
    headers: dict[str, str] | None = None,
    **body: Any,
) -> httpx.Response:
    response: httpx.Response = await harness.client.put(
        f"/assessments/{assessment}/scores/{division}/{source}",
        json={"scores": scores, **body},
        headers=headers or harness.county(),
    )
    return response


async def _score_all(
    harness: Harness, assessment: str, division: str, by_source: list[dict[str, Any]], **kw: Any
) -> None:
    for source, scores in zip(SOURCES, by_source, strict=True):
        response = await _score(harness, assessment, division, source, scores, **kw)
        assert response.status_code == 200, response.text


async def _results(harness: Harness, assessment: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await harness.client.get(f"/assessments/{assessment}/results", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _finalize(
    harness: Harness, assessment: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/assessments/{assessment}/finalize", headers=headers or harness.county()
    )
    return response


async def test_the_scheme_s_weights_are_integers_summing_to_100(harness: Harness) -> None:
    opened = await _open(harness)
    assert opened.status_code == 201, opened.text
    scheme = opened.json()["scheme"]
    assert scheme["source_weights"] == {"daily_supervision": 40, "annual_check": 30, "third_party": 30}
    assert scheme["part_weights"] == dict.fromkeys(
        ("poverty_reduction", "identification_accuracy", "assistance_satisfaction", "funds"), 25
    )
    assert opened.json()["assessee_level"] == "township" and opened.json()["assessor"] == COUNTY

    short = await _open(
        harness, scheme={"source_weights": {"daily_supervision": 40, "annual_check": 30, "third_party": 29}}
    )
    assert short.status_code == 422 and short.json()["code"] == "weights"
    assert [error["loc"] for error in short.json()["errors"]] == [["body", "scheme", "source_weights"]]
    over = await _open(harness, scheme={"part_weights": parts(25, 25, 25, 26)})
    assert over.status_code == 422 and over.json()["code"] == "weights"
    fraction = await _open(harness, scheme={"part_weights": parts(25.5, 24.5, 25, 25)})
    assert fraction.status_code == 422


async def test_who_assesses_whom(harness: Harness) -> None:
    other_county_township = await _open(harness, assessees=["520103001000"])
    assert other_county_township.status_code == 404
    village = await _open(harness, assessees=[TOWNSHIPS[0], "520102016001"])
    assert village.status_code == 422 and village.json()["code"] == "not-an-assessee"
    assert village.json()["division"] == "520102016001"
    itself = await _open(harness, assessees=[COUNTY])
    assert itself.status_code == 422 and itself.json()["code"] == "not-an-assessee"
    twice = await _open(harness, assessees=[TOWNSHIPS[0], TOWNSHIPS[0]])
    assert twice.status_code == 422 and twice.json()["code"] == "duplicate-assessee"
    assert (await _open(harness, assessees=[])).status_code == 422
    wrong_level = await _open(harness, assessee_level="county")
    assert wrong_level.status_code == 422 and wrong_level.json()["code"] == "not-an-assessee"
    township = harness.auth("township", TOWNSHIPS[0], "officer")
    assert (await _open(harness, township, assessees=["520102016001"])).status_code == 403
    viewer = harness.auth("county", COUNTY, "viewer")
    assert (await _open(harness, viewer)).status_code == 403

    province = harness.province()
    cities = await _open(harness, province, assessees=[CITY, "520200000000"])
    assert cities.status_code == 201 and cities.json()["assessee_level"] == "city"
    county_as_city = await _open(harness, province, assessees=[COUNTY])
    assert county_as_city.status_code == 422 and county_as_city.json()["code"] == "not-an-assessee"
    counties = await _open(harness, province, assessee_level="county", assessees=[COUNTY, "520103000000"])
    assert counties.status_code == 201
    guangdong = harness.auth("province", "440000000000", "officer")
    dongguan = await _open(harness, guangdong, assessee_level="county", assessees=["441900000000"])
    assert dongguan.status_code == 201, dongguan.text
    # A city without counties holds the county's tier: it assesses its townships.
    dongguan_city = harness.auth("city", "441900000000", "officer")
    townships = await _open(harness, dongguan_city, assessees=["441900003000"])
    assert townships.status_code == 201 and townships.json()["assessee_level"] == "township"
    nation = harness.auth("nation", "000000000000", "officer")
    provinces = await _open(harness, nation, assessees=["520000000000", "510000000000"])
    assert provinces.status_code == 201 and provinces.json()["assessee_level"] == "province"
    city = harness.auth("city", CITY, "officer")
    assert (await _open(harness, city, assessees=[COUNTY])).status_code == 201
    assert (await _open(harness, city, assessees=["520201000000"])).status_code == 404


async def test_composite_rank_and_grade_boundaries(harness: Harness) -> None:
    assessment = await _opened(harness, assessees=TOWNSHIPS[:5])
    even = parts(90, 90, 90, 90)
    # Default weights: composite = Σ_source w × (sum of the four parts) / 400.
    # (40 × 360 + 30 × 360 + 30 × 359.8) / 400 = 89.985 → half-up 89.99 (half-even or floats: 89.98).
    await _score_all(harness, assessment, TOWNSHIPS[0], [even, even, even])
    await _score_all(harness, assessment, TOWNSHIPS[1], [even, even, parts(90, 90, 90, 89.8)])
    await _score_all(harness, assessment, TOWNSHIPS[2], [parts(60, 60, 60, 60)] * 3)
    # (40 × 240 + 30 × 240 + 30 × 239.8) / 400 = 59.985 → 59.99: below 60.
    low = parts(60, 60, 60, 59.8)
    await _score_all(harness, assessment, TOWNSHIPS[3], [parts(60, 60, 60, 60)] * 2 + [low])
    await _score_all(harness, assessment, TOWNSHIPS[4], [parts(95, 95, 95, 95)] * 3)
    veto = await harness.client.put(
        f"/assessments/{assessment}/assessees/{TOWNSHIPS[4]}/veto",
        json={"vetoed": True, "reason": "发生重大责任事故"},
        headers=harness.county(),
    )
    assert veto.status_code == 200, veto.text
    assert veto.json()["grade"] == "poor" and veto.json()["composite"] == "95.00"
    no_reason = await harness.client.put(
        f"/assessments/{assessment}/assessees/{TOWNSHIPS[4]}/veto",
        json={"vetoed": True},
        headers=harness.county(),
    )
    assert no_reason.status_code == 422

    found = (await _results(harness, assessment, harness.county()))["assessees"]
    table = [(row["division"], row["composite"], row["rank"], row["grade"]) for row in found]
    assert table == [
        (TOWNSHIPS[0], "90.00", 1, "good"),
        (TOWNSHIPS[1], "89.99", 2, "fairly_good"),
        (TOWNSHIPS[2], "60.00", 3, "average"),
        (TOWNSHIPS[3], "59.99", 4, "poor"),
        (TOWNSHIPS[4], "95.00", 5, "poor"),
    ]
    assert found[4]["vetoed"] and found[4]["veto_reason"] == "发生重大责任事故"


async def test_a_scheme_s_own_weights(harness: Harness) -> None:
    scheme = {
        "source_weights": {"daily_supervision": 50, "annual_check": 25, "third_party": 25},
        "part_weights": parts(40, 30, 20, 10),
    }
    assessment = await _opened(harness, assessees=TOWNSHIPS[:2], scheme=scheme)
    # 50 × (40×80 + 30×70 + 20×90 + 10×100) + 25 × 100×100 + 25 × (40 × 0.1) = 405000 + 250000 + 100
    # = 655100 → / 10000 = 65.51.
    by_source = [parts(80, 70, 90, 100), parts(100, 100, 100, 100), parts(0.1, 0, 0, 0)]
    await _score_all(harness, assessment, TOWNSHIPS[0], by_source)
    # Equal composites share a rank: 65.51 twice.
    await _score_all(harness, assessment, TOWNSHIPS[1], by_source)
    found = (await _results(harness, assessment, harness.county()))["assessees"]
    assert [(row["composite"], row["rank"], row["grade"]) for row in found] == [
        ("65.51", 1, "average"),
        ("65.51", 1, "average"),
    ]
    unknown_source = await _score(harness, assessment, TOWNSHIPS[0], "funds_source", parts(1, 1, 1, 1))
    assert unknown_source.status_code == 422
    two_decimals = await _score(harness, assessment, TOWNSHIPS[0], "annual_check", parts(1.25, 1, 1, 1))
    assert two_decimals.status_code == 422
    above = await _score(harness, assessment, TOWNSHIPS[0], "annual_check", parts(100.1, 1, 1, 1))
    assert above.status_code == 422


async def test_a_correction_keeps_the_version_it_replaces(harness: Harness) -> None:
    assessment = await _opened(harness)
    first = await _score(
        harness, assessment, TOWNSHIPS[0], "annual_check", parts(80, 80, 80, 80), note="初评"
    )
    assert first.status_code == 200 and first.json()["version"] == 1
    again = await _score(harness, assessment, TOWNSHIPS[0], "annual_check", parts(85, 80, 80, 80))
    assert again.status_code == 422 and again.json()["code"] == "reason-required"
    corrected = await _score(
        harness, assessment, TOWNSHIPS[0], "annual_check", parts(85, 80, 80, 80), reason="复核后更正"
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["version"] == 2 and body["scores"]["poverty_reduction"] == "85.0"
    [replaced] = body["history"]
    assert replaced["version"] == 1 and replaced["reason"] == "复核后更正"
    assert (
        replaced["replaced"]["scores"]["poverty_reduction"] == "80.0"
        and replaced["replaced"]["note"] == "初评"
    )
    not_assessed = await _score(harness, assessment, TOWNSHIPS[5], "annual_check", parts(1, 1, 1, 1))
    assert not_assessed.status_code == 404
    not_a_code = await _score(harness, assessment, "somewhere", "annual_check", parts(1, 1, 1, 1))
    assert not_a_code.status_code == 404
    township_round = await harness.client.post(
        f"/assessments/{assessment}/scores/{TOWNSHIPS[0]}/third-party/from-round",
        json={"evaluation_id": str(uuid.uuid4())},
        headers=harness.county(),
    )
    assert township_round.status_code == 422 and township_round.json()["code"] == "not-a-county"


async def test_incomplete_then_finalized_once_with_its_consequences(harness: Harness) -> None:
    assessment = await _opened(harness, assessees=TOWNSHIPS[:3])
    good, poor = parts(95, 95, 95, 95), parts(50, 50, 50, 50)
    await _score_all(harness, assessment, TOWNSHIPS[0], [good] * 3)
    await _score_all(harness, assessment, TOWNSHIPS[1], [poor] * 3)
    await _score(harness, assessment, TOWNSHIPS[2], "daily_supervision", parts(85, 85, 85, 85))

    found = (await _results(harness, assessment, harness.county()))["assessees"]
    incomplete = found[-1]
    assert incomplete["division"] == TOWNSHIPS[2] and not incomplete["complete"]
    assert incomplete["missing"] == ["annual_check", "third_party"] and incomplete["grade"] is None
    assert incomplete["rank"] is None and incomplete["composite"] is None
    refused = await _finalize(harness, assessment)
    assert refused.status_code == 409 and refused.json()["code"] == "assessment-incomplete"
    assert refused.json()["incomplete"] == [
        {"division": TOWNSHIPS[2], "missing": ["annual_check", "third_party"]}
    ]

    await _score_all(harness, assessment, TOWNSHIPS[2], [parts(85, 85, 85, 85)] * 3, reason="补录")
    assert (await _finalize(harness, assessment, harness.province())).status_code == 403
    finalized = await _finalize(harness, assessment)
    assert finalized.status_code == 200, finalized.text
    body = finalized.json()
    assert body["assessment"]["status"] == "finalized" and body["results"]["final"]
    consequences = {row["division"]: row["consequence"] for row in body["results"]["assessees"]}
    assert consequences == {TOWNSHIPS[0]: "commendation", TOWNSHIPS[1]: "interview", TOWNSHIPS[2]: "none"}
    [task_id] = body["rectifications"]
    poor_row = next(row for row in body["results"]["assessees"] if row["division"] == TOWNSHIPS[1])
    assert poor_row["rectification_id"] == task_id

    again = await _finalize(harness, assessment)
    assert again.status_code == 409 and again.json()["code"] == "assessment-finalized"
    late = await _score(harness, assessment, TOWNSHIPS[0], "annual_check", good, reason="迟到")
    assert late.status_code == 409 and late.json()["code"] == "assessment-finalized"
    tasks = await harness.sql(
        "SELECT division, kind, assessment_id, worker_tier, checker_tier FROM rectifications"
    )
    assert [tuple(task) for task in tasks] == [
        (TOWNSHIPS[1], "assessment_poor", uuid.UUID(assessment), "township", "county")
    ]

    # The task goes through the rectification workflow: the township works it, the county checks it.
    township = harness.auth("township", TOWNSHIPS[1], "officer")
    listed = await harness.client.get("/rectifications", headers=township)
    [task] = listed.json()
    assert task["id"] == task_id and task["assessment_id"] == assessment and task["evaluation_id"] is None
    assert task["summary"] == "年度考核较差：50.00分"
    step = f"/rectifications/{task_id}/steps"
    assert (await harness.client.post(f"{step}/start", json={}, headers=harness.county())).status_code == 403
    started = await harness.client.post(f"{step}/start", json={}, headers=township)
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    submitted = await harness.client.post(f"{step}/submit", json={"note": "已整改到位"}, headers=township)
    assert submitted.status_code == 200
    assert (await harness.client.post(f"{step}/accept", json={}, headers=township)).status_code == 403
    accepted = await harness.client.post(f"{step}/accept", json={}, headers=harness.county())
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    outbox = await harness.sql("SELECT type, payload FROM outbox ORDER BY seq")
    sent = [(row[0], row[1]["division"], row[1]["data"]) for row in outbox]
    for event_type, _, data in sent:
        contracts.PAYLOADS[event_type].model_validate(data)
    opened = [
        (division, data) for event_type, division, data in sent if event_type == contracts.ASSESSMENT_OPENED
    ]
    assert [division for division, _ in opened] == [COUNTY]
    assert opened[0][1]["assessees"] == TOWNSHIPS[:3]
    results = [
        (division, data["grade"], data["rank"], data["composite"])
        for event_type, division, data in sent
        if event_type == contracts.ASSESSMENT_FINALIZED
    ]
    assert sorted(results) == [
        (TOWNSHIPS[0], "good", 1, "95.00"),
        (TOWNSHIPS[1], "poor", 3, "50.00"),
        (TOWNSHIPS[2], "fairly_good", 2, "85.00"),
    ]
    task_types = [event_type for event_type, _, _ in sent if ".rectification." in event_type]
    assert task_types == [
        contracts.RECTIFICATION_OPENED_V2,
        contracts.RECTIFICATION_PROGRESSED_V2,
        contracts.RECTIFICATION_PROGRESSED_V2,
        contracts.RECTIFICATION_ACCEPTED_V2,
    ]


async def test_an_assessee_reads_its_own_result_and_the_tiers_above_all(harness: Harness) -> None:
    assessment = await _opened(harness, assessees=TOWNSHIPS[:2])
    for township in TOWNSHIPS[:2]:
        await _score_all(harness, assessment, township, [parts(70, 70, 70, 70)] * 3)
    own = harness.auth("township", TOWNSHIPS[0], "viewer")
    read = await harness.client.get(f"/assessments/{assessment}", headers=own)
    assert read.status_code == 200 and read.json()["assessees"] == [TOWNSHIPS[0]]
    mine = (await _results(harness, assessment, own))["assessees"]
    assert [row["division"] for row in mine] == [TOWNSHIPS[0]] and mine[0]["rank"] == 1
    listed = await harness.client.get("/assessments", headers=own)
    assert [row["assessees"] for row in listed.json()] == [[TOWNSHIPS[0]]]
    bystander = harness.auth("township", TOWNSHIPS[3], "officer")
    assert (await harness.client.get(f"/assessments/{assessment}", headers=bystander)).status_code == 404
    assert (await harness.client.get("/assessments", headers=bystander)).json() == []
    other_county = harness.auth("county", "520103000000", "officer")
    assert (
        await harness.client.get(f"/assessments/{assessment}/results", headers=other_county)
    ).status_code == 404
    writer = harness.auth("township", TOWNSHIPS[0], "officer")
    assert (
        await _score(harness, assessment, TOWNSHIPS[0], "annual_check", parts(1, 1, 1, 1), writer)
    ).status_code == 403
    city = harness.auth("city", CITY, "officer")
    assert len((await _results(harness, assessment, city))["assessees"]) == 2
    assert (await _finalize(harness, assessment, city)).status_code == 403
    by_year = await harness.client.get("/assessments", params={"year": 2023}, headers=city)
    assert by_year.json() == []
    by_division = await harness.client.get(
        "/assessments", params={"division": TOWNSHIPS[1], "year": 2024}, headers=city
    )
    assert [row["assessees"] for row in by_division.json()] == [TOWNSHIPS[:2]]


async def _round(
    harness: Harness, county: str, year: int, verdict: str, verdicts: list[str], status: str = "closed"
) -> str:
    """A third-party round as its close leaves it: status and the frozen results (rates with verdicts)."""
    evaluation_id = uuid.uuid4()
    results = {
        "evaluation_id": str(evaluation_id),
        "county": county,
        "west": True,
        "final": status == "closed",
        "verdict": verdict,
        "rates": [
            {"code": code, "numerator": 0, "denominator": 10, "value": 0.0, "interval_95": None,
             "threshold": 0.02, "sense": "below", "verdict": rate}
            for code, rate in zip(("wrongly_exited", "missed", "approval", "composite_incidence"), verdicts, strict=True)
        ],
    }  # fmt: skip
    await harness.sql(
        "INSERT INTO evaluations (id, division, year, evaluator, townships_per_county, villages_per_township,"
        " households_per_village, seed, status, opened_by, results)"
        " VALUES (:id, :county, :year, '某某大学评估中心', 2, 2, 10, 7, :status, 'test', CAST(:results AS jsonb))",
        id=evaluation_id,
        county=county,
        year=year,
        status=status,
        results=json.dumps(results) if status == "closed" else None,
    )
    return str(evaluation_id)


async def test_the_third_party_score_from_a_closed_round(harness: Harness) -> None:
    city = harness.auth("city", CITY, "officer")
    counties = [COUNTY, "520103000000", "520111000000", "520112000000"]
    assessment = await _opened(harness, city, assessees=counties)
    passed = await _round(harness, COUNTY, 2024, "pass", ["pass"] * 4)
    vetoed = await _round(harness, counties[1], 2024, "veto", ["pass", "veto", "pass", "veto"])
    no_data = await _round(harness, counties[2], 2024, "incomplete", ["pass", "pass", "no-data", "pass"])
    open_round = await _round(harness, counties[3], 2024, "incomplete", ["no-data"] * 4, status="drawn")
    last_year = await _round(harness, counties[3], 2023, "pass", ["pass"] * 4)

    async def take(division: str, evaluation_id: str, **body: Any) -> httpx.Response:
        response: httpx.Response = await harness.client.post(
            f"/assessments/{assessment}/scores/{division}/third-party/from-round",
            json={"evaluation_id": evaluation_id, **body},
            headers=city,
        )
        return response

    taken = [
        await take(code, round_id)
        for code, round_id in zip(counties, (passed, vetoed, no_data), strict=False)
    ]
    assert [response.status_code for response in taken] == [200, 200, 200]
    assert [response.json()["scores"] for response in taken] == [
        parts("100.0", "100.0", "100.0", "100.0"),
        parts("50.0", "50.0", "50.0", "50.0"),
        parts("75.0", "75.0", "75.0", "75.0"),
    ]
    assert taken[0].json()["source"] == "third_party" and taken[0].json()["evaluation_id"] == passed
    not_closed = await take(counties[3], open_round)
    assert not_closed.status_code == 409 and not_closed.json()["code"] == "round-not-closed"
    other_year = await take(counties[3], last_year)
    assert other_year.status_code == 422 and other_year.json()["code"] == "round-mismatch"
    other_county = await take(counties[3], passed)
    assert other_county.status_code == 422 and other_county.json()["code"] == "round-mismatch"
    assert (await take(counties[3], str(uuid.uuid4()))).status_code == 404
    replace = await take(COUNTY, passed)
    assert replace.status_code == 422 and replace.json()["code"] == "reason-required"
    corrected = await take(counties[1], vetoed, reason="重新取数")
    assert corrected.status_code == 200 and corrected.json()["version"] == 2
