"""What a public document calls a division: pure, from the registry's chain root → division."""

from __future__ import annotations

from collections.abc import Sequence

from identification.divisions.registry import Node

# The level a village's notice is read from: 某某县某某镇某某村. A city without counties (东莞, 中山, 儋州)
# stands in for its county, so the path starts at the nearest of these levels above the division.
_STARTS = ("county", "city", "province")


def place(chain: Sequence[Node]) -> str:
    """The division's name after its county's (or the level standing in for one) and its township's, e.g.
    南明区新华路街道纪念塔社区; statistical groupings above it (市辖区, …直辖村级区划) are no part of it."""
    if not chain:
        return ""
    above = list(chain[:-1])
    start = len(above)
    for level in _STARTS:
        found = [index for index, node in enumerate(above) if node.level == level]
        if found:
            start = found[-1]
            break
    return "".join([*(node.name for node in above[start:] if not node.placeholder), chain[-1].name])
