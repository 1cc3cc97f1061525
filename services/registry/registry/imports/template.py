"""The 登记表 import template: one row per member, the household's columns first.

The column list below is the single definition used by the parser, the downloadable templates (CSV and
XLSX with a notes sheet and drop-down lists) and docs/registry-import.md, so they cannot drift apart.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from registry.households.enums import (
    Cause,
    CodeEnum,
    DrinkingWater,
    Education,
    Ethnicity,
    Fuel,
    Health,
    HouseholdAttribute,
    HousingSafetyGrade,
    HousingStructure,
    IdentificationStandard,
    LabourCapacity,
    Relation,
    Schooling,
    Sex,
    WorkStatus,
)

DATA_SHEET = "登记表"
NOTES_SHEET = "填写说明"
LISTS_SHEET = "代码表"
BOOL_TRUE = ("是", "Y", "y", "1", "true", "TRUE", "True")
BOOL_FALSE = ("否", "N", "n", "0", "false", "FALSE", "False")
CAUSE_SEPARATORS = ("、", ";", "；", ",", "，")


class Kind(StrEnum):
    TEXT = "text"
    DIVISION = "division"
    ENUM = "enum"
    CAUSES = "causes"
    BOOL = "bool"
    DECIMAL = "decimal"
    YEAR = "year"
    DATE = "date"
    PERSON_ID = "person_id"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: Kind
    household: bool
    required: bool
    note: str
    enum: type[CodeEnum] | None = None
    max_length: int = 0


def _h(header: str, key: str, kind: Kind, required: bool, note: str, **extra: object) -> Column:
    return Column(header, key, kind, True, required, note, **extra)  # type: ignore[arg-type]


def _m(header: str, key: str, kind: Kind, required: bool, note: str, **extra: object) -> Column:
    return Column(header, key, kind, False, required, note, **extra)  # type: ignore[arg-type]


COLUMNS: tuple[Column, ...] = (
    _h(
        "户编号",
        "key",
        Kind.TEXT,
        True,
        "本文件内的户标识（任意文字，最长60字）；同一户的所有成员行填写相同的户编号，且必须相邻",
        max_length=60,
    ),
    _h("村代码", "division", Kind.DIVISION, True, "12位统计用区划代码（村级）；必须在导入人的管辖范围内"),
    _h("组", "village_group", Kind.TEXT, True, "村民小组，如“三组”", max_length=60),
    _h("地址", "address", Kind.TEXT, True, "详细地址", max_length=300),
    _h("户主姓名", "head_name", Kind.TEXT, True, "户主姓名", max_length=60),
    _h("联系电话", "phone", Kind.TEXT, False, "5–30位数字，可含 + - 空格", max_length=30),
    _h("开户银行", "bank_name", Kind.TEXT, False, "一卡通开户银行", max_length=100),
    _h("银行账号", "bank_account", Kind.TEXT, False, "8–30位数字（加密存储，只显示后四位）", max_length=30),
    _h("识别标准", "identification_standard", Kind.ENUM, True, "识别标准", enum=IdentificationStandard),
    _h("贫困户属性", "attribute", Kind.ENUM, True, "贫困户属性", enum=HouseholdAttribute),
    _h("主要致贫原因", "main_cause", Kind.ENUM, True, "恰好一个主要致贫原因", enum=Cause),
    _h(
        "其他致贫原因",
        "other_causes",
        Kind.CAUSES,
        False,
        "最多两个，用“、”或“;”分隔，不得与主要致贫原因相同",
        enum=Cause,
    ),
    _h("住房面积", "housing_area", Kind.DECIMAL, False, "平方米，最多两位小数"),
    _h("住房结构", "housing_structure", Kind.ENUM, False, "住房结构", enum=HousingStructure),
    _h("建房年份", "housing_year_built", Kind.YEAR, False, "四位年份（1800–2100）"),
    _h("住房安全等级", "housing_safety_grade", Kind.ENUM, False, "A–D 或其中文名称", enum=HousingSafetyGrade),
    _h("是否通生活用电", "has_electricity", Kind.BOOL, False, "是 / 否"),
    _h("主要燃料类型", "fuel", Kind.ENUM, False, "主要燃料类型", enum=Fuel),
    _h(
        "饮水状况",
        "drinking_water",
        Kind.ENUM,
        False,
        "饮水困难：水源超过1公里或垂直高差超过100米，或缺水超过6个月",
        enum=DrinkingWater,
    ),
    _h("是否易地扶贫搬迁", "relocation", Kind.BOOL, False, "是 / 否（空白为否）"),
    _h(
        "登记日期",
        "registered_on",
        Kind.DATE,
        False,
        "成员入户（建档）日期，如 2023-05-01、2023/5/1、2023年5月1日；空白为导入当天",
    ),
    _h("年度", "income_year", Kind.YEAR, False, "收入年度；填写后各项收入空白按0计，并计算人均纯收入"),
    _h("工资性收入", "wage", Kind.DECIMAL, False, "元，全年"),
    _h("家庭经营性收入", "business", Kind.DECIMAL, False, "元，全年"),
    _h("转移性收入", "transfer", Kind.DECIMAL, False, "元，全年"),
    _h("财产性收入", "property", Kind.DECIMAL, False, "元，全年"),
    _h("生产经营性支出", "production_costs", Kind.DECIMAL, False, "元，全年"),
    _m("姓名", "name", Kind.TEXT, True, "成员姓名", max_length=60),
    _m("性别", "sex", Kind.ENUM, True, "必须与身份证号第17位一致", enum=Sex),
    _m(
        "证件号码",
        "person_id",
        Kind.PERSON_ID,
        True,
        "18位居民身份证号（校验位与出生日期均检查），或20位残疾人证号（身份证号+类别+等级）",
    ),
    _m("与户主关系", "relation", Kind.ENUM, True, "每户恰好一名“户主”", enum=Relation),
    _m("民族", "ethnicity", Kind.ENUM, False, "GB/T 3304 民族名称或两位代码；空白为汉族", enum=Ethnicity),
    _m("文化程度", "education", Kind.ENUM, False, "文化程度", enum=Education),
    _m("在校生状况", "schooling", Kind.ENUM, False, "在校生状况", enum=Schooling),
    _m("健康状况", "health", Kind.ENUM, True, "健康状况", enum=Health),
    _m("劳动能力", "labour_capacity", Kind.ENUM, True, "劳动能力", enum=LabourCapacity),
    _m("务工状况", "work_status", Kind.ENUM, False, "务工状况", enum=WorkStatus),
    _m("是否低保", "dibao", Kind.BOOL, False, "是 / 否（空白为否）"),
    _m("是否参加城乡居民基本医疗保险", "medical_insurance", Kind.BOOL, False, "是 / 否（空白为否）"),
    _m("是否参加城乡居民基本养老保险", "pension_insurance", Kind.BOOL, False, "是 / 否（空白为否）"),
)
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)
BY_HEADER: dict[str, Column] = {column.header: column for column in COLUMNS}
# Header variants officials commonly type, mapped to the template's header: each means that column and no
# other (the names of the national 建档立卡 system's forms among them: 生产经营性收入, 危房等级).
ALIASES: dict[str, str] = {
    "联系方式": "联系电话",
    "手机号": "联系电话",
    "手机号码": "联系电话",
    "开户行": "开户银行",
    "银行卡号": "银行账号",
    "一卡通账号": "银行账号",
    "房屋面积": "住房面积",
    "房屋结构": "住房结构",
    "危房等级": "住房安全等级",
    "房屋安全等级": "住房安全等级",
    "住房安全鉴定等级": "住房安全等级",
    "是否通电": "是否通生活用电",
    "燃料类型": "主要燃料类型",
    "是否易地搬迁": "是否易地扶贫搬迁",
    "收入年度": "年度",
    "工资收入": "工资性收入",
    "务工收入": "工资性收入",
    "家庭经营收入": "家庭经营性收入",
    "经营性收入": "家庭经营性收入",
    "生产经营性收入": "家庭经营性收入",
    "转移收入": "转移性收入",
    "财产收入": "财产性收入",
    "生产经营支出": "生产经营性支出",
    "身份证号": "证件号码",
    "身份证号码": "证件号码",
    "是否低保户": "是否低保",
    "是否享受低保": "是否低保",
    "是否参加医保": "是否参加城乡居民基本医疗保险",
    "是否参加医疗保险": "是否参加城乡居民基本医疗保险",
    "是否参加城乡居民医疗保险": "是否参加城乡居民基本医疗保险",
    "是否参加基本医疗保险": "是否参加城乡居民基本医疗保险",
    "是否参加养老保险": "是否参加城乡居民基本养老保险",
    "是否参加城乡居民养老保险": "是否参加城乡居民基本养老保险",
    "是否参加基本养老保险": "是否参加城乡居民基本养老保险",
}
_INCOMES = ("工资性收入", "家庭经营性收入", "转移性收入", "财产性收入")
# Key words of the template's columns whose values an ignored look-alike column would lose in silence (an
# income read as 0, a 是 as 否): a header that is neither a template header nor an alias and holds one of
# them rejects the file, naming the template columns it resembles (first match wins: the specific words
# first). Columns unrelated to any (备注, 序号, 乡镇名称) are still ignored.
LOOKALIKES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("工资", ("工资性收入",)),
    ("支出", ("生产经营性支出",)),
    ("经营", ("家庭经营性收入", "生产经营性支出")),
    ("转移", ("转移性收入",)),
    ("财产", ("财产性收入",)),
    ("收入", _INCOMES),
    ("低保", ("是否低保",)),
    ("医保", ("是否参加城乡居民基本医疗保险",)),
    ("医疗", ("是否参加城乡居民基本医疗保险",)),
    ("养老", ("是否参加城乡居民基本养老保险",)),
    ("危房", ("住房安全等级",)),
    ("安全等级", ("住房安全等级",)),
    ("住房", ("住房面积", "住房结构", "建房年份", "住房安全等级")),
    ("身份证", ("证件号码",)),
    ("证件", ("证件号码",)),
    ("银行", ("开户银行", "银行账号")),
    ("账号", ("银行账号",)),
    ("卡号", ("银行账号",)),
    ("电话", ("联系电话",)),
    ("手机", ("联系电话",)),
    ("致贫", ("主要致贫原因", "其他致贫原因")),
    ("健康", ("健康状况",)),
    ("劳动", ("劳动能力",)),
    ("务工", ("务工状况",)),
    ("搬迁", ("是否易地扶贫搬迁",)),
    ("饮水", ("饮水状况",)),
    ("燃料", ("主要燃料类型",)),
    ("用电", ("是否通生活用电",)),
    ("通电", ("是否通生活用电",)),
)

EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("H001", "520102016001", "三组", "纪念塔路1号", "张三", "13800000000", "农村信用社", "6228480012345678",
     "国家标准", "一般贫困户", "因病", "缺资金、缺技术", "60.5", "砖木", "1998", "C级（局部危房）", "是", "柴草",
     "饮水困难", "否", "2020-01-01", "2019", "3000", "1500", "800", "0", "600",
     "张三", "男", "520102198001010013", "户主", "汉族", "初中", "非在校生", "长期慢性病", "普通劳动力",
     "县外省内务工", "否", "是", "是"),
    ("H001", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
     "李四", "女", "520102198203040026", "配偶", "汉族", "小学", "非在校生", "健康", "普通劳动力",
     "未务工", "否", "是", "否"),
)  # fmt: skip


def allowed_values(column: Column) -> str:
    if column.enum is not None:
        return (
            "、".join(member.label for member in column.enum) + "（或代码：" + ", ".join(column.enum) + "）"
        )
    if column.kind is Kind.BOOL:
        return "是、否"
    return ""


def csv_file(rows: Iterable[Sequence[str]]) -> bytes:
    """A 登记表 CSV holding `rows` under the template's headers: UTF-8 with BOM, so Excel opens the Chinese
    headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_template() -> bytes:
    return csv_file(EXAMPLE_ROWS)


