"""A signature and the reasons recorded with a decision say something visible and hold no control or
bidirectional characters (fupin_kit.text_rules through identification.text). A zero-width space passed the
"not blank" check, since str.strip() keeps it (QA robustness §2)."""

from __future__ import annotations

from typing import Any

from identification.text import LongReason, Reason, Signer

# The procedure's dates are today in China: no step is dated before its case was opened.

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
VILLAGE = "520102016001"
TOWNSHIP = "520102016000"


async def _apply(harness: Harness, signer: str) -> Any:
    return await harness.client.post(
        "/cases",
        json={
            "household_id": str(await harness.household()),
            "year": await harness.year(),
            "authorisation": await harness.authorisation(signed_by=signer),
        },
        headers=harness.village(),
    )


async def test_an_invisible_or_controlled_signer_is_refused(harness: Harness) -> None:
    for signer, says in (
        ("\u200b", "other than whitespace"),
        ("\ufeff\u200b", "other than whitespace"),
        ("\u202e丰三张", "U+202E"),
        ("张\u001b[2J三丰", "U+001B"),
        ("张三\n丰", "U+000A"),
    ):
        response = await _apply(harness, signer)
        assert response.status_code == 422, (signer, response.text)
        assert says in response.text, response.text
    signed = await _apply(harness, "\ufeff张三丰\u200b")
    assert signed.status_code == 201, signed.text


async def test_a_signer_holding_a_digit_is_refused(harness: Harness) -> None:
    """signed_by names the member who signed: a person's name, never a number (an ID or mobile typed
    into it would be shown unmasked at every tier)."""
    for signer in ("张三110101199003071234", "李四13812345678", "王五１", "赵六①"):
        response = await _apply(harness, signer)
        assert response.status_code == 422, (signer, response.text)
        assert "holds no digit" in response.text, response.text
    signed = await _apply(harness, "阿依古丽·买买提")
    assert signed.status_code == 201, signed.text


async def test_an_invisible_quota_reason_is_refused(harness: Harness) -> None:
    year = await harness.year()
    await harness.quotas(year, 50, TOWNSHIP)  # the parent's quota, which a village's is taken from
    for reason in ("\u200b\u200b", "\u200b好\u200b", "调整\u0007规模", "调整\u2066规模"):
        response = await harness.client.put(
            "/quotas",
            json={"division": VILLAGE, "year": year, "amount": 3, "reason": reason},
            headers=harness.township(),
        )
        assert response.status_code == 422, (reason, response.text)
    accepted = await harness.client.put(
        "/quotas",
        json={"division": VILLAGE, "year": year, "amount": 3, "reason": "调整规模\n（乡镇会议决定）"},
        headers=harness.township(),
    )
    assert accepted.status_code == 200, accepted.text


def test_the_shared_types_carry_the_rule() -> None:
    from pydantic import TypeAdapter, ValidationError

    for kind, bad in ((Signer, "a\tb"), (Reason, "\u200b\u200b"), (LongReason, "理由\uffff")):
        try:
            TypeAdapter(kind).validate_python(bad)
        except ValidationError:
            continue
        raise AssertionError(f"{bad!r} passed")
    assert TypeAdapter(Reason).validate_python(" 理由\n\t第二行 ") == "理由\n\t第二行"
