"""The import report's reasons in Chinese (imports/reasons_zh.py): every reason the import gives, from its
validator, its file reader and its database checks, has a Chinese rendering beside the English one, which
stays as it was. Driven through the real validator and reader (pure Python), then through POST /imports on
real PostgreSQL for the checks that need the database and for the JSON and CSV reports."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import failures, parsing, reasons_zh, template, validation
from registry.imports.schemas import ImportOut
from registry.main import create_app

COUNTY = "520102000000"
VILLAGE = "520102016001"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# Names of products and file formats, which a Chinese sentence writes as they are.
PROPER_NOUNS = frozenset({"Excel", "WPS", "XLSX", "xlsx", "xls", "CSV", "UTF", "GB18030"})
# What a Chinese reason carries over from the English one: a quoted cell value or header, an error value,
# a character's code point.
CARRIED = re.compile(r"“[^”]*”|（#[^）]*）|U\+[0-9A-F]{4,6}")
SPELLED = str.maketrans("0123456789", "〇一二三四五六七八九")
_serial = itertools.count(1)
_validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:test", "county"))


def leftover_english(chinese: str) -> set[str]:
    """English words of a Chinese reason outside what it carries over (values, headers) and proper nouns."""
    return set(ENGLISH_WORD.findall(CARRIED.sub("", chinese))) - PROPER_NOUNS


def assert_in_chinese(reasons: set[str]) -> None:
    untranslated = {
        reason: reasons_zh.render(reason)
        for reason in reasons
        if not CJK.search(reasons_zh.render(reason)) or leftover_english(reasons_zh.render(reason))
    }
    assert untranslated == {}


def resident_id(male: bool = True, year: int = 1970, region: str = "520102") -> str:
    n = next(_serial)
    first17 = f"{region}{year + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def with_check_digit(first17: str) -> str:
    return first17 + check_digit(first17)


def household_rows(
    key: str, members: int = 1, overrides: dict[str, str] | None = None, member: dict[str, str] | None = None
) -> list[list[str]]:
    """Template rows of one household (household columns on its first row), some cells replaced:
    `overrides` on the first row, `member` on the last."""
    values = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    head = f"户主{key}".translate(SPELLED)
    values.update({"户编号": key, "村代码": VILLAGE, "户主姓名": head, "年度": "", "工资性收入": ""})
    values.update({"家庭经营性收入": "", "转移性收入": "", "财产性收入": "", "生产经营性支出": ""})
    rows = []
    for index in range(members):
        row = dict(values) if index == 0 else dict.fromkeys(template.HEADERS, "")
        row.update(
            {
                "户编号": key,
                "姓名": head if index == 0 else f"成员{key}{index}".translate(SPELLED),
                "性别": "男",
                "证件号码": resident_id(),
                "与户主关系": "户主" if index == 0 else "之子",
                "健康状况": "健康",
                "劳动能力": "普通劳动力",
            }
        )
        if index == 0:
            row.update(overrides or {})
        if index == members - 1:
            row.update(member or {})
        rows.append([row[header] for header in template.HEADERS])
    return rows


# One household per rule of the validator, each with one bad cell (or one bad pair of cells).
BAD_CELLS: tuple[dict[str, Any], ...] = (
    {"member": {"证件号码": "52010219800101001X"}},  # check digit
    {"member": {"证件号码": with_check_digit("52010219800230001")}},  # 30 February
    {"member": {"证件号码": with_check_digit("52010220900101001")}},  # born in 2090
    {"member": {"证件号码": with_check_digit("52010218990101001")}},  # born before 1900
    {"member": {"证件号码": with_check_digit("99010219800101001")}},  # no province
    {"member": {"证件号码": with_check_digit("81010219800101001")}},  # 港澳台 permit, wrong prefix
    {"member": {"证件号码": "52010219"}},  # too short
    {"member": {"证件号码": "52010219800101A01Y"}},  # letters
    {"member": {"证件号码": resident_id() + "99"}},  # disability certificate
    {"member": {"性别": "女"}},
    {"member": {"民族": "火星族"}},
    {"overrides": {"住房面积": "六十"}},
    {"overrides": {"住房面积": "-5"}},
    {"overrides": {"住房面积": "60.555"}},
    {"overrides": {"住房面积": "1,2"}},
    {"overrides": {"住房面积": "."}},
    {"overrides": {"住房面积": "99999999"}},
    {"overrides": {"建房年份": "98"}},
    {"overrides": {"建房年份": "2090"}},
    {"overrides": {"登记日期": "2090-01-01"}},
    {"overrides": {"登记日期": "2010-01-01"}},
    {"overrides": {"登记日期": "2023-02-30"}},
    {"overrides": {"登记日期": "昨天"}},
    {"overrides": {"登记日期": "2023-05-01 10:30"}},
    {"overrides": {"是否通生活用电": "也许"}},
    {"overrides": {"地址": "路" * 301}},
    {"overrides": {"组": "\u200b"}},
    {"overrides": {"开户银行": "农村\u202e信用社"}},
    {"overrides": {"地址": "纪念塔路\x07一号"}},
    {"overrides": {"地址": "纪念塔路\u2028一号"}},
    {"overrides": {"地址": "纪念塔路\uffff一号"}},
    {"members": 2, "member": {"姓名": "张3"}},
    {"overrides": {"户主姓名": "李四"}},
    {"overrides": {"联系电话": "电话"}},
    {"overrides": {"银行账号": "12ab"}},
    {"overrides": {"其他致贫原因": "外星"}},
    {"overrides": {"其他致贫原因": "缺资金、缺技术、因灾"}},
    {"overrides": {"其他致贫原因": "缺资金、缺资金"}},
    {"overrides": {"其他致贫原因": "因病"}},
    {"overrides": {"年度": "2090"}},
    {"overrides": {"工资性收入": "3000"}},
    {"overrides": {"村代码": "5201"}},
    {"overrides": {"村代码": "110101001001"}},
    {"overrides": {"村代码": ""}},
    {"overrides": {"村代码": "520102016000"}},  # a township's code
    {"members": 2, "member": {"与户主关系": "户主"}},
    {"members": 2, "member": {"地址": "另一个地址"}},  # a household column differing on a member row
    {"members": 2, "member": {"姓名": ""}},
    {"members": 2, "member": {"民族": "\x00"}},
    {"members": 2, "member": {"民族": "#N/A"}},
    {"members": 41},
)


def bad_households() -> Iterator[list[list[str]]]:
    for number, case in enumerate(BAD_CELLS, start=1):
        yield household_rows(f"Q{number}", case.get("members", 1), case.get("overrides"), case.get("member"))
    twice = household_rows("P1", 2)
    twice[1][template.HEADERS.index("证件号码")] = twice[0][template.HEADERS.index("证件号码")]
    yield twice
    born_late = household_rows("P2", overrides={"登记日期": "2014-01-01"})
    born_late[0][template.HEADERS.index("证件号码")] = resident_id(year=2016)
    yield born_late
    nobody_yet = household_rows("P3", overrides={"年度": "2014"})
    nobody_yet[0][template.HEADERS.index("证件号码")] = resident_id(year=2016)
    yield nobody_yet


def validator_reasons(tmp_path: Path) -> set[str]:
    path = tmp_path / "登记表.csv"
    path.write_bytes(template.csv_file(row for rows in bad_households() for row in rows))
    groups = list(validation.group_rows(parsing.read_rows(path, "csv")))
    assert len(groups) == len(BAD_CELLS) + 3
    checked = [_validator.check(group) for group in groups]
    # Each household was refused, so each case reached a rule.
    assert [bool(item.problems) for item in checked] == [True] * len(groups)
    return {problem.reason for item in checked for problem in item.problems}


def marked_cell_reasons() -> set[str]:
    """What parsing marks in an XLSX cell (a formula without its value, an identifier Excel kept as a
    number), and a row without a 户编号, checked by the validator."""
    reasons: set[str] = set()
    for header, marker in (
        ("民族", parsing.UNCOMPUTED),
        ("证件号码", parsing.INEXACT_NUMBER),
        ("银行账号", parsing.INEXACT_NUMBER),
        ("联系电话", parsing.INEXACT_NUMBER),
        ("住房面积", parsing.INEXACT_NUMBER),
    ):
        (row,) = household_rows("M1", member={header: marker})
        group = validation.Group(1, "M1", [(2, row)])
        reasons |= {problem.reason for problem in _validator.check(group).problems}
    (row,) = household_rows("", overrides={"户编号": ""})
    reasons |= {problem.reason for problem in _validator.check(validation.Group(1, "", [(2, row)])).problems}
    return reasons


def file_problem(read: Any) -> str:
    with pytest.raises(parsing.FileProblem) as caught:
        read()
    return caught.value.reason


def workbook_file(tmp_path: Path, sheets: list[tuple[str, list[list[str]], bool]]) -> Path:
    """A workbook of (title, rows, hidden) sheets, rows under the template's header when given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, hidden in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if hidden:
            sheet.sheet_state = "hidden"
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.xlsx"
    workbook.save(path)
    return path