def _notes_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET)
    sheet.append(["列名", "层级", "必填", "说明", "可选值"])
    for column in COLUMNS:
        level = "户" if column.household else "成员"
        sheet.append(
            [column.header, level, "是" if column.required else "否", column.note, allowed_values(column)]
        )
    sheet.append([])
    sheet.append(
        [
            "每个成员一行。户信息列填写在该户第一行（通常是户主行）；同户其他行可留空或重复相同内容，填写了不同内容的行将被拒绝。"
        ]
    )
    sheet.append(
        [
            "代码列可填写中文名称或英文代码。整个文件要么全部导入，要么（有任何一行被拒绝时）全部不导入，并给出逐行报告。"
        ]
    )
    for letter, width in zip("ABCDE", (28, 6, 6, 60, 80), strict=True):
        sheet.column_dimensions[letter].width = width


def _lists_sheet(workbook: Workbook) -> dict[str, str]:
    """One column per code list; returns the formula range of each header's list."""
    sheet = workbook.create_sheet(LISTS_SHEET)
    ranges: dict[str, str] = {}
    lists = [
        (c.header, [m.label for m in c.enum]) for c in COLUMNS if c.enum is not None and c.kind is Kind.ENUM
    ]
    lists += [(c.header, ["是", "否"]) for c in COLUMNS if c.kind is Kind.BOOL]
    for index, (header, values) in enumerate(lists, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=header)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=index, value=value)
        ranges[header] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _data_workbook(rows: Iterable[Sequence[str]]) -> tuple[Workbook, Worksheet]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    return workbook, sheet


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows: Iterable[Sequence[str]]) -> bytes:
    """A 登记表 workbook holding `rows` on its data sheet, without the template's formats, lists and notes
    (what a county's own spreadsheet with the template's headers looks like)."""
    workbook, _ = _data_workbook(rows)
    return _saved(workbook)


def xlsx_template() -> bytes:
    workbook, sheet = _data_workbook(EXAMPLE_ROWS)
    bold = Font(bold=True)
    household_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.household:
            cell.fill = household_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, len(column.header) * 2 + 2)
        if column.kind in (Kind.PERSON_ID, Kind.DIVISION) or column.key in ("bank_account", "phone", "key"):
            # Text format: Excel would otherwise turn an 18-digit ID into a rounded number.
            for number in range(2, 5001):
                sheet.cell(row=number, column=index).number_format = "@"
    ranges = _lists_sheet(workbook)
    for index, column in enumerate(COLUMNS, start=1):
        formula = ranges.get(column.header)
        if formula is None:
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=not column.required)
        validation.error = f"{column.header}：请从下拉列表中选择"
        sheet.add_data_validation(validation)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}100000")
    sheet.freeze_panes = "B2"
    _notes_sheet(workbook)
    return _saved(workbook)
