"""Which regions' standards apply to a division, and the rules for setting one."""

from __future__ import annotations

from fupin_contracts.standards import applicable_regions


def regions_above(region: str) -> list[str]:
    return [candidate for candidate in applicable_regions(region) if candidate != region]
