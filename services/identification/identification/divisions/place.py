"""What a public document calls a division: pure, from its chain root → the division itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fupin_kit import divisions

# The level a village's notice is read from: 某某县某某镇某某村. A city without counties (东莞, 中山, 儋州)
# stands in for its county, so the path starts at the nearest of these levels above the division. A code's
# level is the tree's level (the registry's loader refuses a row whose level contradicts its code).
_STARTS = (divisions.Level.COUNTY, divisions.Level.CITY, divisions.Level.PROVINCE)


def place(chain: Sequence[Mapping[str, Any]]) -> str:
    """The division's name after its county's (or the level standing in for one) and its township's, e.g.
    南明区新华路街道纪念塔社区; statistical groupings above it (市辖区, …直辖村级区划) are no part of it."""
    if not chain:
        return ""
    above = list(chain[:-1])
    start = len(above)
    for level in _STARTS:
        found = [index for index, node in enumerate(above) if divisions.level(node["code"]) == level]
        if found:
            start = found[-1]
            break
    return "".join([*(node["name"] for node in above[start:] if not node["placeholder"]), chain[-1]["name"]])
