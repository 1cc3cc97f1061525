"""QA10-Q2/Q3: a statistical grouping (省直辖县级行政区划 429000000000, 北京's 市辖区 …) is no government.
Quotas were decomposed through it by the code's digits, so 湖北 could not give 仙桃 its quota without first
giving one to the grouping (409 quota-missing); region settings written on it applied to 仙桃; and a token
minted for it acted as a government. Now the province decomposes its quota straight to the county-level
units of its groupings, the grouping holds no quota or setting (422 statistical-grouping), and no process
accepts a token for it (401)."""

from __future__ import annotations

from typing import Any

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)

NATION = "000000000000"
HUBEI = "420000000000"
GROUPING = "429000000000"  # 湖北 省直辖县级行政区划
XIANTAO = "429004000000"  # 仙桃市, county level
QIANJIANG = "429005000000"  # 潜江市, county level
WUHAN = "420100000000"


async def _quota(ident: Ident, division: str, year: int, amount: int, headers: dict[str, str]) -> Any:
    body = {"division": division, "year": year, "amount": amount, "reason": "年度规模"}
    return await ident.client.put("/quotas", json=body, headers=headers)


async def test_a_province_decomposes_its_quota_straight_to_the_units_of_its_groupings(harness: Ident) -> None:
    year = await harness.year()
    nation = harness.auth("nation", NATION, "admin")
    province = harness.auth("province", HUBEI, "officer")
    assert (await _quota(harness, HUBEI, year, 100, nation)).status_code == 200
    given = await _quota(harness, XIANTAO, year, 60, province)
    assert given.status_code == 200, given.text
    assert (await _quota(harness, WUHAN, year, 30, province)).status_code == 200
    # 仙桃 and 武汉 share 湖北's 100: 潜江 has 10 left, not the grouping's own budget.
    over = await _quota(harness, QIANJIANG, year, 11, province)
    assert over.status_code == 409 and over.json()["code"] == "quota-exceeded", over.text
    assert (await _quota(harness, QIANJIANG, year, 10, province)).status_code == 200

    refused = await _quota(harness, GROUPING, year, 50, province)
    assert refused.status_code == 422 and refused.json()["code"] == "statistical-grouping", refused.text
    assert (await harness.client.get(f"/quotas/{GROUPING}/{year}", headers=province)).status_code == 404

    children = await harness.client.get(f"/quotas/{HUBEI}/{year}/children", headers=province)
    assert children.status_code == 200, children.text
    assert [(row["division"], row["amount"]) for row in children.json()] == [
        (WUHAN, 30),
        (XIANTAO, 60),
        (QIANJIANG, 10),
    ]
    # The province's own quota cannot drop below what it has given 仙桃, 潜江 and 武汉.
    below = await _quota(harness, HUBEI, year, 99, nation)
    assert below.status_code == 409 and below.json()["code"] == "quota-below-children", below.text


async def test_no_region_setting_is_kept_for_a_grouping_and_the_provinces_reach_its_units(
    harness: Ident,
) -> None:
    province = harness.auth("province", HUBEI, "officer")
    on_grouping = await harness.client.put(
        f"/region-settings/{GROUPING}/notice_days", json={"value": "9"}, headers=province
    )
    assert on_grouping.status_code == 422 and on_grouping.json()["code"] == "statistical-grouping"
    assert (
        await harness.client.put(
            f"/region-settings/{HUBEI}/notice_days", json={"value": "8"}, headers=province
        )
    ).status_code == 200
    read = await harness.client.get(f"/region-settings/{XIANTAO}/notice_days", headers=province)
    assert read.status_code == 200 and read.json()["value"] == "8", read.text


async def test_no_token_for_a_grouping_is_accepted(harness: Ident) -> None:
    for roles in (("officer",), ("admin",), ("viewer",)):
        answer = await harness.client.get("/cases", headers=harness.auth("city", GROUPING, *roles))
        assert answer.status_code == 401, answer.text
        assert "statistical grouping" in answer.json()["detail"]
    # A real city and a county-level unit of the grouping are governments like any other.
    assert (await harness.client.get("/cases", headers=harness.auth("city", WUHAN))).status_code == 200
    assert (await harness.client.get("/cases", headers=harness.auth("county", XIANTAO))).status_code == 200
