"""How the 登记表 import reads single cells (dates, numbers, codes, IDs), checked on the validator itself:
pure Python, no database. What the API refuses the import must refuse too, on the row and field."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest
from openpyxl.utils import get_column_letter
from pydantic import TypeAdapter, ValidationError

from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import chunking, dates, parsing, template, validation

COUNTY = "520102000000"
_serial = itertools.count(1)
ID_RULE = "a resident ID has 17 digits and a check digit (0-9 or X)"
_validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:test", "county"))


def resident_id(male: bool = True) -> str:
    n = next(_serial)
    first17 = f"520102{1970 + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}{(n * 2 + int(male)) % 1000:03d}"
    return first17 + check_digit(first17)


def household(
    overrides: dict[str, str] | None = None, member: dict[str, str] | None = None
) -> validation.Group:
    """A one-member household (rows 2 and on) with the template's example values, some cells replaced."""
    row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    row.update({"户编号": "C1", "证件号码": resident_id()})
    row.update(overrides or {})
    row.update(member or {})
    return validation.Group(1, row["户编号"], [(2, [row[header] for header in template.HEADERS])])


def problems(group: validation.Group) -> set[tuple[int, str, str]]:
    return {(problem.row, problem.field, problem.reason) for problem in _validator.check(group).problems}


def staged(group: validation.Group) -> dict[str, object]:
    checked = _validator.check(group)
    assert checked.problems == [] and checked.staged is not None, checked.problems
    return dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))


@pytest.mark.parametrize(
    "cell", ["2023-05-0199", "2023-05-011", "2023-05-01 垃圾", "2023-05-01abc", "2023-0501"]
)
def test_a_date_with_anything_after_it_is_refused_as_the_api_refuses_it(cell: str) -> None:
    """The import read the first ten characters: 2023-05-011 (the 11th?) was filed as 2023-05-01."""
    with pytest.raises(ValidationError):
        TypeAdapter(dt.date).validate_python(cell)  # HouseholdIn.registered_on
    ((row, field, reason),) = problems(household({"登记日期": cell}))
    assert (row, field, reason) == (2, "登记日期", dates.DATE_FORMS)


@pytest.mark.parametrize("cell", ["2023-05-01", "2023/05/01", "20230501"])
def test_the_date_forms_read_until_now_still_are(cell: str) -> None:
    assert staged(household({"登记日期": cell}))["registered_on"] == dt.date(2023, 5, 1)


EXCEL_DATES = [
    "2023/5/1",
    "2023/5/1 0:00",
    "2023/5/1 00:00:00",
    "2023-5-1",
    "2023.5.1",
    "2023.05.01",
    "2023年5月1日",
]


@pytest.mark.parametrize("cell", EXCEL_DATES)
def test_dates_as_excel_writes_them_to_csv_are_read(cell: str) -> None:
    """Chinese Excel saves a date cell as 2023/5/1 (2023/5/1 0:00 for a date-time) or, in the long date
    format, 2023年5月1日: a 登记表 kept in Excel and saved as CSV was refused whole for its dates."""
    assert staged(household({"登记日期": cell}))["registered_on"] == dt.date(2023, 5, 1)


def test_a_gb18030_csv_saved_by_excel_is_read_with_its_dates(tmp_path) -> None:
    rows = []
    for number, cell in enumerate(EXCEL_DATES):
        (group,) = household({"户编号": f"D{number}", "登记日期": cell}).rows
        rows.append(group[1])
    path = tmp_path / "登记表.csv"
    path.write_bytes(template.csv_file(rows).decode("utf-8-sig").encode("gb18030"))
    groups = list(validation.group_rows(parsing.read_rows(path, "csv")))
    assert [staged(group)["registered_on"] for group in groups] == [dt.date(2023, 5, 1)] * len(EXCEL_DATES)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2023/5/1 8:30", "a date without a time of day (only 0:00 may follow it)"),
        ("2023/5/1 0:00 垃圾", dates.DATE_FORMS),
        ("2023/13/1", "“2023/13/1” is not a real date"),
        ("2023.2.30", "“2023.2.30” is not a real date"),
        ("5/1/2023", dates.DATE_FORMS),  # month first or day first: a guess
        ("23/5/1", dates.DATE_FORMS),
        ("2023/5-1", dates.DATE_FORMS),
        ("2023年5月1", dates.DATE_FORMS),
        ("2023/5/1/", dates.DATE_FORMS),
        ("2023//5/1", dates.DATE_FORMS),
    ],
)
def test_nonsense_is_still_refused(cell: str, reason: str) -> None:
    assert problems(household({"登记日期": cell})) == {(2, "登记日期", reason)}


# ---- one normal form for every cell (parsing.Layout.pick, normal_form.py) --------------------------------


