"""What a typed text (a name, an address, a reason, a signature) may hold, shared by the request schemas.

A text must say something visible: whitespace alone is blank, and so are the invisible format characters
(Unicode category Cf: zero-width space U+200B, BOM U+FEFF, joiners, marks) that str.strip() keeps; and
combining marks (category M: accents, variation selectors U+FE00–U+FE0F, the grapheme joiner U+034F) show
only on a character before them, so they count for nothing on their own. And it may
not hold characters that do something else than show text where it is printed, exported or logged:
- control characters (category Cc: BEL, ESC and so ANSI escape sequences, C1 controls), except line feed
  and tab in a multi-line text (a reason); line and paragraph separators (U+2028, U+2029) likewise;
- bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which print a name reversed;
- noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, U+FFFE and U+FFFF among them).
(Lone surrogates pydantic refuses itself.)
A person's name (person_name_rule) moreover holds no digit of any script (0-9, full-width ０-９, any other
Unicode decimal digit, or a character NFKC folds into one: ①, ¹): no name has one, and names are shown
unmasked at every tier, so digits in a name would carry a resident ID or phone number past the masking.
A refusal is a ValueError, a 422 through pydantic, naming the character's code point.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, Final

from pydantic import AfterValidator, Field

MULTI_LINE_CONTROLS = frozenset("\n\t")
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
SEPARATORS = frozenset("\u2028\u2029")
# Letters that print as nothing (Hangul fillers, the braille blank): not Cf, yet no more visible.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# The planes that hold combining marks: the basic and supplementary multilingual planes, and the
# variation selectors supplement (U+E0100–U+E01EF) of plane 14.
_MARK_PLANES = (range(0x20000), range(0xE0000, 0xE1000))


def _mark_class() -> re.Pattern[str]:
    """A character class of every combining mark (category M), so that a text can be searched for one at
    C speed; built once (about 130,000 code points looked at)."""
    ranges: list[tuple[int, int]] = []
    for plane in _MARK_PLANES:
        for code in plane:
            if unicodedata.category(chr(code))[0] == "M":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
    return re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]")


MARK = _mark_class()
# For a str pattern \d is any Unicode decimal digit (category Nd): ASCII, full-width, Arabic-Indic, Devanagari…
DIGIT = re.compile(r"\d")
COMPATIBILITY: Final = "NFKC"  # the normal form the 登记表 import reads its cells in


def code_point(character: str) -> str:
    """U+200B ZERO WIDTH SPACE, or just U+0007 for a character without a name (controls)."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" {name}" if name else "")


def is_noncharacter(character: str) -> bool:
    code = ord(character)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def is_invisible(character: str) -> bool:
    """Whitespace, a format character (Cf) or a blank letter: shows nothing, so says nothing."""
    return character.isspace() or unicodedata.category(character) == "Cf" or character in BLANK_LETTERS


def character_problem(value: str, *, multi_line: bool = False) -> str | None:
    """Why `value` may not be stored as a typed text, naming the first character at fault, or None."""
    for character in value:
        category = unicodedata.category(character)
        if category == "Cc" and not (multi_line and character in MULTI_LINE_CONTROLS):
            allowed = " (only line feed and tab are allowed)" if multi_line else ""
            return f"contains the control character {code_point(character)}{allowed}"
        if character in SEPARATORS:
            instead = "; use a line feed" if multi_line else ""
            return f"contains the line separator {code_point(character)}{instead}"
        if character in BIDI_CONTROLS:
            return f"contains the bidirectional control character {code_point(character)}"
        if is_noncharacter(character):
            return f"contains the noncharacter {code_point(character)}"
    return None


def is_mark(character: str) -> bool:
    return unicodedata.category(character)[0] == "M"


def visible_length(value: str) -> int:
    """The characters of `value` that show something of their own (not whitespace, format characters,
    blank letters, nor combining marks, which only change the character before them)."""
    return sum(not (is_invisible(character) or is_mark(character)) for character in value)


def strip_invisible(value: str) -> str:
    """`value` without the whitespace and format characters at its edges (a pasted BOM, a trailing ZWSP)."""
    start, end = 0, len(value)
    while start < end and is_invisible(value[start]):
        start += 1
    while end > start and is_invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def checker(minimum: int = 1, *, multi_line: bool = False) -> Callable[[str], str]:
    """The check of a typed text: refused characters, then at least `minimum` visible characters. Returns
    the text stripped of invisible characters at its edges."""

    def check(value: str) -> str:
        if (
            value.isprintable()
            and not any(letter in value for letter in BLANK_LETTERS)
            and MARK.search(value) is None
        ):
            # The common case, at C speed: printable excludes every refused character (Cc, the separators,
            # the bidirectional controls and the other Cf, noncharacters) and every invisible one but the
            # ASCII space, the blank letters and the combining marks, so only the spaces are left to
            # discount.
            if len(value) - value.count(" ") < minimum:
                raise ValueError(
                    f"needs at least {minimum} characters other than whitespace and invisible characters"
                )
            return value.strip(" ")
        problem = character_problem(value, multi_line=multi_line)
        if problem is not None:
            raise ValueError(problem)
        if visible_length(value) < minimum:
            raise ValueError(
                f"needs at least {minimum} characters other than whitespace and invisible characters"
            )
        return strip_invisible(value)

    return check


def person_name_problem(value: str) -> str | None:
    """Why `value` may not be a person's name for the digits it holds, naming the first, or None. A search at
    C speed for a decimal digit, then for a character that stands for digits (①, ¹, ⒈: NFKC, in which the
    登记表 import reads its cells, folds them into digits); only a text not in NFKC is looked at further."""
    found = DIGIT.search(value)
    if found is not None:
        return f"contains the digit {code_point(found.group())}: a person's name holds no digit"
    if value.isascii() or unicodedata.is_normalized(COMPATIBILITY, value):
        return None
    for character in value:
        if DIGIT.search(unicodedata.normalize(COMPATIBILITY, character)):
            return f"contains {code_point(character)}, a digit: a person's name holds no digit"
    return None


def person_name(value: str) -> str:
    """The check of a person's name, on top of the typed-text check: no digit (person_name_problem)."""
    problem = person_name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def person_name_rule() -> AfterValidator:
    """person_name as a validator, after the typed-text rule:
    `Annotated[str, Field(min_length=1, max_length=60), text_rule(1), person_name_rule()]`."""
    return AfterValidator(person_name)


def text_rule(minimum: int = 1, *, multi_line: bool = False) -> AfterValidator:
    """The rule as a validator, to add to an Annotated type that has its own length constraints:
    `Annotated[str, Field(min_length=1, max_length=60), text_rule(1)]`."""
    return AfterValidator(checker(minimum, multi_line=multi_line))


def text(minimum: int, maximum: int, *, multi_line: bool = False, **field: Any) -> Any:
    """A required typed text: at most `maximum` characters, at least `minimum` of them visible, no control,
    bidirectional or noncharacter code points (line feed and tab allowed when `multi_line`). `field`: further
    pydantic Field arguments (description)."""
    return Annotated[
        str,
        Field(min_length=minimum, max_length=maximum, **field),
        text_rule(minimum, multi_line=multi_line),
    ]
