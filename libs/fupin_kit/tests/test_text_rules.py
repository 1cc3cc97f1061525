"""Typed texts (names, addresses, reasons, signatures) say something visible and hold no characters that do
something else than show text: control characters (ANSI escapes), bidirectional overrides, noncharacters.
A zero-width space passed str.strip() and so every "not blank" check (QA robustness §2)."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from fupin_kit import text_rules


class Body(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=60), text_rules.text_rule(1)]
    reason: Annotated[str, Field(max_length=500), text_rules.text_rule(2, multi_line=True)]
    bank: Annotated[str, Field(max_length=100), text_rules.text_rule(0)] | None = None


def _errors(**fields: Any) -> list[Any]:
    body = {"name": "张三", "reason": "复核更正", **fields}
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(body)
    return caught.value.errors(include_url=False)


@pytest.mark.parametrize(
    "invisible",
    [
        *("\u200b", "\ufeff", "\u200b\u200c\u200d", "\u2060", " \u200b\u3000", "\u3164", "\u2800", "\u00ad"),
        # Combining marks with nothing to combine with: a variation selector, an acute accent, the grapheme
        # joiner, a selector of the supplement (category Mn, which str.isprintable() passes).
        *("\ufe0f", "\u0301", "\u034f", "\U000e0100", " \u0301\ufe0f "),
    ],
)
def test_invisible_characters_alone_are_blank(invisible: str) -> None:
    (error,) = _errors(name=invisible)
    assert error["loc"] == ("name",) and error["type"] == "value_error"
    assert "at least 1 characters other than whitespace" in error["msg"]
    # Two visible characters for a reason: one letter among zero-width spaces is not enough.
    (error,) = _errors(reason="\u200b好\u200b")
    assert error["loc"] == ("reason",)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("张\u0007三", "U+0007"),
        ("张\u001b[31m三", "U+001B"),
        ("张\u0085三", "U+0085"),
        ("张\u009b三", "U+009B"),
        ("张\u007f三", "U+007F"),
        ("\u202e三张", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u202a张三", "U+202A"),
        ("张\u2066三\u2069", "U+2066"),
        ("张三\u2069", "U+2069"),
        ("张\uffff", "U+FFFF"),
        ("张\ufffe", "U+FFFE"),
        ("张\ufdd0", "U+FDD0"),
        ("张\U0001ffff", "U+1FFFF"),
        ("张\u2028三", "U+2028"),
    ],
)
def test_refused_characters_are_named_by_code_point(value: str, code: str) -> None:
    for field in ("name", "reason"):
        (error,) = _errors(**{field: value})
        assert error["loc"] == (field,) and error["type"] == "value_error"
        assert code in error["msg"], error["msg"]


def test_a_name_is_one_line_and_a_reason_may_have_lines_and_tabs() -> None:
    for value in ("张\n三", "张\t三", "张\r三"):
        (error,) = _errors(name=value)
        assert "control character" in error["msg"]
    body = Body.model_validate({"name": "张三", "reason": "第一行\n\t第二行"})
    assert body.reason == "第一行\n\t第二行"
    (error,) = _errors(reason="第一行\r\n第二行")
    assert "U+000D" in error["msg"] and "line feed and tab" in error["msg"]


def test_combining_marks_count_with_the_character_they_mark() -> None:
    # One visible character each: a letter with its accent, a Tibetan stack, an emoji with its selector.
    for name in ("e\u0301", "\u0f40\u0fb2", "\u2764\ufe0f", "阿\u0301"):
        assert Body.model_validate({"name": name, "reason": "复核更正"}).name == name
    (error,) = _errors(reason="好\u0301\u0301")  # two visible characters needed; one letter, two marks
    assert error["loc"] == ("reason",)


def test_ordinary_texts_pass_with_their_edges_trimmed() -> None:
    body = Body.model_validate(
        {"name": "\ufeff阿依古丽·买买提 ", "reason": " 户主因病致贫，2026 年复核\u200b", "bank": "农村信用社"}
    )
    assert body.name == "阿依古丽·买买提"
    assert body.reason == "户主因病致贫，2026 年复核"
    # Joiners and marks inside a text are kept (emoji sequences, scripts that need them).
    assert (
        Body.model_validate({"name": "👨\u200d👩\u200d👧", "reason": "e\u0301té"}).name
        == "👨\u200d👩\u200d👧"
    )
    # An optional text without a minimum may be empty, and invisible characters alone make it so.
    assert Body.model_validate({"name": "张三", "reason": "复核", "bank": "\u200b"}).bank == ""


def test_length_limits_are_kept() -> None:
    (error,) = _errors(name="张" * 61)
    assert error["type"] == "string_too_long"
    (error,) = _errors(name="")
    assert error["type"] == "string_too_short"
    assert Body.model_validate({"name": "张" * 60, "reason": "复核"}).name == "张" * 60


def test_the_factory_keeps_the_length_limits_and_the_rule() -> None:
    reason = TypeAdapter(text_rules.text(2, 10, multi_line=True))
    assert reason.validate_python(" 两行\n理由 ") == "两行\n理由"
    for bad in ("\u200b\u200b", "理" * 11, "理由\u202e"):
        with pytest.raises(ValidationError):
            reason.validate_python(bad)
    with pytest.raises(ValidationError):
        TypeAdapter(text_rules.text(1, 10)).validate_python("张\n三")
