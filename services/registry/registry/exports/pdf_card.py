"""The household card 户卡 as a one-household PDF, with an embedded CJK font.

The fonts come from fupin_kit.cjk_font (CjkPdf), the platform's one decision on CJK fonts, shared with the
notice document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from fupin_kit.cjk_font import FAMILY, CjkFontMissing, CjkPdf
from fupin_kit.problems import ProblemError, service_unavailable
from registry.exports.columns import Disclosure, causes, label, yes_no
from registry.exports.service import Card
from registry.households.enums import (
    STATUS_COLOURS,
    Cause,
    DrinkingWater,
    Education,
    Ethnicity,
    Fuel,
    Health,
    HouseholdAttribute,
    HouseholdStatus,
    HousingSafetyGrade,
    HousingStructure,
    IdentificationStandard,
    LabourCapacity,
    MemberStatus,
    Relation,
    Schooling,
    Sex,
    StatusColour,
    WorkStatus,
)

RGB: dict[StatusColour, tuple[int, int, int]] = {
    StatusColour.RED: (200, 30, 30),
    StatusColour.GREEN: (30, 140, 60),
    StatusColour.YELLOW: (225, 175, 0),
}
HEADING = FontFace(emphasis=None, fill_color=(221, 235, 247))
LABEL = FontFace(emphasis=None, color=(90, 90, 90))
Row = dict[str, Any]


def font_problem(exc: CjkFontMissing) -> ProblemError:
    return service_unavailable(f"the household card cannot be drawn: {exc}", retry_after_s=3600)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


class CardPdf(CjkPdf):
    def __init__(self, font: Path) -> None:
        super().__init__(font, orientation="L", page_format="A4")
        self.set_auto_page_break(auto=True, margin=12)
        self.set_margins(12, 12, 12)
        self.add_page()

    def section(self, title: str) -> None:
        self.ln(3)
        self.set_font(FAMILY, size=12)
        self.set_fill_color(47, 84, 150)
        self.set_text_color(255, 255, 255)
        self.cell(0, 7, f"  {title}", fill=True, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(FAMILY, size=9.5)
        self.ln(1)

    def pairs(self, items: Sequence[tuple[str, Any]], per_row: int = 4, wide: Sequence[str] = ()) -> None:
        """Label/value pairs in a grid: grey labels, black values. A value longer than its cell wraps within
        it and the row grows (values are whatever was filed: an address or a bank's full name runs to
        dozens of characters, and a fixed-width cell printed them over the next pair). The labels in
        `wide` get a row of their own, their value spanning the rest of it."""
        width = (self.w - self.l_margin - self.r_margin) / per_row
        rows: list[list[tuple[str, Any]]] = [[]]
        for name, value in items:
            if name in wide:
                rows += [[(name, value)], []]
            elif len(rows[-1]) == per_row:
                rows.append([(name, value)])
            else:
                rows[-1].append((name, value))
        with self.table(
            col_widths=(width * 0.38, width * 0.62) * per_row,
            borders_layout="NONE",
            first_row_as_headings=False,
            text_align="LEFT",
            v_align="TOP",
            line_height=5,
            padding=(0.75, 1, 0.75, 0),
            wrapmode=WrapMode.CHAR,  # Chinese has no spaces to break at
        ) as table:
            for pairs in filter(None, rows):
                row = table.row()
                for name, value in pairs:
                    row.cell(f"{name}：", style=LABEL)
                    span = 2 * (per_row - len(pairs)) + 1 if len(pairs) == 1 and name in wide else 1
                    row.cell(_text(value), colspan=span)

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> None:
        with self.table(
            col_widths=tuple(widths), headings_style=HEADING, text_align="CENTER", line_height=6
        ) as table:
            heading = table.row()
            for header in headers:
                heading.cell(header)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(_text(value))


def _title(pdf: CardPdf, card: Card, disclosure: Disclosure) -> None:
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 10, "贫困户建档立卡信息卡（户卡）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    place = "".join(card.division_names) or card.household["division"]
    # Wrapped, not cut: the 组 is free text up to 60 characters.
    pdf.multi_cell(
        0,
        7,
        f"{place}  {disclosure.text(card.household['village_group'])}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _status(pdf: CardPdf, household: Row) -> None:
    status = HouseholdStatus(household["status"])
    colour = STATUS_COLOURS.get(status)
    pdf.set_font(FAMILY, size=12)
    pdf.cell(28, 8, "贫困户状态：")
    pdf.cell(50, 8, status.label)
    if colour is not None:
        pdf.set_fill_color(*RGB[colour])
        pdf.cell(8, 8, "", fill=True)
        pdf.cell(40, 8, f" 标识：{colour.label}")
    pdf.ln(9)


def _household(pdf: CardPdf, household: Row, disclosure: Disclosure) -> None:
    pdf.section("家庭基本情况")
    pdf.pairs(
        [
            ("户主姓名", household["head_name"]),
            ("组", disclosure.text(household["village_group"])),
            ("联系电话", disclosure.phone(household)),
            ("家庭人口", household["member_count"]),
            ("家庭住址", disclosure.text(household["address"])),
            ("开户银行", disclosure.text(household["bank_name"])),
            ("银行账号", disclosure.bank_account(household)),
            ("识别标准", label(IdentificationStandard, household["identification_standard"])),
            ("贫困户属性", label(HouseholdAttribute, household["attribute"])),
            ("主要致贫原因", label(Cause, household["main_cause"])),
            ("其他致贫原因", causes(household) or None),
        ],
        wide=("家庭住址",),
    )
    pdf.section("生产生活条件")
    area = household["housing_area"]
    pdf.pairs(
        [
            ("住房面积", None if area is None else f"{area} ㎡"),
            ("住房结构", label(HousingStructure, household["housing_structure"])),
            ("建房年份", household["housing_year_built"]),
            ("住房安全", label(HousingSafetyGrade, household["housing_safety_grade"])),
            ("生活用电", yes_no(household["has_electricity"])),
            ("主要燃料", label(Fuel, household["fuel"])),
            ("饮水情况", label(DrinkingWater, household["drinking_water"])),
            ("易地搬迁", yes_no(household["relocation"])),
        ]
    )


MEMBER_HEADERS = (
    "姓名", "性别", "证件号码", "与户主关系", "民族", "文化程度", "在校生状况",
    "健康状况", "劳动能力", "务工状况", "低保", "医保", "养老保险", "状态",
)  # fmt: skip
MEMBER_WIDTHS = (16, 9, 38, 19, 14, 22, 18, 20, 20, 24, 10, 10, 14, 12)


def _members(pdf: CardPdf, members: list[Row], disclosure: Disclosure) -> None:
    pdf.section("家庭成员")
    rows = [
        (
            member["name"],
            label(Sex, member["sex"]),
            disclosure.resident_id(member),
            label(Relation, member["relation"]),
            label(Ethnicity, member["ethnicity"]),
            label(Education, member["education"]),
            label(Schooling, member["schooling"]),
            label(Health, member["health"]),
            label(LabourCapacity, member["labour_capacity"]),
            label(WorkStatus, member["work_status"]),
            yes_no(member["dibao"]),
            yes_no(member["medical_insurance"]),
            yes_no(member["pension_insurance"]),
            label(MemberStatus, member["status"]),
        )
        for member in members
    ]
    pdf.grid(MEMBER_HEADERS, rows, MEMBER_WIDTHS)


INCOME_HEADERS = (
    "年度", "工资性收入", "家庭经营性收入", "转移性收入", "财产性收入",
    "生产经营性支出", "家庭纯收入", "人口", "人均纯收入",
)  # fmt: skip


def _incomes(pdf: CardPdf, household: Row, incomes: list[Row]) -> None:
    pdf.section("收入情况（元）")
    if incomes:
        rows = [
            (
                income["year"],
                income["wage"],
                income["business"],
                income["transfer"],
                income["property"],
                income["production_costs"],
                income["net_income"],
                income["member_count"],
                income["per_capita_net_income"],
            )
            for income in incomes
        ]
        pdf.grid(INCOME_HEADERS, rows, (16, 30, 34, 30, 30, 34, 34, 16, 30))
    pdf.ln(2)
    pdf.set_font(FAMILY, size=12)
    year, value = household["income_year"], household["per_capita_net_income"]
    figure = "尚未登记收入" if value is None else f"{_text(value)} 元（{year}年）"
    pdf.cell(0, 8, f"人均纯收入：{figure}", new_x="LMARGIN", new_y="NEXT")


def _footer(pdf: CardPdf, household: Row, disclosure: Disclosure) -> None:
    pdf.ln(2)
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(110, 110, 110)
    note = "" if disclosure.full else "；证件号码与银行账号按查阅层级脱敏显示"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    pdf.multi_cell(0, 5, f"户编号 {household['id']}；生成于 {stamp}{note}")


def render(card: Card, disclosure: Disclosure, font: Path) -> bytes:
    """Draw the card (CPU work: callers run it in a worker thread)."""
    pdf = CardPdf(font)
    pdf.set_title(f"户卡 {card.household['head_name']}")
    _title(pdf, card, disclosure)
    _status(pdf, card.household)
    _household(pdf, card.household, disclosure)
    _members(pdf, card.members, disclosure)
    _incomes(pdf, card.household, card.incomes)
    _footer(pdf, card.household, disclosure)
    return bytes(pdf.output())
