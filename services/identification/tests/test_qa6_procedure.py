"""QA6 (identification procedure, 2026-11-27), on real PostgreSQL through the real app: a stale objection
upheld after its case left the notice, the exit checks re-run at the announcement, forward steps refused
once the registry has the household as poor, an objection to a line withdrawn after an upheld objection,
and the application year's message."""

from __future__ import annotations

from typing import Any

import httpx

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
DAY = 86_400


async def _object(harness: Harness, notice: str, case: str, text: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/public/notices/{notice}/objections", json={"case_id": case, "text": text}
    )
    return response


async def _resolve(harness: Harness, ticket: str, outcome: str, reason: str) -> httpx.Response:
    response: httpx.Response = await harness.client.post(
        f"/objections/{ticket}/resolve",
        json={"outcome": outcome, "reason": reason},
        headers=harness.township(),
    )
    return response


async def _lines(harness: Harness, notice: str) -> dict[str, str]:
    board = (await harness.client.get(f"/public/notices/{notice}")).json()
    return {entry["case_id"]: entry["status"] for entry in board["entries"]}


async def _history(harness: Harness, case: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await harness.client.get(f"/cases/{case}/history", headers=harness.county())
    ).json()
    return rows


# ---- 1: an objection upheld after its case left the notice does not move the case ---------------------


async def test_a_stale_objection_upheld_leaves_the_case_on_its_new_notice(harness: Harness) -> None:
    (case,), old = await harness.to_first_notice()
    first = await _object(harness, old, case, "异议一")
    second = await _object(harness, old, case, "异议二")
    assert first.status_code == 201 and second.status_code == 201
    upheld = await _resolve(harness, first.json()["id"], "upheld", "属实")
    assert upheld.status_code == 200, upheld.text
    assert await harness.state(case) == "applied"

    assert (await harness.act(case, "verify", harness.village(), {"survey": "ok"})).status_code == 200
    assert (
        await harness.act(case, "village_review", harness.village(), await harness.vote())
    ).status_code == 200
    posted = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "first"}, headers=harness.township()
    )
    assert posted.status_code == 201, posted.text
    new = str(posted.json()["id"])

    stale = await _resolve(harness, second.json()["id"], "upheld", "也属实")
    assert stale.status_code == 200, stale.text
    assert stale.json()["status"] == "upheld"
    assert "already left" in (stale.json()["note"] or "")
    # The case stays on the notice it is on now, listed and consistent with its state.
    assert await harness.state(case) == "first_notice"
    assert (await _lines(harness, new))[case] == "listed"
    assert (await _lines(harness, old))[case] == "withdrawn_after_objection"
    history = await _history(harness, case)
    assert [row["action"] for row in history].count("uphold_objection") == 1
    assert history[-1]["action"] == "objection_upheld"
    assert history[-1]["detail"]["case_left_notice"] is True
    assert history[-1]["to_state"] == "first_notice"

    await harness.advance_clock(8 * DAY)
    ticked = await harness.client.post("/notices/tick", headers=harness.township())
    assert ticked.status_code == 200 and sorted(ticked.json()["closed"]) == sorted([old, new]), ticked.text
    assert await harness.state(case) == "first_noticed"


async def test_a_stale_objection_on_a_withdrawn_line_keeps_the_line_withdrawn(harness: Harness) -> None:
    (case, _other), notice = await harness.to_first_notice(households=2)
    ticket = await _object(harness, notice, case, "该户有稳定收入")
    assert ticket.status_code == 201
    out = await harness.client.post(
        f"/cases/{case}/actions/withdraw", json={"reason": "农户自愿撤回申请"}, headers=harness.village()
    )
    assert out.status_code == 200, out.text
    upheld = await _resolve(harness, ticket.json()["id"], "upheld", "属实")
    assert upheld.status_code == 200, upheld.text
    assert await harness.state(case) == "withdrawn"
    assert (await _lines(harness, notice))[case] == "withdrawn"
