"""A case step's free-form finding is bounded in depth and size (identification.json_limits): a finding
nested a few hundred levels deep was accepted and stored, and the case's history then answered 500 for
every tier, for good. Such a finding is refused with a 422 problem before anything is stored, and a history
already holding one is still read, with the over-deep part shown as a placeholder."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from identification import json_limits

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
CITY = "520100000000"


def _nested(depth: int) -> dict[str, Any]:
    """A finding `depth` levels deep: {"summary": ..., "notes": [[...]]} with the object as level 1."""
    notes: list[Any] = []
    for _ in range(depth - 2):
        notes = [notes]
    # No visited_on: a survey date is checked against the case's own dates (cases/survey.py).
    return {"summary": "入户核实", "notes": notes}


def _nested_text(depth: int) -> str:
    """The JSON text of `_nested(depth)`, written out (encoders stop at a few hundred levels)."""
    return '{"summary":"入户核实","notes":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


async def _history(harness: Harness, case: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await harness.client.get(f"/cases/{case}/history", headers=headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def test_a_finding_nested_too_deep_is_refused_and_nothing_is_stored(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    before = await _history(harness, case, harness.county())
    for depth in (9, 300):
        assert _depth(_nested(depth)) == depth and orjson.loads(_nested_text(depth)) == _nested(depth)
        # Sent as the reproduction sent it: raw JSON text, not re-encoded by the client.
        refused = await harness.client.post(
            f"/cases/{case}/actions/verify",
            content='{"reason":"verify","finding":' + _nested_text(depth) + "}",
            headers={**harness.village(), "content-type": "application/json"},
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["status"] == 422
        assert any(error["loc"][:2] == ["body", "finding"] for error in problem["errors"]), problem
        assert "nested deeper than 8 levels" in refused.text
    assert await harness.state(case) == "applied"
    assert await _history(harness, case, harness.county()) == before
    # Eight levels are within the bound, and read back by every tier.
    accepted = await harness.act(case, "verify", harness.village(), _nested(8))
    assert accepted.status_code == 200, accepted.text
    for headers in (harness.village(), harness.county(), harness.auth("city", CITY)):
        assert (await _history(harness, case, headers))[-1]["detail"]["finding"] == _nested(8)


async def test_a_finding_too_large_is_refused(harness: Harness) -> None:
    case = await harness.apply(await harness.household())
    too_many = {"survey": "ok", "members": [{"n": index} for index in range(101)]}  # 1 + 101 + 101 entries
    too_long = {"survey": "x" * 2001}
    long_key = {"y" * 2001: "ok"}
    for finding in (too_many, too_long, long_key):
        refused = await harness.act(case, "verify", harness.village(), finding)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"][:2] == ["body", "finding"], refused.text
    assert await harness.state(case) == "applied"
    fits = {"survey": "x" * 2000, "members": [{"n": index} for index in range(99)]}  # 1 + 99 + 99 entries
    assert (await harness.act(case, "verify", harness.village(), fits)).status_code == 200


async def test_the_household_signature_finding_is_bounded_too(harness: Harness) -> None:
    """The household's consent (authorise, household_confirm) keeps the finding's other keys: same bound."""
    case = await harness.apply(await harness.household())
    deep = {"signed": True, "signed_by": "张三丰", **_nested(20)}
    refused = await harness.act(case, "household_confirm", harness.village(), deep)
    assert refused.status_code == 422, refused.text


async def test_a_history_holding_an_over_deep_finding_is_still_read(harness: Harness) -> None:
    """Rows stored before the bound: the part nested too deep to answer is shown as a placeholder, the
    rest of the history as stored, for every tier."""
    case = await harness.apply(await harness.household())
    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    await harness.sql(
        "UPDATE case_history SET detail = CAST(:d AS jsonb) WHERE case_id = :c AND action = 'verify'",
        d='{"finding":' + _nested_text(300) + "}",
        c=uuid.UUID(case),
    )
    for headers in (harness.village(), harness.county(), harness.auth("city", CITY)):
        rows = await _history(harness, case, headers)
        assert [row["action"] for row in rows] == ["open", "verify"]
        finding = rows[-1]["detail"]["finding"]
        assert finding["summary"] == "入户核实"
        assert json_limits.TOO_DEEP in orjson.dumps(finding).decode()
        assert _depth(rows[-1]["detail"]) <= json_limits.SHOWN_DEPTH


def test_the_check_does_not_recurse_into_what_it_refuses() -> None:
    """Deeper than the interpreter's recursion limit: refused at the bound, not a RecursionError."""
    value: Any = {}
    for _ in range(50_000):
        value = {"a": value}
    try:
        json_limits.check(value)
    except ValueError as exc:
        assert "nested deeper than" in str(exc)
    else:
        raise AssertionError("a value 50,000 levels deep passed the check")
    assert json_limits.check(_nested(8)) == _nested(8)
