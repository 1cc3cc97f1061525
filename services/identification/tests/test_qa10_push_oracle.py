"""QA10-P3: a departmental system above the county rebuilt a full ID number from a masked one by pushing
lists of candidate numbers and reading how many matched (the push's counts) — ten pushes narrowed 500
candidates to 8. Above the county a push is now told only what it sent, and the system is not shown the
hits of its lists; the county, which sees full identities, resolves them as before."""

from __future__ import annotations

from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)

CITY = "520100000000"
COUNTY = "520102000000"


async def test_a_department_above_the_county_learns_nothing_of_what_its_list_matched(
    harness: Harness,
) -> None:
    await harness.quotas(await harness.year(), 10)
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    for tier, division in (("city", CITY), ("province", "520000000000")):
        pushed = await harness.push(
            "government_payroll", rid, harness.resident_id(), tier=tier, division=division
        )
        assert pushed["entries"] == 2 and pushed["outcome_withheld"] is True, pushed
        assert pushed["hits"] is None and pushed["warnings_opened"] is None and pushed["skipped"] == []
        department = harness.auth(tier, division, "department", kind="client", scope="comparisons:push")
        watched = await harness.client.get("/comparisons/hits", params={"case_id": case}, headers=department)
        assert watched.status_code == 403, watched.text
    # The matches were made all the same: the county sees and resolves them.
    hits = await harness.hits(case)
    assert len(hits) == 1 and hits[0]["kind"] == "government_payroll"
    # A city officer supervising the county still reads them (masked as before); only pushers are refused.
    supervised = await harness.client.get(
        "/comparisons/hits", params={"case_id": case}, headers=harness.auth("city", CITY, "officer")
    )
    assert supervised.status_code == 200 and len(supervised.json()) == 1
    # The county's own system is told what its list did, as before.
    county = await harness.push("government_payroll", harness.resident_id(), tier="county", division=COUNTY)
    assert county["outcome_withheld"] is False and county["hits"] == 0
