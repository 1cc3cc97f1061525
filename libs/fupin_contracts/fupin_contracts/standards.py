"""The national poverty and monitoring lines the platform starts with: one place for the figures that the
registry's migrations seed into its standards table (without events) and that identification's migration
seeds into its read model of those standards, so the two services start from the same national rows.

Every later standard (a province, city or county raising its line, the nation's line of a new year) is set
in the registry through POST /standards and reaches identification as `fupin.registry.standard.set.v1`.
"""

from __future__ import annotations

NATIONAL = "000000000000"
SEED_BY = "system:seed"


# Significant prefix lengths of the regions that may carry a line, most specific first: county, city
# (地级市/州: domain.md §2 names 市定标准 beside 国家标准 and 省定标准), province, nation. The real tree keeps
# every child within its parent's code range, so the prefixes are the division's real ancestors.
_CHAIN_PREFIXES = (6, 4, 2, 0)


def applicable_regions(division: str) -> list[str]:
    """The regions whose standards apply to a division, most specific first: the county, the city, the
    province, the nation. A county-less city (东莞) stands in for its county, its code being also the
    6-digit prefix of its townships, and appears once. The registry picks the line in force along this
    chain; identification's read model of the registry's standards follows the same chain."""
    regions: list[str] = []
    for length in _CHAIN_PREFIXES:
        region = division[:length].ljust(12, "0")
        if region not in regions:
            regions.append(region)
    return regions


# National poverty line, yuan per person per year, current prices. domain.md §3 gives 2,855 (2015) and
# "about 4,000" (2020); the years between are the commonly published national figures (2,952 for 2016
# and 2017, 2,995 for 2018, 3,218 for 2019). They are defaults: provinces and counties override them.
# Seeded by registry_0002.
POVERTY_LINE = {2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
POVERTY_LINE_REASON = (
    "national default (domain.md §3: 2,855 in 2015, about 4,000 in 2020; "
    "years between: commonly published national figures)"
)
# Monitoring line for the prevention of return to poverty (domain.md §4): about 1.5x the poverty line,
# 6,000 yuan in 2021; 2022 keeps the national 6,000 (provinces adjust yearly through POST /standards).
# Seeded by registry_0002.
MONITORING_LINE = {2021: 6000, 2022: 6000}
MONITORING_LINE_REASON = "national default (domain.md §4: about 1.5x the poverty line, 6,000 in 2021)"
# Monitoring began in 2020 (domain.md §4), a year before the national figure it names: without a 2020 line a
# warning of that year had no line to be checked against and was refused. 1.5× the 2020 poverty line
# (4,000), which is the 6,000 of 2021. Seeded by registry_0013 (and identification_0012).
MONITORING_LINE_2020 = (
    2020,
    6000,
    "national default (domain.md §4: monitoring from 2020 on, about 1.5x the poverty line: 1.5 × 4,000)",
)
# The national poverty line for 2010–2014, the years of the first 建档立卡 registration (2014, domain.md
# §8): 2,300 yuan at 2010 prices (domain.md §3), then the commonly published current-price figures (the
# 2,300 line indexed to each year's prices). Year → (amount, reason). Seeded by registry_0008.
POVERTY_LINE_2010_2014 = {
    2010: (2300, "national default (domain.md §3: 2,300 yuan per person per year at 2010 prices)"),
    **{
        year: (amount, "national default: the 2,300 line (2010 prices, domain.md §3) at this year's prices, "
               "the commonly published national figure")
        for year, amount in {2011: 2536, 2012: 2625, 2013: 2736, 2014: 2800}.items()
    },
}  # fmt: skip


def national_rows() -> list[tuple[str, int, int, str]]:
    """Every seeded national row as (kind, year, amount, reason), in the registry's seeding order."""
    return (
        [("poverty_line", year, amount, POVERTY_LINE_REASON) for year, amount in POVERTY_LINE.items()]
        + [
            ("monitoring_line", year, amount, MONITORING_LINE_REASON)
            for year, amount in MONITORING_LINE.items()
        ]
        + [
            ("poverty_line", year, amount, reason)
            for year, (amount, reason) in POVERTY_LINE_2010_2014.items()
        ]
        + [("monitoring_line", *MONITORING_LINE_2020)]
    )