def file_reasons(tmp_path: Path) -> set[str]:
    def csv_path(content: bytes) -> Path:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.csv"
        path.write_bytes(content)
        return path

    def read_all(path: Path, file_format: str = "csv") -> Any:
        return lambda: list(parsing.read_rows(path, file_format))

    headers = list(template.HEADERS)
    households = [headers, *household_rows("W1")]
    reasons = {
        file_problem(lambda: parsing.Layout.from_header(headers[1:])),
        file_problem(lambda: parsing.Layout.from_header([*headers, "户编号"])),
        file_problem(lambda: parsing.Layout.from_header([*headers, "饮水来源"])),
        file_problem(read_all(csv_path(b""))),
        file_problem(read_all(csv_path(template.csv_file([])))),
        file_problem(read_all(csv_path(b"\xff\xff\xff\xff"))),
        file_problem(read_all(csv_path(template.csv_file([["W1", "x" * 200_000]])))),
        file_problem(lambda: parsing.detect_format(csv_path(template.csv_file([])), "登记表.xlsx")),
        file_problem(lambda: parsing.detect_format(csv_path(parsing.OLE_MAGIC + b"\0" * 512), "a.xls")),
        file_problem(read_all(csv_path(parsing.XLSX_MAGIC + b"\0" * 64), "xlsx")),
        file_problem(read_all(workbook_file(tmp_path, [("一组", households, True), ("二组", households, False)]), "xlsx")),
        file_problem(read_all(workbook_file(tmp_path, [("一组", households, False), ("备注", [["备注"]], False)]), "xlsx")),
        file_problem(read_all(workbook_file(tmp_path, [("一组", households, False), ("二组", households, False)]), "xlsx")),
    }  # fmt: skip
    return reasons


