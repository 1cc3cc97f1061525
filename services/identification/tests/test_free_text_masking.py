"""What cadres, officers and objectors type is read above the county with ID and mobile numbers masked: a
survey finding in the case history, an objection's words and its resolution, a comparison hit's resolution.
The county tier and below read them as written."""

from __future__ import annotations

from typing import Any

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
CITY = "520100000000"
PROVINCE = "520000000000"
COUNTY = "520102000000"
PHONE = "13812345678"


def _typed(rid: str) -> str:
    return f"核实人身份证{rid}，电话{PHONE}"


def _masked(rid: str) -> str:
    return f"核实人身份证{rid[:6]}********{rid[-4:]}，电话138****5678"


async def test_case_history_findings_are_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household())
    finding = {"survey": "ok", "resident_id": rid, "note": _typed(rid)}
    assert (await harness.act(case, "verify", harness.village(), finding)).status_code == 200

    county = (await harness.client.get(f"/cases/{case}/history", headers=harness.county())).json()
    assert county[-1]["detail"]["finding"] == finding
    for tier, division in (("city", CITY), ("province", PROVINCE)):
        history = await harness.client.get(f"/cases/{case}/history", headers=harness.auth(tier, division))
        assert history.status_code == 200, history.text
        seen = history.json()[-1]["detail"]["finding"]
        assert seen["note"] == _masked(rid)
        assert seen["resident_id"] == f"{rid[:6]}********{rid[-4:]}"
        assert rid not in history.text and PHONE not in history.text


async def test_objection_words_and_resolution_are_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    (case,), notice = await harness.to_first_notice()
    filed = await harness.client.post(
        f"/public/notices/{notice}/objections", json={"case_id": case, "text": _typed(rid)}
    )
    assert filed.status_code == 201, filed.text
    resolved = await harness.client.post(
        f"/objections/{filed.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": _typed(rid)},
        headers=harness.township(),
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolution"] == _typed(rid)

    city = await harness.client.get("/objections", headers=harness.auth("city", CITY, "officer"))
    assert city.status_code == 200, city.text
    (ticket,) = city.json()
    assert ticket["text"] == _masked(rid) and ticket["resolution"] == _masked(rid)
    county = (
        await harness.client.get("/objections", headers=harness.auth("county", "520102000000", "officer"))
    ).json()
    assert county[0]["text"] == _typed(rid) and county[0]["resolution"] == _typed(rid)
    history = await harness.client.get(f"/cases/{case}/history", headers=harness.auth("province", PROVINCE))
    assert rid not in history.text and PHONE not in history.text


async def test_hit_resolution_is_masked_above_the_county(harness: Harness) -> None:
    rid = harness.resident_id()
    case = await harness.apply(await harness.household(ids=[rid]))
    await harness.push("private_vehicle", rid)
    (hit,) = await harness.hits(case)
    assert (await harness.resolve_hit(hit["id"], "cleared", _typed(rid))).status_code == 200

    city = await harness.client.get(
        "/comparisons/hits", params={"case_id": case}, headers=harness.auth("city", CITY, "officer")
    )
    assert city.status_code == 200, city.text
    assert city.json()[0]["resolution"] == _masked(rid)
    assert (await harness.hits(case))[0]["resolution"] == _typed(rid)
