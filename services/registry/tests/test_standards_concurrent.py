"""Two standard commands sent at the same moment, one raising a county's poverty line and one lowering its
monitoring line, are checked one after the other: each passes its check against the other kind's line in
force only if that line is the one it will stand beside. Before, both checked the other's old row and both
were stored, putting the poverty line above the monitoring line, the state the check exists to prevent
(QA8 fuzz-writer FW-1)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

COUNTY = "520102000000"
VILLAGE = "520102016001"
YEAR = 2024
ROUNDS = 6


async def _set(registry: Any, kind: str, amount: str, reason: str) -> Any:
    return await registry.client.post(
        "/standards",
        json={"kind": kind, "year": YEAR, "region": COUNTY, "amount": amount, "reason": reason},
        headers=registry.auth("county", COUNTY, ["officer"]),
    )


async def _in_force(registry: Any, kind: str) -> Decimal:
    response = await registry.client.get(
        "/standards/effective",
        params={"division": VILLAGE, "year": YEAR, "kind": kind},
        headers=registry.auth("county", COUNTY),
    )
    assert response.status_code == 200, response.text
    return Decimal(str(response.json()["amount"]))


async def test_concurrent_poverty_and_monitoring_lines_never_cross(writable_registry) -> None:
    registry = writable_registry
    for round_ in range(ROUNDS):
        for kind, amount in (("poverty_line", 5000 + round_), ("monitoring_line", 9000 + round_)):
            reset = await _set(registry, kind, str(amount), "复位测试")
            assert reset.status_code == 201, reset.text
        poverty, monitoring = await asyncio.gather(
            _set(registry, "poverty_line", str(8000 + round_), "并发贫困线"),
            _set(registry, "monitoring_line", str(7000 + round_), "并发监测线"),
        )
        statuses = sorted([poverty.status_code, monitoring.status_code])
        assert statuses == [201, 422], (round_, poverty.text, monitoring.text)
        refused = poverty if poverty.status_code == 422 else monitoring
        assert "above the monitoring line" in refused.json()["detail"]
        poverty_line, monitoring_line = [
            await _in_force(registry, kind) for kind in ("poverty_line", "monitoring_line")
        ]
        assert poverty_line < monitoring_line, round_
