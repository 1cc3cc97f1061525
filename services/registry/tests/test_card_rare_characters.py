"""QA7 DW-1: the household card 户卡 prints every character of a name, including the CJK Extension A/B
characters WenQuanYi Micro Hei has no glyph for (they come from the fallback fonts), on real PostgreSQL
through the real app. 㵲水街道 / 㵲水社区 are real divisions of 岑巩县 in the shipped tree."""

from __future__ import annotations

import io
import itertools
from typing import Any

from pypdf import PdfReader

from fupin_kit.pii import check_digit

VILLAGE = "522626001001"  # 㵲水社区居民委员会, 㵲水街道, 岑巩县, 黔东南州, 贵州省
COUNTY = "522626000000"
HEAD = "王䶮"  # 䶮 U+4DAE, Extension A
MEMBER = "龙𠮷"  # 𠮷 U+20BB7, Extension B

_serial = itertools.count(1)


def resident_id(male: bool) -> str:
    n = next(_serial)
    first17 = f"52262619700101{(n * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def person(name: str, relation: str, male: bool) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "male" if male else "female",
        "resident_id": resident_id(male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def household() -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "一组",
        "address": "㵲水街 8 号",
        "head_name": HEAD,
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "dibao_poor",
        "main_cause": "illness",
        "other_causes": [],
        "living": {
            "housing_area": "62.5",
            "housing_structure": "brick_wood",
            "housing_year_built": 1998,
            "housing_safety_grade": "C",
            "has_electricity": True,
            "fuel": "firewood",
            "drinking_water": "difficult",
        },
        "members": [person(HEAD, "head", True), person(MEMBER, "son", True)],
        "registered_on": "2020-01-01",
    }


async def test_the_card_prints_extension_a_and_b_characters_of_names_and_places(writable_registry) -> None:
    registry = writable_registry
    headers = registry.auth("county", COUNTY, ["cadre"])
    created = await registry.client.post("/households", json=household(), headers=headers)
    assert created.status_code == 201, created.text
    response = await registry.client.get(
        f"/exports/households/{created.json()['id']}/card.pdf", headers=headers
    )
    assert response.status_code == 200, response.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace("\n", "")
    for expected in (HEAD, MEMBER, "岑巩县㵲水街道㵲水社区居民委员会", "㵲水街 8 号"):
        assert expected in text, (expected, text)
