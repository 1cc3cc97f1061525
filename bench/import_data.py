"""Synthetic but realistic 建档立卡 households for the import benchmark: real villages of a real county,
valid resident IDs (region prefix of the county, plausible birth dates for each relation, sex digit and
check digit right), ~3.5 members per household, incomes, causes and living conditions.

The same generated households feed both arms: the template CSV (platform) and typed records (raw COPY).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fupin_kit.pii import check_digit
from registry.households.enums import (
    Cause,
    Education,
    Health,
    HouseholdAttribute,
    HousingSafetyGrade,
    HousingStructure,
    LabourCapacity,
    WorkStatus,
)
from registry.imports.template import HEADERS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯秀云健俊帆雪琳晨"
MEMBER_COUNTS = (1, 2, 3, 4, 5, 6)
MEMBER_WEIGHTS = (8, 17, 22, 25, 18, 10)  # mean ≈ 3.6
GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
BANKS = ("农村信用社", "中国农业银行", "中国邮政储蓄银行", "农村商业银行")
EMPTY = dict.fromkeys(HEADERS, "")


@dataclass
class Generated:
    households: int = 0
    members: int = 0
    household_records: list[tuple[Any, ...]] = field(default_factory=list)
    member_records: list[tuple[Any, ...]] = field(default_factory=list)


class People:
    """Unique valid resident IDs: region + birth date + sequence (odd for men) + check digit."""

    def __init__(self, rng: random.Random, region: str) -> None:
        self.rng = rng
        self.region = region
        self.used: set[str] = set()

    def new(self, male: bool, born_from: int, born_to: int) -> str:
        while True:
            year = self.rng.randint(born_from, born_to)
            born = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{self.region}{born:%Y%m%d}{sequence:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_digit(first17)


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _members(rng: random.Random, people: People, count: int) -> list[dict[str, str]]:
    head_male = rng.random() < 0.8
    surname = rng.choice(SURNAMES)
    plan: list[tuple[str, bool, int, int]] = [("户主", head_male, 1950, 1985)]
    if count >= 2:
        plan.append(("配偶", not head_male, 1950, 1988))
    for _ in range(count - len(plan)):
        if rng.random() < 0.8:
            male = rng.random() < 0.5
            plan.append(("之子" if male else "之女", male, 1990, 2016))
        else:
            male = rng.random() < 0.5
            plan.append(("之父" if male else "之母", male, 1930, 1952))
    members = []
    for relation, male, born_from, born_to in plan:
        person = people.new(male, born_from, born_to)
        age = 2024 - int(person[6:10])
        child = age < 16
        members.append(
            {
                "姓名": _name(rng, surname if relation in ("户主", "之子", "之女") else None),
                "性别": "男" if male else "女",
                "证件号码": person,
                "与户主关系": relation,
                "民族": rng.choices(("汉族", "苗族", "布依族", "侗族"), (70, 15, 10, 5))[0],
                "文化程度": Education.PRIMARY.label if child else rng.choice(list(Education)).label,
                "在校生状况": "小学" if 7 <= age <= 12 else ("初中" if 13 <= age <= 15 else "非在校生"),
                "健康状况": rng.choices(list(Health), (70, 15, 8, 7))[0].label,
                "劳动能力": (
                    LabourCapacity.NONE.label
                    if child or age > 70
                    else rng.choice(list(LabourCapacity)[:3]).label
                ),
                "务工状况": WorkStatus.NOT_WORKING.label if child else rng.choice(list(WorkStatus)).label,
                "是否低保": rng.choices(("是", "否"), (2, 8))[0],
                "是否参加城乡居民基本医疗保险": "是",
                "是否参加城乡居民基本养老保险": "否" if child else "是",
            }
        )
    return members


def _household(rng: random.Random, key: str, village: str, head: dict[str, str]) -> dict[str, str]:
    causes = rng.sample(list(Cause), 3)
    others = causes[1 : 1 + rng.choice((0, 1, 2))]
    income = [rng.randrange(0, 20_000) for _ in range(4)]
    return {
        "户编号": key,
        "村代码": village,
        "组": rng.choice(GROUPS),
        "地址": f"{rng.choice(GROUPS)}{rng.randint(1, 200)}号",
        "户主姓名": head["姓名"],
        "联系电话": f"13{rng.randrange(10**9):09d}",
        "开户银行": rng.choice(BANKS),
        "银行账号": f"622848{rng.randrange(10**13):013d}",
        "识别标准": rng.choices(("国家标准", "省定标准"), (9, 1))[0],
        "贫困户属性": rng.choice(list(HouseholdAttribute)[:3]).label,
        "主要致贫原因": causes[0].label,
        "其他致贫原因": "、".join(cause.label for cause in others),
        "住房面积": f"{rng.randint(20, 160)}.{rng.randrange(100):02d}",
        "住房结构": rng.choice(list(HousingStructure)).label,
        "建房年份": str(rng.randint(1960, 2015)),
        "住房安全等级": rng.choice(list(HousingSafetyGrade)).label,
        "是否通生活用电": "是",
        "主要燃料类型": rng.choice(("柴草", "煤炭", "电")),
        "饮水状况": rng.choices(("饮水安全", "饮水困难"), (7, 3))[0],
        "是否易地扶贫搬迁": rng.choices(("是", "否"), (1, 9))[0],
        "登记日期": "2020-06-30",
        "年度": "2019",
        "工资性收入": str(income[0]),
        "家庭经营性收入": str(income[1]),
        "转移性收入": str(income[2]),
        "财产性收入": str(income[3] // 10),
        "生产经营性支出": str(rng.randrange(0, 3000)),
    }


def _yes(value: str) -> bool:
    return value == "是"


def generate(path: Path, villages: list[str], households: int, seed: int = 2014) -> Generated:
    """Write the template CSV (household columns on each household's first row) and keep the typed
    records the raw COPY baseline loads."""
    rng = random.Random(seed)
    people = People(rng, villages[0][:6])
    generated = Generated()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for number in range(1, households + 1):
            key = f"H{number:07d}"
            members = _members(rng, people, rng.choices(MEMBER_COUNTS, MEMBER_WEIGHTS)[0])
            household = _household(rng, key, rng.choice(villages), members[0])
            for index, member in enumerate(members):
                row = {**(household if index == 0 else EMPTY), "户编号": key, **member}
                writer.writerow([row[header] for header in HEADERS])
                generated.member_records.append(_member_record(key, member))
            generated.household_records.append(_household_record(household))
            generated.households += 1
            generated.members += len(members)
    return generated


def _household_record(values: dict[str, str]) -> tuple[Any, ...]:
    return (
        values["户编号"], values["村代码"], values["组"], values["地址"], values["户主姓名"], values["联系电话"],
        values["开户银行"], values["银行账号"], values["识别标准"], values["贫困户属性"], values["主要致贫原因"],
        values["其他致贫原因"].split("、") if values["其他致贫原因"] else [], Decimal(values["住房面积"]),
        values["住房结构"], int(values["建房年份"]), values["住房安全等级"], _yes(values["是否通生活用电"]),
        values["主要燃料类型"], values["饮水状况"], _yes(values["是否易地扶贫搬迁"]),
        dt.date.fromisoformat(values["登记日期"]), int(values["年度"]), Decimal(values["工资性收入"]),
        Decimal(values["家庭经营性收入"]), Decimal(values["转移性收入"]), Decimal(values["财产性收入"]),
        Decimal(values["生产经营性支出"]),
    )  # fmt: skip


def _member_record(key: str, values: dict[str, str]) -> tuple[Any, ...]:
    return (
        key, values["姓名"], values["性别"], values["证件号码"], values["与户主关系"], values["民族"],
        values["文化程度"], values["在校生状况"], values["健康状况"], values["劳动能力"], values["务工状况"],
        _yes(values["是否低保"]), _yes(values["是否参加城乡居民基本医疗保险"]),
        _yes(values["是否参加城乡居民基本养老保险"]),
    )  # fmt: skip


BASELINE_TABLES = """
DROP TABLE IF EXISTS raw_households, raw_members;
CREATE TABLE raw_households (
    key text, division text, village_group text, address text, head_name text, phone text, bank_name text,
    bank_account text, identification_standard text, attribute text, main_cause text, other_causes text[],
    housing_area numeric, housing_structure text, housing_year_built int, housing_safety_grade text,
    has_electricity bool, fuel text, drinking_water text, relocation bool, registered_on date,
    income_year int, wage numeric, business numeric, transfer numeric, property numeric,
    production_costs numeric);
CREATE TABLE raw_members (
    household_key text, name text, sex text, id_number text, relation text, ethnicity text, education text,
    schooling text, health text, labour_capacity text, work_status text, dibao bool,
    medical_insurance bool, pension_insurance bool);
"""
