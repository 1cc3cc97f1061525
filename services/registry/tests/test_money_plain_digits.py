"""A money figure (an income component, a poverty or monitoring line) written as a string is taken only in
plain digits, with at most one decimal point, as identification's region settings are: pydantic's Decimal
reads whatever decimal.Decimal() reads, so full-width or Arabic-Indic digits, `1_000` and `1E+3` were
stored as amounts that decide who is poor (QA8 fuzz-writer FW-5). JSON numbers and plain strings are
taken as before."""

from __future__ import annotations

from typing import Any

from fupin_kit.pii import check_digit

VILLAGE = "520102016001"
COUNTY = "520102000000"
NOT_PLAIN = ["１２３", "١٢٣", "1_000", "1E+3", "1e3", "-5", "+5", "NaN", "Infinity", "12.5.1", "", " "]


def _household() -> dict[str, Any]:
    first17 = "52010219750101031"
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 2 号",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            {
                "name": "王五",
                "sex": "male",
                "resident_id": first17 + check_digit(first17),
                "relation": "head",
                "health": "healthy",
                "labour_capacity": "ordinary",
            }
        ],
        "registered_on": "2020-01-01",
    }


def _plain_digits_refusal(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [error["loc"][-1] for error in errors] == [field], errors
    assert "plain digits" in errors[0]["msg"], errors


async def test_an_income_figure_is_taken_in_plain_digits_only(writable_registry) -> None:
    registry = writable_registry
    cadre = registry.auth("village", VILLAGE, ["cadre"])
    created = await registry.client.post("/households", json=_household(), headers=cadre)
    assert created.status_code == 201, created.text
    path = f"/households/{created.json()['id']}/incomes/2024"
    for typed in NOT_PLAIN:
        refused = await registry.client.put(path, json={"wage": typed}, headers=cadre)
        _plain_digits_refusal(refused, "wage")

    accepted: tuple[tuple[str | int, str], ...] = (
        ("2500", "2500.00"),
        ("2500.5", "2500.50"),
        ("2500.00", "2500.00"),
        (2600, "2600.00"),
    )
    for figure, stored in accepted:
        taken = await registry.client.put(path, json={"wage": figure, "business": 12.5}, headers=cadre)
        assert taken.status_code == 200, taken.text
        assert (taken.json()["wage"], taken.json()["business"]) == (stored, "12.50")


async def test_a_standard_s_amount_is_taken_in_plain_digits_only(writable_registry) -> None:
    registry = writable_registry
    officer = registry.auth("county", COUNTY, ["officer"])
    body = {"kind": "poverty_line", "year": 2020, "region": COUNTY, "reason": "县级标准调整"}
    for typed in ("５０００", "5_000", "5E+3"):
        refused = await registry.client.post("/standards", json={**body, "amount": typed}, headers=officer)
        _plain_digits_refusal(refused, "amount")
    figures: tuple[str | int, ...] = ("4500", "4500.50", 4600)
    for figure in figures:
        taken = await registry.client.post("/standards", json={**body, "amount": figure}, headers=officer)
        assert taken.status_code == 201, taken.text
