"""A project's completion evaluation (竣工绩效评价): only once accepted, the score's arithmetic with half-up
rounding at a boundary, the grades, a `met` contradicting a numeric target refused, a correction keeping
the version it replaced, the public notice showing it once the project is announced."""

from __future__ import annotations

from typing import Any

from fupin_contracts import funds as contracts

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
ACCEPTANCE = {"accepted_on": "2026-11-01", "result": "passed", "inspectors": ["李四", "王五"]}
# Sixteen indicators: one met is 6.25, which half-up makes 6.3 (half-even would give 6.2).
SIXTEEN = [{"indicator": f"指标{n:02d}", "target": f"{n}项"} for n in range(16)]


async def to_status(harness: Harness, project_id: str, status: str) -> None:
    steps = [
        ("township_review", {}),
        ("county_approve", {}),
        ("post_notice", {}),
        ("enter_library", {}),
        ("start", {}),
        ("accept", {"acceptance": ACCEPTANCE}),
        ("reimburse", {"amount": "1000000.00"}),
        ("announce", {}),
    ]
    for action, body in steps:
        if action == "enter_library":
            await harness.end_notice(project_id)
        headers = harness.township() if action == "township_review" else harness.county()
        response = await harness.step(project_id, action, headers, body)
        assert response.status_code == 200, (action, response.text)
        if response.json()["status"] == status:
            return


async def evaluate(harness: Harness, project_id: str, body: dict[str, Any], headers: Any = None) -> Any:
    return await harness.client.put(
        f"/projects/{project_id}/completion-evaluation", json=body, headers=headers or harness.county()
    )


def entries(*values: tuple[str, str, bool]) -> dict[str, Any]:
    return {"indicators": [{"indicator": i, "actual": a, "met": m} for i, a, m in values]}


TWO = entries(("新建蔬菜大棚数量", "20个", True), ("带动脱贫户户均增收", "2300元", True))


async def test_only_an_accepted_project_is_evaluated_by_a_county_officer(harness: Harness) -> None:
    project_id = await harness.proposed()
    await to_status(harness, project_id, "implementing")
    early = await evaluate(harness, project_id, TWO)
    assert early.status_code == 409 and early.json()["code"] == "project-not-accepted"
    await to_status_from_implementing(harness, project_id)
    township = await evaluate(harness, project_id, TWO, harness.township())
    assert township.status_code == 403
    sibling = await evaluate(harness, project_id, TWO, harness.county(harness.OTHER_COUNTY))
    assert sibling.status_code == 404
    done = await evaluate(harness, project_id, TWO)
    assert done.status_code == 200, done.text
    evaluation = done.json()["completion_evaluation"]
    assert (evaluation["score"], evaluation["grade"], evaluation["grade_label"]) == (
        "100.0",
        "excellent",
        "优",
    )
    assert [item["computed"] for item in evaluation["indicators"]] == [False, True]


async def to_status_from_implementing(harness: Harness, project_id: str) -> None:
    response = await harness.step(project_id, "accept", body={"acceptance": ACCEPTANCE})
    assert response.status_code == 200, response.text


async def test_a_claim_contradicting_a_numeric_target_is_refused(harness: Harness) -> None:
    project_id = await harness.proposed()
    await to_status(harness, project_id, "accepted")
    short = entries(("新建蔬菜大棚数量", "20个", True), ("带动脱贫户户均增收", "1999.5元", True))
    refused = await evaluate(harness, project_id, short)
    assert refused.status_code == 422 and refused.json()["code"] == "met-contradicts-target"
    wordy = entries(("新建蔬菜大棚数量", "20个", True), ("带动脱贫户户均增收", "较多", True))
    assert (await evaluate(harness, project_id, wordy)).json()["code"] == "actual-not-a-number"
    swapped = entries(("带动脱贫户户均增收", "2300元", True), ("新建蔬菜大棚数量", "20个", True))
    assert (await evaluate(harness, project_id, swapped)).json()["code"] == "indicators-mismatch"
    # Exactly at the bound, ≥ is met; a claimed miss of it is the contradiction.
    at_bound = entries(("新建蔬菜大棚数量", "18个", False), ("带动脱贫户户均增收", "2000元", False))
    assert (await evaluate(harness, project_id, at_bound)).json()["code"] == "met-contradicts-target"


async def test_the_score_rounds_half_up_and_grades(harness: Harness) -> None:
    project_id = await harness.proposed(performance_target=SIXTEEN)
    await to_status(harness, project_id, "accepted")
    one_met = {
        "indicators": [
            {"indicator": item["indicator"], "actual": "达成" if n == 0 else "未达成", "met": n == 0}
            for n, item in enumerate(SIXTEEN)
        ]
    }
    response = await evaluate(harness, project_id, one_met)
    assert response.status_code == 200, response.text
    evaluation = response.json()["completion_evaluation"]
    assert (evaluation["met"], evaluation["total"], evaluation["score"]) == (1, 16, "6.3")
    assert evaluation["grade"] == "poor"
    thirteen = {"indicators": [{**entry, "met": n < 13} for n, entry in enumerate(one_met["indicators"])]}
    corrected = await evaluate(harness, project_id, {**thirteen, "reason": "复核后更正"})
    evaluation = corrected.json()["completion_evaluation"]
    # 13 / 16 = 81.25 → 81.3, 良.
    assert (evaluation["score"], evaluation["grade"], evaluation["version"]) == ("81.3", "good", 2)
    assert evaluation["reason"] == "复核后更正"
    assert [(old["version"], old["score"]) for old in evaluation["replaced"]] == [(1, "6.3")]


async def test_a_correction_needs_a_reason_and_is_published(harness: Harness) -> None:
    project_id = await harness.proposed()
    await to_status(harness, project_id, "accepted")
    assert (await evaluate(harness, project_id, TWO)).status_code == 200
    missing = await evaluate(harness, project_id, TWO)
    assert missing.status_code == 422 and missing.json()["code"] == "correction-reason-required"
    events = [data for kind, data in await harness.outbox() if kind == contracts.PROJECT_EVALUATED]
    assert [(data["version"], data["from_status"], data["to_status"]) for data in events] == [
        (1, "accepted", "accepted")
    ]
    read = await harness.client.get(f"/projects/{project_id}", headers=harness.city())
    assert read.json()["completion_evaluation"]["score"] == "100.0"


async def test_the_public_notice_shows_it_once_announced(harness: Harness) -> None:
    project_id = await harness.proposed()
    await to_status(harness, project_id, "accepted")
    await evaluate(harness, project_id, TWO)
    before = await harness.client.get(f"/public/project-notices/{project_id}")
    assert before.json()["completion_evaluation"] is None
    await to_status_after_acceptance(harness, project_id)
    after = await harness.client.get(f"/public/project-notices/{project_id}")
    shown = after.json()["completion_evaluation"]
    assert (shown["score"], shown["grade_label"]) == ("100.0", "优") and "evaluated_by" not in shown
    listed = await harness.client.get("/public/project-notices", params={"division": harness.COUNTY})
    assert listed.json()[0]["completion_evaluation"]["score"] == "100.0"


async def to_status_after_acceptance(harness: Harness, project_id: str) -> None:
    for action, body in (("reimburse", {"amount": "1000000.00"}), ("announce", {})):
        response = await harness.step(project_id, action, body=body)
        assert response.status_code == 200, (action, response.text)
