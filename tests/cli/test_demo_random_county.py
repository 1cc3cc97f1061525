"""`fupin demo --county random` draws a county with villages (QA10 Q2-1: seeds 902, 3599, 4579, 5135 and
10851 drew 金门县 350527000000, which has none, and the demo stopped with nothing written)."""

from __future__ import annotations

from fupin_cli.demo_cmd import random_county

JINMEN = "350527000000"


def test_random_never_draws_a_county_without_villages() -> None:
    drawn = {random_county(seed) for seed in (902, 3599, 4579, 5135, 10851)}
    assert JINMEN not in drawn
    assert all(code.endswith("000000") and not code.endswith("00000000") for code in drawn)