def read_back(tmp_path, groups: list[validation.Group], file_format: str = "csv") -> list[validation.Checked]:
    """The households written to a file and read back as an upload is: through the parser, which trims
    the cells and puts them in normal form."""
    rows = [values for group in groups for _, values in group.rows]
    path = tmp_path / f"登记表.{file_format}"
    path.write_bytes(template.csv_file(rows) if file_format == "csv" else template.xlsx_file(rows))
    return [_validator.check(group) for group in validation.group_rows(parsing.read_rows(path, file_format))]


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def staged_member(checked: validation.Checked) -> dict[str, object]:
    assert checked.problems == [] and checked.staged is not None, checked.problems
    return dict(zip(validation.STAGE_MEMBER_COLUMNS, checked.staged.members[0], strict=True))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_full_width_cells_read_as_their_half_width_forms(tmp_path, file_format: str) -> None:
    """An input method's full-width digits were accepted in amounts and refused in years, IDs and phones;
    half-width brackets and full-width slashes failed code lists; Excel's 1 for 民族 01 failed."""
    person = resident_id()
    typed = household(
        {
            "年度": "２０２４",
            "建房年份": "１９９８",
            "工资性收入": "１０００",
            "联系电话": full_width("13985551234"),
            "住房安全等级": "C级(局部危房)",
            "主要燃料类型": "液化气／天然气",
            "户编号": "Ｈ１",
        },
        {"证件号码": full_width(person), "劳动能力": "弱／半劳动力", "民族": "1"},
    )
    (checked,) = read_back(tmp_path, [typed], file_format)
    member = staged_member(checked)
    assert checked.staged is not None
    stored = dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))
    assert (stored["key"], stored["income_year"], stored["housing_year_built"]) == ("H1", 2024, 1998)
    assert (stored["phone"], stored["housing_safety_grade"], stored["fuel"]) == ("13985551234", "C", "gas")
    assert (member["labour_capacity"], member["ethnicity"]) == ("weak", "01")
    assert member["birth_date"] == dt.date(int(person[6:10]), int(person[10:12]), int(person[12:14]))


def test_spaces_inside_id_phone_and_account_numbers_are_not_part_of_them(tmp_path) -> None:
    person = resident_id()
    spaced = household(
        {"联系电话": "139 8555 1234", "银行账号": "6217\u30007900 1234 5678"},
        {"证件号码": f"{person[:6]} {person[6:14]} {person[14:]}"},  # 20 characters, as typed
    )
    (checked,) = read_back(tmp_path, [spaced])
    assert staged_member(checked)["id_masked"] == person[:6] + "*" * 8 + person[14:]
    assert checked.staged is not None
    stored = dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))
    assert (stored["phone"], stored["bank_account_masked"]) == ("13985551234", "************5678")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        # 20 characters: was "a disability certificate number is a resident ID followed by category and grade".
        ("522634-19850312-1234", f"{ID_RULE}; the cell has 20 characters, among them “-”"),
        ("5226341985031212", f"{ID_RULE}; the cell has 16 characters"),
        ("52263419850312123Y", f"{ID_RULE}; the cell has 18 characters, among them “Y”"),
        (
            "52010219800101001399",
            "a disability certificate number is a resident ID followed by category (1-7) and grade (1-4)",
        ),
    ],
)
def test_a_malformed_id_is_told_what_is_wrong_with_it(tmp_path, cell: str, reason: str) -> None:
    (checked,) = read_back(tmp_path, [household(member={"证件号码": cell})])
    assert {(problem.field, problem.reason) for problem in checked.problems} == {("证件号码", reason)}


# ---- blank rows -----------------------------------------------------------------------------------------


def planned_groups(path, file_format: str) -> list[validation.Group]:
    """The households as the service reads them: cut into chunks (chunking.plan), each read back as a
    worker does."""
    groups: list[validation.Group] = []
    for job in chunking.plan(path, file_format):
        assert isinstance(job, chunking.Job), job
        if job.text is None:
            assert job.rows is not None
            rows = job.rows
        else:
            assert job.layout is not None
            rows = parsing.csv_text_rows(job.text, job.first_row, job.layout)
        groups += validation.group_rows(rows, job.first_household)
    return groups


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_row_of_spaces_below_the_data_is_a_blank_row(tmp_path, file_format: str) -> None:
    """One " " in an empty cell below the data (or a CSV row of " ," cells) made a member of its row and of
    every blank row above it, refused for six required fields: the whole file was rejected."""
    rows = [
        values
        for group in (household({"户编号": "W1"}), household({"户编号": "W2"}))
        for _, values in group.rows
    ]
    blank = [""] * len(template.HEADERS)
    spaces = [" "] * len(template.HEADERS)
    stray = list(blank)
    stray[29] = " "  # column AD, as in the QA's workbook
    rows += [blank] * 8 + [stray, spaces, ["\u3000", "\t", "\xa0", *blank[3:]]]
    path = tmp_path / f"登记表.{file_format}"
    path.write_bytes(template.csv_file(rows) if file_format == "csv" else template.xlsx_file(rows))
    for groups in (
        list(validation.group_rows(parsing.read_rows(path, file_format))),
        planned_groups(path, file_format),
    ):
        assert [(group.key, group.first_row, group.last_row) for group in groups] == [
            ("W1", 2, 2),
            ("W2", 3, 3),
        ]
        assert all(_validator.check(group).problems == [] for group in groups)