def test_every_reason_of_the_validator_and_the_file_reader_has_a_chinese_rendering(tmp_path: Path) -> None:
    reasons = validator_reasons(tmp_path) | marked_cell_reasons() | file_reasons(tmp_path)
    assert len(reasons) >= 70, sorted(reasons)  # the cases above reach that many distinct reasons
    assert_in_chinese(reasons)


# The reasons the database checks give (repository), and the shared rules' the file cannot reach (a
# multi-line text; a digit NFKC folds, which the import has folded already).
FIXED_ELSEWHERE = (
    "this person already belongs to a household",
    "this person is recorded as deceased",
    "the person left a household after this date: a file is dated on or after the day they left",
    "not a current village of the division tree",
    "the rows of a household must be contiguous; this 户编号 already appeared at row 12",
    "this person already appears at row 4 of this file",
    "contains the control character U+0007 BELL (only line feed and tab are allowed)",
    "contains the line separator U+2028 LINE SEPARATOR; use a line feed",
    "contains U+2460 CIRCLED DIGIT ONE, a digit: a person's name holds no digit",
)


def test_the_reasons_of_the_database_checks_and_shared_rules_have_a_chinese_rendering() -> None:
    assert_in_chinese(set(FIXED_ELSEWHERE))


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("the resident ID check digit is wrong", "公民身份号码校验码错误"),
        ("“火星族” is not one of the allowed values", "“火星族”不是允许的取值"),
        ("“1,2” is not a number: a comma may only separate thousands (3,000 or 1,234,567.50)",
         "“1,2”不是数值：逗号只能用作千位分隔符（如 3,000 或 1,234,567.50）"),
        ("“a is not one of the allowed values” is not one of the allowed values",
         "“a is not one of the allowed values”不是允许的取值"),
        ("“{0}” is not a real date", "“{0}”不是真实存在的日期"),
        ("“第一行\n第二行” is not a number", "“第一行\n第二行”不是数值"),
        ("at most 300 characters", "至多300个字符"),
        ("at most 40 members", "每户至多40名成员"),
        ("the date is before 2013-01-01, when 建档立卡 began", "日期不能早于2013-01-01（建档立卡开始之日）"),
        ("the resident ID birth date is before 1900", "公民身份号码中的出生日期早于1900年"),
        ("a resident ID has 17 digits and a check digit (0-9 or X); the cell has 16 characters, among them “A”、“Y”",
         "公民身份号码应为17位数字加1位校验码（0-9或X）；该单元格有16个字符，其中有“A”、“Y”"),
        ("contains the bidirectional control character U+202E RIGHT-TO-LEFT OVERRIDE", "含有双向文本控制字符 U+202E"),
        ("contains the control character U+0007", "含有控制字符 U+0007"),
        ("contains the digit U+0033 DIGIT THREE: a person's name holds no digit", "含有数字 U+0033：人名中不能有数字"),
        ("the cell holds a spreadsheet error (#REF!), not a value", "单元格中是电子表格的错误值（#REF!），不是数据"),
        ("nobody lived in the household at the end of 2014: no per-capita income to compute",
         "2014年末户内没有成员，无法计算人均纯收入"),
        ("this person already appears at row 4 of this file", "此人已在本文件第4行出现"),
        ("the column 户编号 appears twice (as 户编号 )", "“户编号”列出现了两次（重复的一列为“户编号 ”）"),
        ("missing required columns: 户编号、村代码", "缺少必填列：户编号、村代码"),
        ("the hidden sheet “一组” holds households: unhide it to import them, or delete it",
         "隐藏的工作表“一组”中有户的数据：请取消隐藏后导入，或删除该工作表"),
    ],
)  # fmt: skip
def test_templated_reasons_carry_their_values_over(english: str, chinese: str) -> None:
    assert reasons_zh.render(english) == chinese


