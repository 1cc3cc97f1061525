"""The `fupin demo` population generator: real villages of the county, valid and unique resident IDs,
rows the registry's import validator accepts, and plausible distributions."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gzip
import os
from functools import cache

from fupin_cli.demo.population import HEADERS, Village, generate, poverty_line, short_name
from fupin_kit.pii import PiiCipher, validate_resident_id
from registry.divisions.loader import DATA_FILE
from registry.imports import template, validation

COUNTY = "522632000000"  # 榕江县
TODAY = dt.date(2026, 6, 1)


@cache
def tree() -> dict[str, tuple[str, str]]:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        return {row["code"]: (row["name"], row["level"]) for row in csv.DictReader(handle)}


def villages(county: str) -> list[Village]:
    return [
        Village(code, name)
        for code, (name, level) in tree().items()
        if level == "village" and code.startswith(county[:6])
    ]


@cache
def rows() -> list[dict[str, str]]:
    return list(generate(COUNTY, villages(COUNTY), 1500, seed=7, today=TODAY))


def households() -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows():
        grouped[row["户编号"]].append(row)
    return grouped


def test_rows_are_in_the_import_template_columns() -> None:
    assert HEADERS == template.HEADERS
    assert all(tuple(row) == HEADERS for row in rows())


def test_households_live_in_real_villages_of_the_county() -> None:
    used = {row["村代码"] for row in rows()}
    for code in used:
        _, level = tree()[code]
        assert level == "village" and code.startswith("522632"), code
    assert len(used) > 100  # spread across the county's ~250 villages


def test_resident_ids_are_valid_unique_and_match_sex_and_region() -> None:
    ids = [row["证件号码"] for row in rows()]
    assert len(ids) == len(set(ids))
    for row in rows():
        number = validate_resident_id(row["证件号码"])  # check digit and a real, past birth date
        assert number[:6] == "522632"
        assert (int(number[16]) % 2 == 1) == (row["性别"] == "男")
        assert dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) <= TODAY


def test_family_structure_is_plausible() -> None:
    sizes: collections.Counter[int] = collections.Counter()
    for members in households().values():
        sizes[len(members)] += 1
        heads = [m for m in members if m["与户主关系"] == "户主"]
        assert len(heads) == 1 and members[0] is heads[0]
        assert members[0]["户主姓名"] == heads[0]["姓名"]
        head_birth = int(heads[0]["证件号码"][6:10])
        for member in members:
            born = int(member["证件号码"][6:10])
            if member["与户主关系"] in ("之子", "之女"):
                assert born >= head_birth + 18
            if member["与户主关系"] in ("之父", "之母"):
                assert born <= head_birth - 18
    assert set(sizes) <= set(range(1, 8)) and len(sizes) >= 6
    assert 2.5 < sum(k * v for k, v in sizes.items()) / sum(sizes.values()) < 4.5


def test_causes_and_incomes_are_realistic() -> None:
    heads = [members[0] for members in households().values()]
    main = collections.Counter(head["主要致贫原因"] for head in heads)
    assert main.most_common(1)[0][0] == "因病"
    assert {cause for cause, _ in main.most_common(4)} == {"因病", "缺技术", "缺资金", "缺劳力"}
    for members in households().values():
        if members[0]["主要致贫原因"] == "因病":
            assert any(m["健康状况"] in ("长期慢性病", "患有大病") for m in members)
        if members[0]["主要致贫原因"] == "缺劳力":
            assert not any(m["劳动能力"] in ("普通劳动力", "技能劳动力") for m in members)
        others = [c for c in members[0]["其他致贫原因"].split("、") if c]
        assert len(others) <= 2 and members[0]["主要致贫原因"] not in others
    line = poverty_line(int(heads[0]["年度"]))
    per_capita = []
    for members in households().values():
        head = members[0]
        net = sum(float(head[k]) for k in ("工资性收入", "家庭经营性收入", "转移性收入", "财产性收入"))
        net -= float(head["生产经营性支出"])
        per_capita.append(net / len(members))
    below = sum(1 for value in per_capita if value < line) / len(per_capita)
    assert 0.75 < below < 0.98
    assert min(per_capita) > 0


def test_the_import_validator_accepts_every_household() -> None:
    validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:demo", "county"), today=TODAY)
    numbered = [(n, [row[h] for h in HEADERS]) for n, row in enumerate(rows(), start=2)]
    checked = [validator.check(group) for group in validation.group_rows(numbered)]
    assert len(checked) == 1500
    assert [c.problems for c in checked if c.problems] == []


def test_same_seed_same_population_and_another_county_gets_its_region() -> None:
    small = villages(COUNTY)[:5]
    first = list(generate(COUNTY, small, 20, seed=3, today=TODAY))
    assert first == list(generate(COUNTY, small, 20, seed=3, today=TODAY))
    assert first != list(generate(COUNTY, small, 20, seed=4, today=TODAY))
    other = list(generate("110101000000", villages("110101000000"), 10, seed=1, today=TODAY))
    assert all(row["证件号码"].startswith("110101") for row in other)


def test_village_names_shorten_for_addresses() -> None:
    assert short_name("党央村村民委员会") == "党央村"
    assert short_name("纪念塔社区居民委员会") == "纪念塔社区"
    assert short_name("古州镇") == "古州镇"