# ---- XLSX cells that hold no value a clerk typed (parsing.read_xlsx) --------------------------------------


def xlsx_checked(tmp_path, row: list[object], sheet_xml: dict[str, str] | None = None) -> validation.Checked:
    """One household's row (values as openpyxl writes them: numbers stay numbers, "=…" is a formula)
    saved as a workbook, its sheet's XML edited (`sheet_xml`: old → new text), and read back."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(template.HEADERS))
    sheet.append(row)
    path = tmp_path / "登记表.xlsx"
    workbook.save(path)
    if sheet_xml:
        import zipfile

        with zipfile.ZipFile(path) as source:
            members = {name: source.read(name) for name in source.namelist()}
        xml = members["xl/worksheets/sheet1.xml"].decode()
        for old, new in sheet_xml.items():
            assert old in xml, old
            xml = xml.replace(old, new)
        members["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as target:
            for name, content in members.items():
                target.writestr(name, content)
    (checked,) = [_validator.check(group) for group in validation.group_rows(parsing.read_rows(path, "xlsx"))]
    return checked


def template_row(**cells: object) -> list[object]:
    row: dict[str, object] = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    row.update({"户编号": "X1", "证件号码": resident_id()})
    row.update(cells)
    return [row[header] for header in template.HEADERS]


def cell_problems(checked: validation.Checked) -> dict[str, str]:
    return {problem.field: problem.reason for problem in checked.problems}


def number_reason(noun: str) -> str:
    return (
        f"the cell holds a number, and Excel keeps only 15 significant digits of a number, so {noun} may "
        "already be wrong: format the column as text (文本) and type it again"
    )


def test_an_id_or_account_kept_by_excel_as_a_number_is_refused_on_its_row_and_field(tmp_path) -> None:
    """Excel keeps 15 significant digits of a number: 6217790012345678123 typed into a cell not formatted
    as text is saved as 6.21779001234568e+18, and the import stored 6217790012345679872, a wrong account,
    and wrong IDs (valid ones about one time in eleven), with the file accepted."""
    person = resident_id()
    checked = xlsx_checked(
        tmp_path,
        template_row(银行账号=6.21779001234568e18, 证件号码=float(person), 联系电话=13985551234),
    )
    assert cell_problems(checked) == {
        "银行账号": number_reason("the account number"),
        "证件号码": number_reason("the ID"),
    }
    # A 16-digit account, and an 18-digit ID a program wrote as an integer: not read as digits either.
    checked = xlsx_checked(tmp_path, template_row(银行账号=6228480012345678, 证件号码=int(person)))
    assert cell_problems(checked) == {
        "银行账号": number_reason("the account number"),
        "证件号码": number_reason("the ID"),
    }


def test_a_number_that_cannot_have_lost_digits_is_read_as_its_digits(tmp_path) -> None:
    """At most 15 digits are exact: an 11-digit mobile, a 15-digit passbook account, a 12-digit village code."""
    checked = xlsx_checked(
        tmp_path, template_row(联系电话=13985551234, 银行账号=622848001234567, 村代码=520102016001)
    )
    assert checked.staged is not None, checked.problems
    stored = dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))
    assert (stored["phone"], stored["bank_account_masked"]) == ("13985551234", "***********4567")


def test_a_formula_saved_without_its_result_is_refused_not_read_as_blank(tmp_path) -> None:
    """A workbook written by a program holds formulas without their results: an income read as 0 and a
    是 read as 否, and the file accepted."""
    reason = (
        "the cell holds a formula with no computed value (the file was written by a program): open and save "
        "the file in Excel or WPS, or paste the values in place of the formulas"
    )
    checked = xlsx_checked(
        tmp_path,
        template_row(工资性收入="=1000+2000", 住房面积="=SUM(60,5)", 是否低保='=IF(1=1,"是","否")'),
    )
    assert cell_problems(checked) == {"工资性收入": reason, "住房面积": reason, "是否低保": reason}

    # As Excel and WPS save them: each formula with its result (a text result, "" too, of type str).
    def at(header: str) -> str:
        return f'<c r="{get_column_letter(template.HEADERS.index(header) + 1)}2"'

    checked = xlsx_checked(
        tmp_path,
        template_row(工资性收入="=1000+2000", 是否低保='=IF(1=1,"是","否")', 转移性收入='=""'),
        {
            f"{at('工资性收入')}><f>1000+2000</f><v />": f"{at('工资性收入')}><f>1000+2000</f><v>3000</v>",
            f"{at('是否低保')}><f>IF(1=1,": f'{at("是否低保")} t="str"><f>IF(1=1,',
            '"否")</f><v />': '"否")</f><v>是</v>',
            f'{at("转移性收入")}><f>""</f><v />': f'{at("转移性收入")} t="str"><f>""</f><v></v>',
        },
    )
    assert checked.staged is not None, checked.problems
    stored = dict(zip(validation.STAGE_HOUSEHOLD_COLUMNS, checked.staged.household, strict=True))
    assert (stored["wage"], stored["transfer"]) == (3000, 0)
    assert dict(zip(validation.STAGE_MEMBER_COLUMNS, checked.staged.members[0], strict=True))["dibao"] is True


# ---- headers that differ from the template's (parsing.Layout.from_header) --------------------------------


def header_with(**renamed: str) -> list[str]:
    return [renamed.get(header, header) for header in template.HEADERS]


@pytest.mark.parametrize(
    ("typed", "column"),
    [
        ("工资收入", "工资性收入"),
        ("家庭经营收入", "家庭经营性收入"),
        ("生产经营性收入", "家庭经营性收入"),
        ("是否低保户", "是否低保"),
        ("是否参加医保", "是否参加城乡居民基本医疗保险"),
        ("危房等级", "住房安全等级"),
        ("工资性收入（元）", "工资性收入"),
        ("住房面积(平方米)", "住房面积"),
    ],
)
def test_a_well_known_variant_of_a_header_is_read_as_the_template_column(typed: str, column: str) -> None:
    """工资收入, 是否低保户, 危房等级 …: the column was ignored, its values lost (a wage of 0, 低保 否), and
    the file accepted."""
    layout = parsing.Layout.from_header(header_with(**{column: typed}))
    assert layout.positions[template.HEADERS.index(column)] == template.HEADERS.index(column)


@pytest.mark.parametrize(
    ("typed", "resembled"),
    [
        ("人均纯收入", "工资性收入、家庭经营性收入、转移性收入、财产性收入"),
        ("是否低保对象", "是否低保"),
        ("医疗保险", "是否参加城乡居民基本医疗保险"),
        ("户主身份证号", "证件号码"),
        ("一卡通银行", "开户银行、银行账号"),
    ],
)
def test_an_unknown_header_that_looks_like_a_template_column_rejects_the_file(
    typed: str, resembled: str
) -> None:
    with pytest.raises(parsing.FileProblem) as refused:
        parsing.Layout.from_header([*template.HEADERS, typed])
    assert refused.value.field == typed
    assert refused.value.reason == (
        f"the column “{typed}” is not one of the template's but looks like {resembled}: rename it to the "
        "template's header, or delete the column if it is not to be imported"
    )


def test_unrelated_extra_columns_are_still_ignored() -> None:
    layout = parsing.Layout.from_header(["序号", *template.HEADERS, "备注", "乡镇名称"])
    assert layout.positions == tuple(range(1, len(template.HEADERS) + 1))


# ---- files that are no CSV and no XLSX (parsing.detect_format) -------------------------------------------


@pytest.mark.parametrize("name", ["2024年登记表.xls", "登记表.et", "加密登记表.xlsx", "登记表.csv"])
def test_an_old_or_encrypted_workbook_is_refused_for_what_it_is(tmp_path, name: str) -> None:
    """An OLE2 compound file (.xls, WPS .et, a password-protected .xlsx) was read as text ("neither UTF-8
    nor GB18030 text") or as a damaged XLSX ("File is not a zip file")."""
    path = tmp_path / "upload"
    path.write_bytes(parsing.OLE_MAGIC + bytes(range(256)) * 8)
    with pytest.raises(parsing.FileProblem) as refused:
        parsing.detect_format(path, name)
    assert refused.value.reason == parsing.OLD_WORKBOOK
    assert parsing.OLD_WORKBOOK == (
        "an old .xls/.et workbook or an encrypted one is not accepted: save it as .xlsx (Excel 2007 or later) "
        "without a password, or as CSV"
    )
    # As the import reads a file it could not tell the format of: as a workbook (service.submit).
    (failure,) = chunking.plan(path, "xlsx")
    assert isinstance(failure, chunking.FileFailure)
    assert (failure.row, failure.field, failure.reason) == (1, "文件", parsing.OLD_WORKBOOK)
