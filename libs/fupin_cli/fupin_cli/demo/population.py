"""A synthetic, realistic population of poor households for one real county, as rows of the registry's
登记表 import template (one row per member, household columns on every row; values as the Chinese labels
officials type), so the demo goes through exactly the path real files take.

Deterministic for a seed. Realism where the registry checks it: valid resident IDs (the county's region
code, real birth dates consistent with each member's relation and age, the sex digit, the check digit,
unique), one head per household, causes consistent with the members (因病 has a sick member, 缺劳力 has
no full labour), incomes around and below the poverty line of the income year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fupin_cli.demo.names import full_name, given_name, surname
from fupin_kit.pii import check_digit

# Template headers (registry/imports/template.py), in its order.
HEADERS: tuple[str, ...] = (
    "户编号", "村代码", "组", "地址", "户主姓名", "联系电话", "开户银行", "银行账号", "识别标准", "贫困户属性",
    "主要致贫原因", "其他致贫原因", "住房面积", "住房结构", "建房年份", "住房安全等级", "是否通生活用电",
    "主要燃料类型", "饮水状况", "是否易地扶贫搬迁", "登记日期", "年度", "工资性收入", "家庭经营性收入",
    "转移性收入", "财产性收入", "生产经营性支出", "姓名", "性别", "证件号码", "与户主关系", "民族", "文化程度",
    "在校生状况", "健康状况", "劳动能力", "务工状况", "是否低保", "是否参加城乡居民基本医疗保险",
    "是否参加城乡居民基本养老保险",
)  # fmt: skip

# Main causes as registered nationally in 2014: illness first, then lack of skills, capital and labour.
MAIN_CAUSES: tuple[tuple[str, float], ...] = (
    ("因病", 30), ("缺技术", 17), ("缺资金", 15), ("缺劳力", 13), ("因残", 6), ("因学", 6), ("因灾", 3),
    ("缺土地", 3), ("缺水", 2), ("交通条件落后", 2), ("自身发展动力不足", 2), ("其它", 1),
)  # fmt: skip
HOUSEHOLD_SIZES = ((1, 12), (2, 18), (3, 20), (4, 22), (5, 15), (6, 8), (7, 5))
# Poverty line (yuan per person and year, current prices) by income year; domain.md §3. The 2020 line
# holds after 2020 (the registry carries the latest line forward).
POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}


def poverty_line(year: int) -> int:
    """The line of an income year: its own, else the latest earlier one (the earliest before 2014)."""
    earlier = [known for known in POVERTY_LINES if known <= year]
    return POVERTY_LINES[max(earlier) if earlier else min(POVERTY_LINES)]


# Ethnic make-up of rural poor households by province (the rest Han).
ETHNICITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "52": (("汉族", 45), ("苗族", 22), ("侗族", 16), ("布依族", 8), ("水族", 5), ("瑶族", 4)),
    "45": (("汉族", 55), ("壮族", 38), ("瑶族", 5), ("苗族", 2)),
    "53": (("汉族", 55), ("彝族", 18), ("哈尼族", 8), ("白族", 7), ("傣族", 6), ("苗族", 6)),
    "43": (("汉族", 85), ("土家族", 9), ("苗族", 6)),
    "15": (("汉族", 75), ("蒙古族", 25)),
    "54": (("藏族", 95), ("汉族", 5)),
    "65": (("维吾尔族", 80), ("哈萨克族", 10), ("汉族", 10)),
}
DEFAULT_ETHNICITIES = (("汉族", 97), ("回族", 2), ("满族", 1))
STRUCTURES = (("砖木", 30), ("土木", 24), ("砖混", 18), ("木质", 12), ("石木", 6), ("简易房", 5), ("钢混", 5))
GRADES = (("A级（安全）", 30), ("B级（基本安全）", 35), ("C级（局部危房）", 25), ("D级（整栋危房）", 10))
FUELS = (("柴草", 50), ("电", 20), ("煤炭", 15), ("液化气/天然气", 10), ("沼气", 5))
BANKS = ("农村信用社", "中国农业银行", "中国邮政储蓄银行", "农村商业银行")
GROUP_NUMERALS = "一二三四五六七八九十"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Village:
    code: str
    name: str


@dataclass
class Person:
    name: str
    male: bool
    relation: str
    birth: dt.date
    health: str = "健康"
    labour: str = "普通劳动力"
    fields: dict[str, str] = field(default_factory=dict)

    def age(self, on: dt.date) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))


def pick(rng: random.Random, weighted: Sequence[tuple[str, float]] | Sequence[tuple[int, float]]) -> str:
    return str(rng.choices([value for value, _ in weighted], weights=[w for _, w in weighted])[0])


def short_name(village: str) -> str:
    """党央村村民委员会 → 党央村: the name as an address is written (the tree has the committee's name)."""
    for suffix, replacement in (("村民委员会", "村"), ("居民委员会", "")):
        if village.endswith(suffix):
            stem = village.removesuffix(suffix)
            return stem if stem.endswith(replacement) else stem + replacement
    return village


def id_digest(number: str) -> str:
    """How a refused resident ID is remembered (fupin_cli.demo_cmd keeps them beside the CSV): a digest,
    not the number of somebody the registry holds."""
    return hashlib.sha256(number.encode("ascii")).hexdigest()


class IdNumbers:
    """Unique resident IDs of one county: the sequence's last digit is odd for men, even for women. No
    number whose id_digest is in `refused` (numbers the registry already holds) is issued."""

    def __init__(self, county: str, rng: random.Random, refused: Collection[str] = ()) -> None:
        self.region = county[:6]
        self.rng = rng
        self.refused = refused
        self.taken: set[str] = set()

    def issue(self, birth: dt.date, male: bool) -> str:
        for _ in range(1000):
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{self.region}{birth:%Y%m%d}{sequence:03d}"
            if first17 in self.taken:
                continue
            self.taken.add(first17)
            number = first17 + check_digit(first17)
            if not self.refused or id_digest(number) not in self.refused:
                return number
        raise RuntimeError(f"no free resident ID left for {birth}")  # 500 per sex and day: unreachable


class Generator:
    def __init__(
        self,
        county: str,
        villages: Sequence[Village],
        seed: int,
        today: dt.date,
        refused_ids: Collection[str] = (),
    ) -> None:
        if not villages:
            raise ValueError("the county has no villages")
        self.county = county
        self.villages = list(villages)
        self.rng = random.Random(seed)
        self.today = today
        self.ids = IdNumbers(county, self.rng, refused_ids)
        # Last year's income, the latest complete year: what this year's identification judges (the case
        # year's income, else the year before's).
        self.income_year = today.year - 1
        self.line = poverty_line(self.income_year)
        self.ethnicities = ETHNICITIES.get(county[:2], DEFAULT_ETHNICITIES)
        # Everyone was born at least a year before the registration date, which lies in the past year.
        self.registered_on = today - dt.timedelta(days=self.rng.randrange(30, 300))

    def _birth(self, age: int) -> dt.date:
        age = max(age, 1)
        latest = self.registered_on - dt.timedelta(days=365 * age)
        return latest - dt.timedelta(days=self.rng.randrange(0, 360))

    def _person(self, family: str, male: bool, relation: str, age: int, own_surname: bool = False) -> Person:
        name = full_name(self.rng, male) if own_surname else family + given_name(self.rng, male)
        return Person(name, male, relation, self._birth(min(age, 96)))

    def _members(self, size: int) -> list[Person]:
        rng = self.rng
        family = surname(rng)
        head_male = rng.random() < 0.86
        head_age = rng.randint(24 if size > 1 else 45, 82)
        people = [self._person(family, head_male, "户主", head_age)]
        if size > 1 and rng.random() < 0.88:
            spouse_age = max(20, head_age + rng.randint(-6, 4) * (1 if head_male else -1))
            people.append(self._person(family, not head_male, "配偶", spouse_age, own_surname=True))
        if head_age < 52 and len(people) < size and rng.random() < 0.5:
            parent_male = rng.random() < 0.4
            relation = "之父" if parent_male else "之母"
            people.append(self._person(family, parent_male, relation, head_age + rng.randint(22, 32)))
        oldest_child = head_age - rng.randint(20, 30)
        child_age = oldest_child
        while len(people) < size and child_age >= 1:
            male = rng.random() < 0.53
            people.append(self._person(family, male, "之子" if male else "之女", child_age))
            if male and child_age >= 24 and len(people) < size:
                people.append(self._person(family, False, "之儿媳", child_age - rng.randint(0, 4), True))
                grandchild = child_age - rng.randint(22, 28)
                while len(people) < size and grandchild >= 1:
                    boy = rng.random() < 0.53
                    people.append(self._person(family, boy, "之孙子" if boy else "之孙女", grandchild))
                    grandchild -= rng.randint(2, 5)
            child_age -= rng.randint(2, 6)
        return people

    def _shape(self, people: list[Person], cause: str) -> None:
        """Health and labour from age, then made consistent with the main cause."""
        rng = self.rng
        for person in people:
            age = person.age(self.registered_on)
            if age >= 60 and rng.random() < 0.35:
                person.health = "长期慢性病"
            if age < 16:
                person.labour = "无劳动力"
            elif age >= 70:
                person.labour = pick(rng, (("丧失劳动力", 50), ("弱/半劳动力", 50)))
            elif age >= 60:
                person.labour = pick(rng, (("弱/半劳动力", 70), ("普通劳动力", 30)))
            elif rng.random() < 0.1:
                person.labour = "技能劳动力"
        adults = [p for p in people if p.age(self.registered_on) >= 16] or people
        if cause == "因病":
            sick = rng.choice(adults)
            sick.health = pick(rng, (("长期慢性病", 60), ("患有大病", 40)))
            if sick.health == "患有大病":
                sick.labour = "丧失劳动力"
        elif cause == "因残":
            disabled = rng.choice(people)
            disabled.health = "残疾"
            if disabled.labour != "无劳动力":
                disabled.labour = pick(rng, (("丧失劳动力", 50), ("弱/半劳动力", 50)))
        elif cause == "缺劳力":
            for person in adults:
                if person.labour in ("普通劳动力", "技能劳动力"):
                    person.labour = "弱/半劳动力"

    def _schooling(self, person: Person) -> tuple[str, str]:
        """(文化程度, 在校生状况) by age."""
        rng, age = self.rng, person.age(self.registered_on)
        if age < 6:
            return "学龄前儿童", "学前教育" if age >= 3 else "非在校生"
        if age < 12:
            return "小学", "小学"
        if age < 15:
            return "初中", "初中"
        if age < 18:
            vocational = rng.random() < 0.35
            return ("中专/中职", "中职") if vocational else ("高中", "普通高中")
        if age < 22 and rng.random() < 0.3:
            return "大专及以上", pick(rng, (("高职", 60), ("本科及以上", 40)))
        if age >= 60:
            return pick(rng, (("文盲或半文盲", 45), ("小学", 45), ("初中", 10))), "非在校生"
        return pick(rng, (("小学", 30), ("初中", 50), ("高中", 12), ("文盲或半文盲", 8))), "非在校生"

    def _work(self, person: Person) -> str:
        if person.labour not in ("普通劳动力", "技能劳动力"):
            return "未务工"
        return pick(
            self.rng,
            (
                ("未务工", 30),
                ("乡镇内务工", 15),
                ("乡镇外县内务工", 15),
                ("县外省内务工", 20),
                ("省外务工", 20),
            ),
        )

    def _income(self, size: int, attribute: str, workers: int) -> dict[str, str]:
        """Per-capita net income mostly below the line (a few just above: the households near exit)."""
        rng = self.rng
        per_capita = max(300.0, rng.gauss(0.78, 0.22) * self.line)
        net = per_capita * size
        transfer = net * (rng.uniform(0.35, 0.7) if attribute != "一般贫困户" else rng.uniform(0.1, 0.3))
        prop = net * rng.uniform(0, 0.03)
        wage = (net - transfer - prop) * rng.uniform(0.4, 0.8) if workers else 0.0
        cost_ratio = rng.uniform(0.1, 0.3)
        business = (net - transfer - prop - wage) / (1 - cost_ratio)
        costs = business * cost_ratio
        money = {"工资性收入": wage, "家庭经营性收入": business, "转移性收入": transfer, "财产性收入": prop}
        values = {key: Decimal(value).quantize(CENT, ROUND_HALF_UP) for key, value in money.items()}
        total = sum(values.values(), Decimal(0))
        # Costs absorb the rounding, so net income is exactly what was aimed at, to the cent.
        target = Decimal(net).quantize(CENT, ROUND_HALF_UP)
        values["生产经营性支出"] = max(Decimal(0), total - target) if costs > 0 else Decimal(0)
        return {"年度": str(self.income_year), **{key: str(value) for key, value in values.items()}}

    def household(self, number: int) -> list[dict[str, str]]:
        rng = self.rng
        village = rng.choice(self.villages)
        size = int(pick(rng, HOUSEHOLD_SIZES))
        people = self._members(size)
        cause = pick(rng, MAIN_CAUSES)
        others = [c for c, _ in MAIN_CAUSES if c != cause]
        weights = [w for c, w in MAIN_CAUSES if c != cause]
        extra: list[str] = []
        for _ in range(rng.choice((0, 1, 1, 2, 2))):
            candidate = rng.choices(others, weights=weights)[0]
            if candidate not in extra:
                extra.append(candidate)
        self._shape(people, cause)
        head = people[0]
        single_elderly = len(people) == 1 and head.age(self.registered_on) >= 60
        attribute = "特困供养贫困户" if single_elderly and rng.random() < 0.6 else pick(
            rng, (("一般贫困户", 62), ("低保贫困户", 33), ("特困供养贫困户", 5))
        )  # fmt: skip
        workers = sum(1 for p in people if p.labour in ("普通劳动力", "技能劳动力"))
        group = GROUP_NUMERALS[rng.randrange(0, 10)] + "组"
        household = {
            "户编号": f"DEMO-{self.county[:6]}-{number:06d}",
            "村代码": village.code,
            "组": group,
            "地址": f"{short_name(village.name)}{group}{rng.randint(1, 120)}号",
            "户主姓名": head.name,
            "联系电话": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            "开户银行": rng.choice(BANKS),
            "银行账号": f"6228{rng.randrange(10**15):015d}",
            "识别标准": pick(rng, (("国家标准", 90), ("省定标准", 8), ("市定标准", 2))),
            "贫困户属性": attribute,
            "主要致贫原因": cause,
            "其他致贫原因": "、".join(extra),
            "住房面积": str(Decimal(rng.uniform(18, 30) * (1 + len(people)) / 2 + 15).quantize(CENT)),
            "住房结构": pick(rng, STRUCTURES),
            "建房年份": str(rng.randint(1965, 2016)),
            "住房安全等级": pick(rng, GRADES),
            "是否通生活用电": "是" if rng.random() < 0.97 else "否",
            "主要燃料类型": pick(rng, FUELS),
            "饮水状况": "饮水困难" if rng.random() < (0.5 if cause == "缺水" else 0.18) else "饮水安全",
            "是否易地扶贫搬迁": "是" if rng.random() < 0.06 else "否",
            "登记日期": self.registered_on.isoformat(),
            **self._income(len(people), attribute, workers),
        }
        dibao = attribute != "一般贫困户"
        ethnicity = pick(rng, self.ethnicities)
        rows = []
        for person in people:
            education, schooling = self._schooling(person)
            rows.append(
                {
                    **household,
                    "姓名": person.name,
                    "性别": "男" if person.male else "女",
                    "证件号码": self.ids.issue(person.birth, person.male),
                    "与户主关系": person.relation,
                    # Spouses of the same household mostly share the ethnicity; mixed ones exist.
                    "民族": ethnicity if rng.random() < 0.9 else pick(rng, self.ethnicities),
                    "文化程度": education,
                    "在校生状况": schooling,
                    "健康状况": person.health,
                    "劳动能力": person.labour,
                    "务工状况": self._work(person),
                    "是否低保": "是" if dibao else "否",
                    "是否参加城乡居民基本医疗保险": "是" if rng.random() < 0.97 else "否",
                    "是否参加城乡居民基本养老保险": "是"
                    if person.age(self.today) >= 16 and rng.random() < 0.85
                    else "否",
                }
            )
        return rows


def generate(
    county: str,
    villages: Sequence[Village],
    households: int,
    seed: int = 0,
    today: dt.date | None = None,
    refused_ids: Collection[str] = (),
) -> Iterator[dict[str, str]]:
    """Rows of the 登记表 template (keyed by header), household after household, members adjacent. No
    member gets a number whose id_digest is in `refused_ids`; the same seed and refusals give the same rows."""
    generator = Generator(county, villages, seed, today or dt.date.today(), refused_ids)
    for number in range(1, households + 1):
        yield from generator.household(number)
