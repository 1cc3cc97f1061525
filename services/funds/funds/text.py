"""Typed-text rules of the request schemas (fupin_kit.text_rules: no control, bidirectional or noncharacter
code points, something visible), as assistance's: what officers type is shown to every tier and, for a
project, to the public."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from fupin_kit import text_rules

ProjectName = text_rules.text(2, 200, description="The project's name, as on its public notice.")
Unit = text_rules.text(2, 100, description="The responsible unit (责任单位), e.g. 南明区农业农村局.")
LongText = text_rules.text(2, 4000, multi_line=True)
Indicator = text_rules.text(1, 200)
Reason = text_rules.text(2, 1000, multi_line=True)
DocumentNumber = text_rules.text(2, 100, description="文号: the allocation document's number.")
PersonName = Annotated[
    str, Field(min_length=1, max_length=60), text_rules.text_rule(1), text_rules.person_name_rule()
]
Yuan = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        description='Yuan, ≥ 0, at most 2 decimals; answered as a string ("1200000.00").',
    ),
]
# Precision poverty alleviation (精准扶贫) began in 2013: no project of this platform is older.
EARLIEST = dt.date(2013, 1, 1)
EARLIEST_YEAR = EARLIEST.year
Day = Annotated[dt.date, Field(ge=EARLIEST)]
