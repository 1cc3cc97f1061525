"""A survey step (verify, exit_verify, visit) sent without findings was refused with a 422 that named no
field and had no `code` (cadre walk of the console): the console could not say in its reader's words what
was missing. It is now `survey-required`, naming `finding` as the service's other 422s name theirs."""

from __future__ import annotations

from typing import Any

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)


async def test_a_verification_without_findings_names_its_field(harness: Ident) -> None:
    case = await harness.apply(await harness.household())
    refused = await harness.act(case, "verify", harness.village(), {})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "survey-required", problem
    assert [error["loc"] for error in problem["errors"]] == [["body", "finding"]], problem
    assert problem["errors"][0]["type"] == "survey_required", problem
    assert await harness.state(case) == "applied"
