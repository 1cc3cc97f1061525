"""Names, addresses, groups, bank names and reasons of a household say something visible and hold no control,
bidirectional or noncharacter code points (fupin_kit.text_rules). A head name of one zero-width space, an
RTL-overridden name and an address with BEL and an ANSI escape were stored (QA robustness §2)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import ValidationError

from fupin_kit.pii import check_digit
from registry.households.schemas import HouseholdIn, HouseholdPatch, MemberPatch
from registry.standards.schemas import StandardIn

VILLAGE = "520102016001"
COUNTY = "520102000000"
_serial = itertools.count(700)


def resident_id() -> str:
    first17 = f"5201021980010{next(_serial) % 1000 * 2 + 1:04d}"[:17]
    return first17 + check_digit(first17)


def member(**fields: Any) -> dict[str, Any]:
    return {
        "name": "张三",
        "sex": "male",
        "resident_id": resident_id(),
        "relation": "head",
        "health": "healthy",
        "labour_capacity": "ordinary",
        **fields,
    }


def household(**fields: Any) -> dict[str, Any]:
    return {
        "division": VILLAGE,
        "village_group": "三组",
        "address": "纪念塔路 1 号",
        "head_name": "张三",
        "bank_name": "农村信用社",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [member()],
        "registered_on": "2020-01-01",
        **fields,
    }


BAD = [
    pytest.param("\u200b", "other than whitespace", id="zero-width-space"),
    pytest.param("\ufeff\u200b\u3000", "other than whitespace", id="bom-zwsp-ideographic-space"),
    pytest.param("\u202e三张", "U+202E", id="rtl-override"),
    pytest.param("张\u2067三", "U+2067", id="rtl-isolate"),
    pytest.param("张\u0007\u001b[31m三", "U+0007", id="bel-ansi"),
    pytest.param("张\u009b三", "U+009B", id="c1-control"),
    pytest.param("张\uffff", "U+FFFF", id="noncharacter"),
    pytest.param("张\n三", "U+000A", id="newline"),
    pytest.param("张\u2028三", "U+2028", id="line-separator"),
]


def _messages(error: ValidationError, field: str) -> str:
    return " ".join(e["msg"] for e in error.errors() if e["loc"][-1] == field)


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_the_household_texts_refuse_invisible_and_control_characters(bad: str, says: str) -> None:
    # A bank name may be empty (test_bank_name_may_still_be_empty), but holds no refused character.
    refusing = ("village_group", "address", "head_name") + (("bank_name",) if says.startswith("U+") else ())
    for field in refusing:
        with pytest.raises(ValidationError) as caught:
            HouseholdIn.model_validate(household(**{field: bad}))
        assert says in _messages(caught.value, field)
        with pytest.raises(ValidationError) as caught:
            HouseholdPatch.model_validate({field: bad, "reason": "更正"})
        assert says in _messages(caught.value, field)
    with pytest.raises(ValidationError) as caught:
        HouseholdIn.model_validate(household(members=[member(name=bad)]))
    assert says in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        MemberPatch.model_validate({"name": bad, "reason": "更正"})
    assert says in _messages(caught.value, "name")


def test_bank_name_may_still_be_empty() -> None:
    assert HouseholdPatch.model_validate({"bank_name": "", "reason": "更正"}).bank_name == ""
    assert HouseholdPatch.model_validate({"bank_name": "\u200b", "reason": "更正"}).bank_name == ""


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("\u200b", "other than whitespace"),
        ("地址\u001b[2J更正", "U+001B"),
        ("地址\u202d更正", "U+202D"),
        ("地址\ufdd0更正", "U+FDD0"),
    ],
)
def test_reasons_refuse_them_too(bad: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HouseholdPatch.model_validate({"address": "纪念塔路 2 号", "reason": bad})
    assert says in _messages(caught.value, "reason")
    standard = {"kind": "poverty_line", "year": 2020, "region": COUNTY, "amount": "4500", "reason": bad * 4}
    with pytest.raises(ValidationError) as caught:
        StandardIn.model_validate(standard)
    assert says in _messages(caught.value, "reason")


def test_ordinary_texts_pass_and_a_reason_may_have_lines() -> None:
    body = HouseholdIn.model_validate(
        household(address="\ufeff纪念塔路 1 号\u200b", members=[member(name="阿依古丽·买买提")])
    )
    assert body.address == "纪念塔路 1 号" and body.members[0].name == "阿依古丽·买买提"
    patch = HouseholdPatch.model_validate({"head_name": " 张三 ", "reason": "户主更正\n\t见村委会记录"})
    assert patch.head_name == "张三" and patch.reason == "户主更正\n\t见村委会记录"


async def test_the_api_refuses_them_as_422_and_writes_nothing(writable_registry) -> None:
    registry = writable_registry
    headers = registry.auth("village", VILLAGE, ["cadre"])
    for fields in ({"head_name": "\u200b"}, {"address": "张\u0007\u001b[31m三"}, {"reason": "\u200b"}):
        response = await registry.client.post("/households", json=household(**fields), headers=headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    created = await registry.client.post("/households", json=household(), headers=headers)
    assert created.status_code == 201, created.text
    target = f"/households/{created.json()['id']}"
    for body in (
        {"head_name": "\u200b", "reason": "\u200b"},
        {"head_name": "\u202e三张", "address": "张\u0007\u001b[31m三", "reason": "x"},
    ):
        refused = await registry.client.patch(target, json=body, headers=headers)
        assert refused.status_code == 422, refused.text
    read = (await registry.client.get(target, headers=headers)).json()
    assert read["head_name"] == "张三" and read["address"] == "纪念塔路 1 号" and read["version"] == 1


# ---- a person's name holds no digit ----------------------------------------------------------------------
# Names are shown unmasked at every tier (the masking above the county covers IDs and phone numbers, also
# typed into free text): a member named 张三110101199003071234 carried an ID past it into answers, the 户卡
# and its filename, and the exports.

DIGITS = [
    pytest.param("张三110101199003071234", "U+0031 DIGIT ONE", id="resident-id"),
    pytest.param("李四13812345678", "U+0031 DIGIT ONE", id="mobile"),
    pytest.param("王五１３８", "U+FF11 FULLWIDTH DIGIT ONE", id="full-width"),
    pytest.param("赵六\u0663", "U+0663 ARABIC-INDIC DIGIT THREE", id="arabic-indic"),
    pytest.param("孙七\u096a", "U+096A DEVANAGARI DIGIT FOUR", id="devanagari"),
    pytest.param("周八\u2460\u2461", "U+2460 CIRCLED DIGIT ONE", id="circled"),
    pytest.param("吴九\u00b9", "U+00B9 SUPERSCRIPT ONE", id="superscript"),
]
NAMES_WITHOUT_DIGITS = ["阿依古丽·买买提", "尼玛•扎西", "买买提．艾力", "Maria Chen", "王一二三", "李〇"]


@pytest.mark.parametrize(("bad", "says"), DIGITS)
def test_a_persons_name_refuses_a_digit(bad: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HouseholdIn.model_validate(household(head_name=bad))
    assert says in _messages(caught.value, "head_name") and "no digit" in _messages(caught.value, "head_name")
    with pytest.raises(ValidationError) as caught:
        HouseholdIn.model_validate(household(head_name="张三", members=[member(name=bad)]))
    assert says in _messages(caught.value, "name")
    with pytest.raises(ValidationError) as caught:
        HouseholdPatch.model_validate({"head_name": bad, "reason": "更正"})
    assert says in _messages(caught.value, "head_name")
    with pytest.raises(ValidationError) as caught:
        MemberPatch.model_validate({"name": bad, "reason": "更正"})
    assert says in _messages(caught.value, "name")


@pytest.mark.parametrize("name", NAMES_WITHOUT_DIGITS)
def test_middle_dots_latin_letters_and_chinese_numerals_stay_allowed_in_a_name(name: str) -> None:
    body = HouseholdIn.model_validate(household(head_name=name, members=[member(name=name)]))
    assert body.head_name == name and body.members[0].name == name
    assert MemberPatch.model_validate({"name": name, "reason": "更正"}).name == name
    # Only names: an address, a 组 and a bank name keep their digits.
    patch = HouseholdPatch.model_validate({"address": "纪念塔路 1 号", "village_group": "3组", "reason": "x"})
    assert patch.address == "纪念塔路 1 号" and patch.village_group == "3组"


async def test_the_api_refuses_a_name_with_digits_as_422_naming_the_field_and_stores_nothing(
    writable_registry,
) -> None:
    registry = writable_registry
    headers = registry.auth("village", VILLAGE, ["cadre"])
    with_id = "张三110101199003071234"
    for body, loc in (
        (household(head_name=with_id, members=[member(name=with_id)]), "head_name"),
        (household(members=[member(name="张三13812345678")]), "name"),
    ):
        refused = await registry.client.post("/households", json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert loc in [error["loc"][-1] for error in refused.json()["errors"]], refused.text
    listed = await registry.client.get("/households", headers=headers)
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text

    created = await registry.client.post(
        "/households",
        json=household(head_name="阿依古丽·买买提", members=[member(name="阿依古丽·买买提")]),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    target = f"/households/{created.json()['id']}"
    member_id = created.json()["members"][0]["id"]
    joining = member(name="李四13812345678", relation="spouse", sex="female", resident_id=_woman())
    attempts = (
        ("POST", f"{target}/members", {"change": "marriage_in", "effective_on": "2021-05-01", "reason": "婚入",
                                      "member": joining}, ("member", "name")),
        ("PATCH", target, {"head_name": "阿依古丽·买买提１１０１", "reason": "更正"}, ("head_name",)),
        ("PATCH", f"{target}/members/{member_id}", {"name": with_id, "reason": "更正"}, ("name",)),
    )  # fmt: skip
    for method, path, body, where in attempts:
        refused = await registry.client.request(method, path, json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        errors = refused.json()["errors"]
        assert any(
            tuple(error["loc"][-len(where) :]) == where and "digit" in error["msg"] for error in errors
        )
    read = (await registry.client.get(target, headers=headers)).json()
    assert read["head_name"] == "阿依古丽·买买提" and read["version"] == 1
    assert [person["name"] for person in read["members"]] == ["阿依古丽·买买提"]


def _woman() -> str:
    first17 = f"52010219850201{next(_serial) % 500 * 2:03d}"  # an even sequence number: a woman
    return first17 + check_digit(first17)
