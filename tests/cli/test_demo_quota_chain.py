"""The quotas `fupin demo` raises for a village's places are the ones identification checks: a statistical
grouping (湖北's 省直辖县级行政区划 above 仙桃) holds none, so the chain passes over it (QA10-Q-2); a city
without counties is its townships' parent."""

from __future__ import annotations

from fupin_cli.demo.procedure import quota_chain


def test_the_quota_chain_passes_over_a_grouping_and_keeps_every_government() -> None:
    assert quota_chain("429004001001") == ["429004001001", "429004001000", "429004000000", "420000000000"]
    assert quota_chain("460400100001") == ["460400100001", "460400100000", "460400000000", "460000000000"]
    assert quota_chain("520102016001") == [
        "520102016001",
        "520102016000",
        "520102000000",
        "520100000000",
        "520000000000",
    ]