@pytest.mark.parametrize(
    ("noun", "chinese"),
    [
        ("the ID", "证件号码"),
        ("the account number", "银行账号"),
        ("the phone number", "联系电话"),
        ("the value", "数值"),
    ],
)
def test_a_number_that_lost_digits_is_named_by_its_column(noun: str, chinese: str) -> None:
    english = (
        f"the cell holds a number, and Excel keeps only 15 significant digits of a number, so {noun} may "
        "already be wrong: format the column as text (文本) and type it again"
    )
    assert f"，{chinese}可能已经出错" in reasons_zh.render(english)


@pytest.mark.parametrize("reason", ["", "something new", "“x” is not one of the allowed values, nor is “y”"])
def test_a_reason_not_in_the_catalogue_is_returned_as_it_is(reason: str) -> None:
    assert reasons_zh.render(reason) == reason


def test_every_chinese_template_names_only_groups_of_its_pattern() -> None:
    for pattern, chinese in reasons_zh.CATALOGUE:
        named = set(re.findall(r"{(\w+)}", chinese))
        assert named <= set(pattern.groupindex), (pattern.pattern, chinese)


# ---- through the registry: database checks, the JSON report and the CSV report ----------------------


def officer(registry: Any) -> dict[str, str]:
    headers: dict[str, str] = registry.auth("county", COUNTY, ["officer"])
    return headers


