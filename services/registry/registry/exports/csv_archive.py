"""The county archive 县档 as CSV: one row per member, preceded by its household's columns.

Streamed: the generator reads one keyset page, encodes it and yields it, so the first bytes leave before
the last household is read. UTF-8 with a BOM, because Excel (what county offices open it with) reads a
BOM-less CSV as the local ANSI code page and garbles the Chinese.

IDs, accounts and codes are written as the digits they are. Excel turns such a column into numbers and
keeps 15 significant digits, but writing them as formulas (`="…"`) or with a leading tab would corrupt
them for every other reader of the file; the route's description sends Excel users to the XLSX archive,
where they are text cells.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator

from registry.exports.cells import csv_cell
from registry.exports.columns import (
    HOUSEHOLD_COLUMNS,
    MEMBER_COLUMNS,
    Disclosure,
    household_values,
    member_values,
)
from registry.exports.service import HouseholdFile

BOM = "\ufeff"
# The member sheet's first three columns (户编号, 行政区划代码, 户主姓名) repeat household columns.
MEMBER_TAIL = 3


def header() -> list[str]:
    return [column.header for column in HOUSEHOLD_COLUMNS] + [
        column.header for column in MEMBER_COLUMNS[MEMBER_TAIL:]
    ]


def encode_page(page: list[HouseholdFile], names: dict[str, str], disclosure: Disclosure) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for file in page:
        household = file.household
        head = household_values(household, names.get(household["division"]), disclosure, file.income)
        if not file.members:
            writer.writerow([csv_cell(value) for value in head])
        for member in file.members:
            tail = member_values(member, household, disclosure)[MEMBER_TAIL:]
            writer.writerow([csv_cell(value) for value in (*head, *tail)])
    return buffer.getvalue().encode()


async def archive_csv(
    pages: AsyncIterator[list[HouseholdFile]], names: dict[str, str], disclosure: Disclosure
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(header())
    yield (BOM + buffer.getvalue()).encode()
    async for page in pages:
        yield await asyncio.to_thread(encode_page, page, names, disclosure)  # decrypting is CPU work
