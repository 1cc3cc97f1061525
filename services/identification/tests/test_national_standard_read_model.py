"""QA9-F2: the nation's line of a new year, set in the registry through POST /standards, reaches
identification as fupin.registry.standard.set.v1; the read model applies it to every division whose chain
has no higher line, as the registry's effective line does."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from fupin_contracts import registry as registry_contracts
from fupin_kit.envelope import new_event
from identification import standards
from identification.readmodel import handlers

# The `harness` fixture comes from conftest.py (test modules cannot import it under importlib mode).
Harness = Any
NATION = "000000000000"
VILLAGE = "520102016001"
COUNTY = "520102000000"
OTHER_VILLAGE = "522622100001"  # 黄平县: no line of its own
_standard_ids = itertools.count(9701)


async def _delivered(harness: Harness, kind: str, year: int, region: str, amount: str) -> int:
    standard_id = next(_standard_ids)
    payload = registry_contracts.StandardSetV1(
        id=standard_id,
        kind=kind,
        year=year,
        region=region,
        amount=Decimal(amount),
        valid_from=dt.date(year, 1, 1),
        set_by="user:nation-officer",
        reason="national line of the year",
    )
    event = new_event(
        service="registry",
        type=registry_contracts.STANDARD_SET,
        aggregate="standard",
        aggregate_id=str(standard_id),
        division=region,
        data=payload.model_dump(mode="json"),
    )
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handlers.on_standard_set(session, event)
    return standard_id


async def _line(harness: Harness, year: int, division: str) -> standards.Standard:
    async with harness.app.state.sessionmaker() as session:
        line = await standards.effective(session, standards.POVERTY_LINE, year, division)
    assert line is not None
    return line


async def test_a_national_line_of_a_new_year_applies_where_no_line_is_higher(harness: Harness) -> None:
    assert (await _line(harness, 2027, OTHER_VILLAGE)).amount == 4000  # the 2020 seed, carried forward
    national = await _delivered(harness, standards.POVERTY_LINE, 2027, NATION, "4500")
    line = await _line(harness, 2027, OTHER_VILLAGE)
    assert line.amount == 4500 and line.region == NATION and line.carried_forward is False
    assert line.standard_id == national
    assert (await _line(harness, 2026, OTHER_VILLAGE)).amount == 4000
    # A county with a higher line of its own keeps it; one with a lower line follows the nation.
    county = await _delivered(harness, standards.POVERTY_LINE, 2026, COUNTY, "4800")
    assert (await _line(harness, 2027, VILLAGE)).standard_id == county
    await _delivered(harness, standards.POVERTY_LINE, 2026, COUNTY, "4200")
    assert (await _line(harness, 2027, VILLAGE)).standard_id == national
    # A national row for a seeded year supersedes the seed row (which has no registry id).
    corrected = await _delivered(harness, standards.POVERTY_LINE, 2020, NATION, "4100")
    assert (await _line(harness, 2021, OTHER_VILLAGE)).standard_id == corrected
