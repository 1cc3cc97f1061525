"""Twelve-digit statistical division codes: level, parent and subtree range.

A code is province 2 + city 2 + county 2 + township 3 + village 3 digits, higher levels zero-padded.
Because the width is fixed, a subtree is both a prefix and one closed range of codes, which is what the
jurisdiction predicates (`division BETWEEN lo AND hi`) and their indexes rely on.
"""

from __future__ import annotations

import re
from enum import IntEnum

CODE_PATTERN = re.compile(r"^[0-9]{12}$")
NATION = "000000000000"


class Level(IntEnum):
    NATION = 0
    PROVINCE = 1
    CITY = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


TIER_NAMES: dict[Level, str] = {
    Level.NATION: "nation",
    Level.PROVINCE: "province",
    Level.CITY: "city",
    Level.COUNTY: "county",
    Level.TOWNSHIP: "township",
    Level.VILLAGE: "village",
}
TIER_LEVELS: dict[str, Level] = {name: level for level, name in TIER_NAMES.items()}
# Significant prefix length per level.
PREFIX_LENGTH: dict[Level, int] = {
    Level.NATION: 0,
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
# Prefecture-level cities without counties: their townships hang directly off the city (东莞, 中山, 儋州 in
# the 2023 tree), so the city government holds the county tier's powers there (approval, registration,
# full identity). A constant because every process needs it without the tree; the registry's tests check
# it against the loaded tree.
COUNTYLESS_CITIES: frozenset[str] = frozenset({"441900000000", "442000000000", "460400000000"})


def child_level(code: str) -> Level:
    """The level of a node's children: townships under a countyless city, else the next level (a village,
    which has none, answers its own)."""
    own = level(code)
    if code in COUNTYLESS_CITIES:
        return Level.TOWNSHIP
    return Level(min(own + 1, Level.VILLAGE))


class InvalidDivisionCode(ValueError):
    pass


def validate(code: str) -> str:
    if not CODE_PATTERN.match(code):
        raise InvalidDivisionCode(f"division code must be 12 digits, got {code!r}")
    return code


def level(code: str) -> Level:
    """The level implied by the code's zero padding."""
    validate(code)
    if code == NATION:
        return Level.NATION
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def prefix(code: str) -> str:
    return code[: PREFIX_LENGTH[level(code)]]


def subtree_range(code: str) -> tuple[str, str]:
    """Inclusive [lo, hi] range of every code in the subtree rooted at `code`."""
    head = prefix(code)
    return head.ljust(12, "0"), head.ljust(12, "9")


def contains(ancestor: str, code: str) -> bool:
    """True when `code` lies in the subtree of `ancestor` (a node contains itself)."""
    validate(code)
    return code.startswith(prefix(ancestor))


def parent(code: str) -> str | None:
    """The parent implied by the code. The real tree can differ (a city without counties); the registry's
    division table is the authority for structure, this is the arithmetic fallback."""
    lvl = level(code)
    if lvl == Level.NATION:
        return None
    if lvl == Level.PROVINCE:
        return NATION
    keep = PREFIX_LENGTH[Level(lvl - 1)]
    return code[:keep].ljust(12, "0")


def province_of(code: str) -> str:
    """Two-digit province code, used to pick the province feed topic."""
    validate(code)
    return code[:2]
