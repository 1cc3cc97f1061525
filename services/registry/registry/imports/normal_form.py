"""One normal form for every cell of a 登记表, applied before any cell is checked. Pure Python, no I/O.

Chinese input methods type full-width digits, letters and punctuation (２０２４, ５２２６…, （, ／) as readily
as half-width ones, and a clerk cannot see the difference. NFKC folds them into one form, so a year, an
ID or a code-list label reads the same whichever was typed (a full-width amount was accepted while a
full-width year was refused), and what is stored is the same text whichever was typed. Ideographic and
no-break spaces become plain spaces.
"""

from __future__ import annotations

import unicodedata
from typing import Final

FORM: Final = "NFKC"


def cell(value: str) -> str:
    if value.isascii() or unicodedata.is_normalized(FORM, value):
        return value
    return unicodedata.normalize(FORM, value).strip()


def row(values: list[str]) -> list[str]:
    """`values` in normal form (the same list when it already is: most rows of a file, checked at once)."""
    joined = "".join(values)
    if joined.isascii() or unicodedata.is_normalized(FORM, joined):
        return values
    return [cell(value) for value in values]
