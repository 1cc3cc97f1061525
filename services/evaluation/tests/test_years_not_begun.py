"""A round or an assessment judges work done: a year that has not begun (China time) is refused, as the
verifier found an assessment of 2100 accepted and scoreable."""

from __future__ import annotations

from typing import Any

from fupin_kit import civil_time

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
TOWNSHIPS = ["520102001000", "520102002000"]


def _body(year: int) -> dict[str, Any]:
    return {
        "county": "520102000000",
        "year": year,
        "evaluator": "某某大学评估中心",
        "design": {"townships_per_county": 1, "villages_per_township": 1, "households_per_village": 2},
    }


async def test_no_round_or_assessment_of_a_year_to_come(harness: Harness) -> None:
    next_year = civil_time.china_today().year + 1
    this_year = next_year - 1
    round_ahead = await harness.open(**_body(next_year))
    assert round_ahead.status_code == 422, round_ahead.text
    assert await harness.sql("SELECT count(*) FROM evaluations") == [(0,)]
    assessment = {"assessee_level": "township", "assessees": TOWNSHIPS}
    ahead = await harness.client.post(
        "/assessments", json={"year": next_year, **assessment}, headers=harness.county()
    )
    assert ahead.status_code == 422, ahead.text
    now = await harness.client.post(
        "/assessments", json={"year": this_year, **assessment}, headers=harness.county()
    )
    assert now.status_code == 201, now.text
