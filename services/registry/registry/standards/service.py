"""Which regions' standards apply to a division, and the rules for setting one."""

from __future__ import annotations


def applicable_regions(division: str) -> list[str]:
    """Most specific first: the county (or the county-less city that stands in for one, whose code is
    also the 6-digit prefix of its townships), the province, the nation."""
    regions: list[str] = []
    for length in (6, 2, 0):
        region = division[:length].ljust(12, "0")
        if region not in regions:
            regions.append(region)
    return regions


def regions_above(region: str) -> list[str]:
    return [candidate for candidate in applicable_regions(region) if candidate != region]
