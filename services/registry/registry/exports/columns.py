"""The columns of the register, book and archive: Chinese headers, widths, and how each value is shown.

Codes are written as their Chinese labels (what officials read), booleans as 是/否. Personal data goes
through `Disclosure`: full resident IDs, bank accounts and phone numbers only for the county tier and below, decrypted
here; above it the masked forms stored beside the ciphertext, so nothing is ever decrypted for them. Free text
(组, address, bank name) is shown above the county with the ID and mobile numbers typed into it masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fupin_kit.pii import PiiCipher, mask_phone, mask_text
from registry.households.enums import (
    STATUS_COLOURS,
    Cause,
    CodeEnum,
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
    IdKind,
    LabourCapacity,
    MemberChange,
    MemberStatus,
    Relation,
    Schooling,
    Sex,
    WorkStatus,
)

Row = dict[str, Any]
# Set on each member row of an export (exports.service): whether its join day is withheld above the county.
JOIN_DAY_WITHHELD = "join_day_withheld"
Cell = Any  # str, number, date or None: whatever openpyxl and csv write as is


@dataclass(frozen=True)
class Disclosure:
    """What the caller's tier may see of a person: full identifiers (county and below) or masked ones."""

    cipher: PiiCipher
    full: bool

    def resident_id(self, member: Row) -> str:
        return self.cipher.decrypt(member["id_cipher"]) if self.full else str(member["id_masked"])

    def bank_account(self, household: Row) -> str | None:
        if self.full and household["bank_account_cipher"] is not None:
            return self.cipher.decrypt(household["bank_account_cipher"])
        masked = household["bank_account_masked"]
        return None if masked is None else str(masked)

    def phone(self, household: Row) -> str | None:
        return household["phone"] if self.full else mask_phone(household["phone"])

    def text(self, value: Any) -> Any:
        """Free text a cadre typed (an address, a bank name, a group): as typed for the county tier and
        below, with every resident ID and mobile number in it masked above, as history and feeds read it."""
        return value if self.full or value is None else mask_text(str(value))

    def birth_date(self, member: Row) -> Any:
        # The birth date is six digits of the ID number: masked IDs must not be completed from it.
        return member["birth_date"] if self.full else None

    def joined_on(self, member: Row) -> Any:
        # A member joined in infancy (a birth, a newborn's file or move-in) joined on or near its birth date,
        # and so did whoever joined the household that day (exports.service marks them).
        return None if not self.full and member.get(JOIN_DAY_WITHHELD) else member["joined_on"]


def label(enum: type[CodeEnum], code: str | None) -> str | None:
    return None if code is None else enum(code).label


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def colour_word(status: str) -> str:
    """红 / 绿 / 黄 for the statuses that carry a colour, empty otherwise (待识别, 监测对象)."""
    colour = STATUS_COLOURS.get(HouseholdStatus(status))
    return "" if colour is None else colour.label[:1]


def causes(household: Row) -> str:
    return "、".join(Cause(code).label for code in household["other_causes"])


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[Row, Row, Disclosure], Cell]


def _h(key: str, enum: type[CodeEnum] | None = None) -> Callable[[Row, Row, Disclosure], Cell]:
    if enum is None:
        return lambda household, extra, disclosure: household[key]
    return lambda household, extra, disclosure: label(enum, household[key])


def _typed(key: str) -> Callable[[Row, Row, Disclosure], Cell]:
    return lambda household, extra, disclosure: disclosure.text(household[key])


def _income(key: str) -> Callable[[Row, Row, Disclosure], Cell]:
    def value(household: Row, extra: Row, disclosure: Disclosure) -> Cell:
        income = extra.get("income")
        return None if income is None else income[key]

    return value


