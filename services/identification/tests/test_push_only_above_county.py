"""A departmental system above the county may push lists only with an account that reads nothing else.

The push above the county is told only what it sent and is refused the hits (QA10-P3), but a token that
both pushes and reads cases (a person account holding the department role beside viewer, or a client
granted identification.read beside the push) could still watch a case's history change after each push of
candidate ID numbers and learn which of them belong to people in cases. At the county and below the
system sees full identities anyway, so nothing is learnt there and such accounts keep working."""

from __future__ import annotations

from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)

CITY = "520100000000"
COUNTY = "520102000000"
PROVINCE = "520000000000"


async def _push(harness: Harness, headers: dict[str, str], rid: str) -> Any:
    return await harness.client.post(
        "/comparisons/pushes",
        json={"kind": "government_payroll", "department": "部门", "entries": [{"resident_id": rid}]},
        headers=headers,
    )


async def test_above_the_county_a_pushing_account_that_also_reads_is_refused(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    reading_pushers = {
        "person with department and viewer": harness.auth("city", CITY, "department", "viewer"),
        "person with department and officer": harness.auth("province", PROVINCE, "department", "officer"),
        "client granted identification.read": harness.auth(
            "city", CITY, "department", kind="client", scope="comparisons:push identification.read"
        ),
        "client granted identification.write": harness.auth(
            "city", CITY, "department", kind="client", scope="identification.write"
        ),
        "client granted registry.read": harness.auth(
            "province", PROVINCE, "department", kind="client", scope="comparisons:push registry.read"
        ),
        "client without a scope claim": harness.auth("city", CITY, "department", kind="client"),
        "client without scopes holding viewer": harness.auth(
            "city", CITY, "department", "viewer", kind="client"
        ),
    }
    for name, headers in reading_pushers.items():
        refused = await _push(harness, headers, rid)
        assert refused.status_code == 403, (name, refused.text)
        assert refused.json()["code"] == "push-only-account", (name, refused.json())
    # Nothing was matched: the refused pushes made no hit.
    assert await harness.hits(case) == []

    # A person account reads cases in its jurisdiction whatever its roles: above the county it does not push.
    person = await _push(harness, harness.auth("city", CITY, "department"), rid)
    assert person.status_code == 403 and person.json()["code"] == "push-only-account", person.text

    push_only = {
        "client granted the push": harness.auth(
            "city", CITY, "department", kind="client", scope="comparisons:push"
        ),
        "client granted one list kind": harness.auth(
            "province", PROVINCE, "viewer", kind="client", scope="comparisons:push:government_payroll"
        ),
        "client granted the push and the feed": harness.auth(
            "city", CITY, "department", kind="client", scope="comparisons:push feeds.read"
        ),
    }
    for name, headers in push_only.items():
        accepted = await _push(harness, headers, rid)
        assert accepted.status_code == 201, (name, accepted.text)
        assert accepted.json()["outcome_withheld"] is True, name

    # The county's own system may read its cases and push: it sees full identities anyway.
    county = await _push(
        harness,
        harness.auth(
            "county",
            COUNTY,
            "department",
            "viewer",
            kind="client",
            scope="comparisons:push identification.read",
        ),
        harness.resident_id(),
    )
    assert county.status_code == 201, county.text
    assert county.json()["outcome_withheld"] is False
