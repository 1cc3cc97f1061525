"""Resident IDs the registry refuses beyond the check digit (QA registry-console-2 §6): a region code that
names no province (000000, 999999) and a birth year before 1900, refused alike by POST /households and by
the 登记表 import; the provinces accepted are those of the registry's own division tree."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

from fupin_kit import pii
from fupin_kit.pii import PiiCipher, check_digit
from registry.imports import template, validation

VILLAGE = "520102016001"
COUNTY = "520102000000"
TREE = Path(__file__).parents[1] / "registry" / "data" / "divisions-2023.csv.gz"


def number(region: str, born: str, sequence: str = "011") -> str:
    first17 = f"{region}{born}{sequence}"
    return first17 + check_digit(first17)


NONSENSE = {
    number("000000", "19850814"): "the resident ID region code (digits 1-2) is not a province of China",
    number("999999", "19520209"): "the resident ID region code (digits 1-2) is not a province of China",
    number("522635", "18800101"): "the resident ID birth date is before 1900",
}


def test_the_provinces_accepted_are_those_of_the_division_tree() -> None:
    with gzip.open(TREE, "rt", encoding="utf-8") as file:
        provinces = {row["code"][:2] for row in csv.DictReader(file) if row["level"] == "province"}
    assert provinces == pii.MAINLAND_PROVINCES


def test_the_import_refuses_them_on_the_id_cell() -> None:
    validator = validation.Validator(COUNTY, PiiCipher(os.urandom(32)), ("user:test", "county"))
    for value, reason in NONSENSE.items():
        row = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
        row.update({"户编号": "C1", "证件号码": value})
        group = validation.Group(1, "C1", [(2, [row[header] for header in template.HEADERS])])
        found = {(problem.field, problem.reason) for problem in validator.check(group).problems}
        assert found == {("证件号码", reason)}, value


async def test_the_api_refuses_them_and_writes_nothing(writable_registry) -> None:
    registry = writable_registry
    headers = registry.auth("village", VILLAGE, ["cadre"])
    for value, reason in NONSENSE.items():
        body = {
            "division": VILLAGE,
            "village_group": "一组",
            "address": "纪念塔路 1 号",
            "identification_standard": "national",
            "attribute": "general",
            "main_cause": "illness",
            "members": [
                {
                    "name": "张三",
                    "sex": "male",
                    "resident_id": value,
                    "relation": "head",
                    "health": "healthy",
                    "labour_capacity": "ordinary",
                }
            ],
        }
        response = await registry.client.post("/households", json=body, headers=headers)
        assert response.status_code == 422, (value, response.text)
        assert reason in response.text
    count = await registry.client.get("/households", headers=headers)
    assert count.json()["items"] == []