# A household row: `extra` carries names resolved once per export (村名称) and the income record of the
# household's 收入年度 (domain.md §2: the components, costs and net income behind the per-capita figure).
HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("行政区划代码", 15, _h("division")),
    Column("村（社区）", 18, lambda h, e, d: e.get("village_name")),
    Column("组", 8, _typed("village_group")),
    Column("户主姓名", 10, _h("head_name")),
    Column("家庭住址", 28, _typed("address")),
    Column("联系电话", 14, lambda h, e, d: d.phone(h)),
    Column("开户银行", 16, _typed("bank_name")),
    Column("银行账号", 24, lambda h, e, d: d.bank_account(h)),
    Column("识别标准", 10, _h("identification_standard", IdentificationStandard)),
    Column("贫困户属性", 14, _h("attribute", HouseholdAttribute)),
    Column("主要致贫原因", 12, _h("main_cause", Cause)),
    Column("其他致贫原因", 18, lambda h, e, d: causes(h)),
    Column("贫困户状态", 14, _h("status", HouseholdStatus)),
    Column("标识颜色", 8, lambda h, e, d: colour_word(h["status"])),
    Column("家庭人口数", 10, _h("member_count")),
    Column("收入年度", 9, _h("income_year")),
    Column("工资性收入（元）", 14, _income("wage")),
    Column("家庭经营性收入（元）", 14, _income("business")),
    Column("转移性收入（元）", 14, _income("transfer")),
    Column("财产性收入（元）", 14, _income("property")),
    Column("生产经营性支出（元）", 14, _income("production_costs")),
    Column("家庭纯收入（元）", 14, _income("net_income")),
    Column("人均纯收入（元）", 14, _h("per_capita_net_income")),
    Column("住房面积（㎡）", 12, _h("housing_area")),
    Column("住房结构", 10, _h("housing_structure", HousingStructure)),
    Column("建房年份", 9, _h("housing_year_built")),
    Column("住房安全等级", 16, _h("housing_safety_grade", HousingSafetyGrade)),
    Column("通生活用电", 10, lambda h, e, d: yes_no(h["has_electricity"])),
    Column("主要燃料", 14, _h("fuel", Fuel)),
    Column("饮水情况", 10, _h("drinking_water", DrinkingWater)),
    Column("易地扶贫搬迁", 12, lambda h, e, d: yes_no(h["relocation"])),
    Column("户编号", 38, lambda h, e, d: str(h["id"])),
)


def _m(key: str, enum: type[CodeEnum] | None = None) -> Callable[[Row, Row, Disclosure], Cell]:
    if enum is None:
        return lambda member, household, disclosure: member[key]
    return lambda member, household, disclosure: label(enum, member[key])


# A member row: `extra` is the member's household row (for the columns that tie the two sheets together).
MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("户编号", 38, lambda m, h, d: str(h["id"])),
    Column("行政区划代码", 15, lambda m, h, d: h["division"]),
    Column("户主姓名", 10, lambda m, h, d: h["head_name"]),
    Column("姓名", 10, _m("name")),
    Column("性别", 6, _m("sex", Sex)),
    Column("证件类型", 12, _m("id_kind", IdKind)),
    Column("证件号码", 24, lambda m, h, d: d.resident_id(m)),
    Column("出生日期", 12, lambda m, h, d: d.birth_date(m)),
    Column("与户主关系", 12, _m("relation", Relation)),
    Column("民族", 8, _m("ethnicity", Ethnicity)),
    Column("文化程度", 12, _m("education", Education)),
    Column("在校生状况", 12, _m("schooling", Schooling)),
    Column("健康状况", 12, _m("health", Health)),
    Column("劳动能力", 12, _m("labour_capacity", LabourCapacity)),
    Column("务工状况", 14, _m("work_status", WorkStatus)),
    Column("享受低保", 9, lambda m, h, d: yes_no(m["dibao"])),
    Column("城乡居民基本医疗保险", 12, lambda m, h, d: yes_no(m["medical_insurance"])),
    Column("城乡居民基本养老保险", 12, lambda m, h, d: yes_no(m["pension_insurance"])),
    Column("成员状态", 9, _m("status", MemberStatus)),
    Column("加入日期", 12, lambda m, h, d: d.joined_on(m)),
    Column("加入方式", 10, _m("joined_by", MemberChange)),
    Column("离开日期", 12, _m("left_on")),
    Column("离开方式", 10, _m("left_by", MemberChange)),
)


def household_values(
    household: Row, village_name: str | None, disclosure: Disclosure, income: Row | None = None
) -> list[Cell]:
    extra = {"village_name": village_name, "income": income}
    return [column.value(household, extra, disclosure) for column in HOUSEHOLD_COLUMNS]


def member_values(member: Row, household: Row, disclosure: Disclosure) -> list[Cell]:
    return [column.value(member, household, disclosure) for column in MEMBER_COLUMNS]
