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
# Statistical groupings at the city level (registry/data/README.md, quirk 4): 市辖区 and 县 of the
# municipalities and the 省直辖县级行政区划 of four provinces. No government sits there: the county-level
# units they group are governed from the province (东城区 from 北京, 仙桃 from 湖北), so nobody holds a
# token for a grouping, and quotas and region settings pass over it (government_parent). A constant for the
# same reason as COUNTYLESS_CITIES; the registry's tests check it against the tree's placeholders. The
# township-level groupings (…直辖村级区划, villages under a county's direct administration) are not here:
# the county's staff take the township's steps there, at that code.
CITY_GROUPINGS: frozenset[str] = frozenset(
    {
        "110100000000",  # 北京 市辖区
        "120100000000",  # 天津 市辖区
        "310100000000",  # 上海 市辖区
        "500100000000",  # 重庆 市辖区
        "500200000000",  # 重庆 县
        "419000000000",  # 河南 省直辖县级行政区划
        "429000000000",  # 湖北 省直辖县级行政区划
        "469000000000",  # 海南 省直辖县级行政区划
        "659000000000",  # 新疆 自治区直辖县级行政区划
    }
)


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


def government_parent(code: str) -> str | None:
    """The division whose government is above this one's: the parent, passing over a statistical grouping
    (CITY_GROUPINGS) to the province above it."""
    above = parent(code)
    if above is not None and above in CITY_GROUPINGS:
        return parent(above)
    return above


def government_chain(code: str) -> list[str]:
    """`code` and each division above it, most specific first and the nation last, as their governments
    stand (government_parent: a statistical grouping passed over)."""
    chain: list[str] = []
    current: str | None = code
    while current is not None:
        chain.append(current)
        current = government_parent(current)
    return chain


def province_of(code: str) -> str:
    """Two-digit province code, used to pick the province feed topic."""
    validate(code)
    return code[:2]