async def imported(registry: Any, content: bytes) -> dict[str, Any]:
    result: dict[str, Any] = await registry.imported(content, "登记表.csv", officer(registry))
    return result


async def test_the_report_gives_every_reason_in_chinese_and_the_csv_keeps_its_columns(
    writable_registry: Any,
) -> None:
    registry = writable_registry
    registered = household_rows("R1", 2)
    assert (await imported(registry, template.csv_file(registered)))["status"] == "accepted"

    person = template.HEADERS.index("证件号码")
    again = household_rows("R2")
    again[0][person] = registered[1][person]  # already in a household
    first, second = household_rows("R3"), household_rows("R4")
    second[0][person] = first[0][person]  # one person in two households of the file
    # R5's rows apart: R5, R6, R5 (each its own people)
    split = household_rows("R5") + household_rows("R6") + household_rows("R5")
    unknown = household_rows("R7", overrides={"村代码": "520102016999"})
    bad = household_rows("R8", overrides={"住房面积": "60.555"}, member={"证件号码": "52010219800101001X"})
    rows = again + first + second + split + unknown + bad
    result = await imported(registry, template.csv_file(rows))
    assert result["status"] == "rejected"

    response = await registry.client.get(
        f"/imports/{result['id']}/report", params={"status": "rejected"}, headers=officer(registry)
    )
    assert response.status_code == 200, response.text
    lines = response.json()["lines"]
    assert {line["reason"] for line in lines} == {
        "this person already belongs to a household",
        "this person already appears at row 3 of this file",
        "the rows of a household must be contiguous; this 户编号 already appeared at row 5",
        "not a current village of the division tree",
        "at most two decimal places",
        "the resident ID check digit is wrong",
    }
    assert {line["reason"]: line["reason_zh"] for line in lines} == {
        line["reason"]: reasons_zh.render(line["reason"]) for line in lines
    }
    assert_in_chinese({line["reason"] for line in lines})

    table = await registry.client.get(
        f"/imports/{result['id']}/report", params={"format": "csv"}, headers=officer(registry)
    )
    records = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff"))))
    # The six columns the report had keep their places; the Chinese reason is added after them.
    assert records[0] == ["行号", "户编号", "状态", "字段", "原因", "户ID", "原因说明"]
    assert all(len(record) == 7 for record in records)
    page = (await registry.client.get(f"/imports/{result['id']}/report", headers=officer(registry))).json()
    assert [record[:6] for record in records[1:]] == [
        [
            str(line["row"]),
            line["household_key"],
            line["status"],
            line["field"] or "",
            line["reason"] or "",
            "",
        ]
        for line in page["lines"]
    ]
    assert [record[6] for record in records[1:]] == [line["reason_zh"] or "" for line in page["lines"]]
    assert ["4", "R4", "rejected", "证件号码", "this person already appears at row 3 of this file", "",
            "此人已在本文件第3行出现"] in records  # fmt: skip


def test_the_openapi_schema_shows_the_chinese_reason() -> None:
    line = create_app().openapi()["components"]["schemas"]["ReportLine"]
    assert "reason_zh" in line["properties"]
    assert line["properties"]["reason"] != line["properties"]["reason_zh"]


def test_why_an_import_failed_is_said_in_chinese_too():
    """GET /imports/{id} `error` (an import that did not finish) gains `error_zh`, from the same catalogue."""
    assert reasons_zh.render(failures.INTERRUPTED) == "导入被中断，请重新上传该文件"
    assert reasons_zh.render(failures.STOPPED) == "导入过程中服务停止，请重新上传该文件"
    assert reasons_zh.render(f"{failures.INTERNAL_ERROR}UniqueViolationError") == (
        "系统内部错误（UniqueViolationError），请重新上传该文件；如仍失败，请联系系统管理员"
    )
    assert "error_zh" in ImportOut.model_json_schema()["properties"]
