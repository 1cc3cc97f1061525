"""Bulk import of 登记表 files on real PostgreSQL, through the registry's HTTP API."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import uuid
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from fupin_contracts import registry as contracts
from fupin_kit.civil_time import china_today
from fupin_kit.envelope import Envelope
from fupin_kit.pii import check_digit
from registry.households.schemas import HEAD_NAME_RULE
from registry.imports import parsing, repository, template, validation
from registry.imports import service as import_service

VILLAGE = "520102016001"
SIBLING = "520102016002"
COUNTY = "520102000000"
BEIJING_VILLAGE = "110101001001"
# audit_log too: a rejected or repeated file appends nothing to the chain either.
TABLES = ("households", "household_members", "household_incomes", "household_history", "outbox", "audit_log")

_serial = itertools.count(1)
# A person's name holds no digit (fupin_kit.text_rules.person_name_rule): a household key's digits are spelled
# out in the names made from it (户主A1 is 户主A一).
SPELLED = str.maketrans("0123456789", "〇一二三四五六七八九")


def resident_id(male: bool = True, region: str = "520102", year: int = 1970) -> str:
    n = next(_serial)
    birth = f"{year + n // 400:04d}{1 + n % 12:02d}{1 + n % 28:02d}"
    sequence = f"{(n * 2 + (1 if male else 0)) % 1000:03d}"
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_digit(first17)


def household_rows(
    key: str, division: str = VILLAGE, members: int = 3, overrides: dict[str, str] | None = None
) -> list[list[str]]:
    """Template rows of one household: household columns on the first row only."""
    values = dict(zip(template.HEADERS, template.EXAMPLE_ROWS[0], strict=True))
    head = f"户主{key}".translate(SPELLED)
    values.update({"户编号": key, "村代码": division, "户主姓名": head})
    values.update(overrides or {})
    rows = []
    for index in range(members):
        row = dict(values) if index == 0 else dict.fromkeys(template.HEADERS, "")
        row["户编号"] = key
        male = index != 1
        row.update(
            {
                # The head's 姓名 is the household's 户主姓名 (households.schemas.head_name_problem).
                "姓名": head if index == 0 else f"成员{key}{index}".translate(SPELLED),
                "性别": "男" if male else "女",
                "证件号码": resident_id(male),
                "与户主关系": "户主" if index == 0 else ("配偶" if index == 1 else "之子"),
                "民族": "汉族",
                "健康状况": "健康",
                "劳动能力": "普通劳动力",
            }
        )
        rows.append([row[header] for header in template.HEADERS])
    return rows


def officer(registry, division: str = COUNTY, tier: str = "county", roles: list[str] | None = None):
    headers: dict[str, str] = registry.auth(tier, division, roles or ["officer"])
    return headers


async def upload(registry, content: bytes, name: str = "登记表.csv", headers: dict[str, str] | None = None):
    return await registry.client.post(
        "/imports", files={"file": (name, content)}, headers=headers or officer(registry)
    )


async def finished(registry, import_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    for _ in range(600):
        response = await registry.client.get(f"/imports/{import_id}", headers=headers or officer(registry))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["finished_at"] is not None:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def imported(registry, content: bytes, name: str = "登记表.csv", headers=None) -> dict[str, Any]:
    response = await upload(registry, content, name, headers)
    assert response.status_code == 202, response.text
    return await finished(registry, response.json()["id"], headers)


async def report(registry, import_id: str, headers=None) -> list[dict[str, Any]]:
    response = await registry.client.get(f"/imports/{import_id}/report", headers=headers or officer(registry))
    assert response.status_code == 200, response.text
    lines: list[dict[str, Any]] = response.json()["lines"]
    return lines


async def rows(registry, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with registry.app.state.engine.connect() as connection:
        result = await connection.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def counts(registry) -> dict[str, int]:
    found = {}
    for table in TABLES:
        found[table] = (await rows(registry, f"SELECT count(*) AS n FROM {table}"))[0]["n"]
    return found


# ---- template ------------------------------------------------------------------------------------------


async def test_templates_download_and_parse_back(registry, tmp_path) -> None:
    validator = validation.Validator(COUNTY, registry.app.state.settings.pii_cipher(), ("test", "county"))
    for suffix, file_format in (("xlsx", "xlsx"), ("csv", "csv")):
        response = await registry.client.get(f"/imports/template.{suffix}")
        assert response.status_code == 200
        path = tmp_path / f"template.{suffix}"
        path.write_bytes(response.content)
        assert parsing.detect_format(path, path.name) == file_format
        groups = list(validation.group_rows(parsing.read_rows(path, file_format)))
        assert len(groups) == 1 and len(groups[0].rows) == 2
        checked = validator.check(groups[0])
        assert checked.problems == [] and checked.staged is not None
    workbook = load_workbook(tmp_path / "template.xlsx")
    assert [cell.value for cell in workbook[template.DATA_SHEET][1]] == list(template.HEADERS)
    notes = [row[0] for row in workbook[template.NOTES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert set(template.HEADERS) <= set(notes)
    assert len(workbook[template.DATA_SHEET].data_validations.dataValidation) > 10
    assert response.content.startswith("\ufeff".encode())


# ---- accepted imports ----------------------------------------------------------------------------------


async def test_csv_import_is_applied_and_readable_through_the_api(writable_registry) -> None:
    registry = writable_registry
    content = template.csv_file(
        household_rows("A1") + household_rows("A2", SIBLING, members=2) + household_rows("A3")
    )
    result = await imported(registry, content)
    assert result["status"] == "accepted", result
    assert (result["households_accepted"], result["members_accepted"], result["rows_read"]) == (3, 8, 8)
    assert result["rows_rejected"] == 0

    lines = await report(registry, result["id"])
    assert [line["row"] for line in lines] == list(range(2, 10))
    assert {line["status"] for line in lines} == {"accepted"}
    household_id = lines[0]["household_id"]

    response = await registry.client.get(f"/households/{household_id}", headers=officer(registry))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["division"] == VILLAGE and body["head_name"] == "户主A一"
    assert [m["relation"]["code"] for m in body["members"]] == ["head", "spouse", "son"]
    assert body["members"][1]["sex"]["code"] == "female"
    assert body["other_causes"] == [
        {"code": "lack_capital", "label": "缺资金"},
        {"code": "lack_skills", "label": "缺技术"},
    ]
    assert body["living"]["housing_safety_grade"]["code"] == "C"
    assert body["bank_account"] == "6228480012345678"
    assert body["income_year"] == 2019
    # 3000 + 1500 + 800 + 0 - 600 = 4700 for 3 members
    assert body["per_capita_net_income"] == "1566.67"
    incomes = await registry.client.get(f"/households/{household_id}/incomes", headers=officer(registry))
    assert incomes.json()[0]["net_income"] == "4700.00"
    history = await registry.client.get(f"/households/{household_id}/history", headers=officer(registry))
    entries = history.json()
    assert [entry["action"] for entry in entries] == ["created"]
    assert entries[0]["after"]["members"][0]["id"] == body["members"][0]["id"]
    listed = await registry.client.get("/households", headers=officer(registry))
    assert len(listed.json()["items"]) == 3
    as_of = await registry.client.get(
        f"/households/{household_id}", params={"as_of": entries[0]["at"]}, headers=officer(registry)
    )
    assert as_of.status_code == 200 and as_of.json()["members"][2]["name"] == "成员A一二"


async def test_xlsx_import_and_gb18030_csv(writable_registry) -> None:
    registry = writable_registry
    result = await imported(
        registry, template.xlsx_file(household_rows("X1") + household_rows("X2")), "登记表.xlsx"
    )
    assert result["status"] == "accepted", str(await report(registry, result["id"]))
    assert result["format"] == "xlsx" and result["households_accepted"] == 2

    # Without the BOM the template writes: a GB18030 file from an older system has none.
    gb = template.csv_file(household_rows("G1")).decode("utf-8-sig").encode("gb18030")
    result = await imported(registry, gb, "登记表-gbk.csv")
    assert result["status"] == "accepted", str(await report(registry, result["id"]))


async def test_events_one_created_per_household_with_division_and_no_full_ids(writable_registry) -> None:
    registry = writable_registry
    file_rows = household_rows("E1") + household_rows("E2", SIBLING)
    result = await imported(registry, template.csv_file(file_rows))
    assert result["status"] == "accepted"
    events = await rows(
        registry, "SELECT type, division, aggregateid, aggregatetype, topic, payload FROM outbox ORDER BY seq"
    )
    created = [event for event in events if event["type"] == contracts.HOUSEHOLD_CREATED]
    assert len(created) == 2
    assert [event["division"] for event in created] == [VILLAGE, SIBLING]
    full_ids = [row[template.HEADERS.index("证件号码")] for row in file_rows]
    for event in events:
        raw = str(event["payload"])
        assert not any(full in raw for full in full_ids)
        envelope = Envelope.model_validate(event["payload"])
        payload = contracts.PAYLOADS[envelope.type].model_validate(envelope.data)
        # Identical in shape to what the single-household path emits (pydantic renders both the same).
        assert envelope.model_dump(mode="json", exclude_none=True) == event["payload"]
        assert payload.model_dump(mode="json") == envelope.data
        assert (
            envelope.subject == f"household/{event['aggregateid']}" and event["aggregatetype"] == "household"
        )
        assert envelope.division == event["division"] and event["topic"] == "fupin.registry.events.v1"
        assert envelope.source == "/fupin/registry" and envelope.actortier == "county"
    data = created[0]["payload"]["data"]
    assert data["member_count"] == 3 and len(data["members"]) == 3
    assert data["members"][0]["resident_id_masked"].startswith("520102")
    assert len(data["members"][0]["resident_id_index"]) == 64
    income = [event for event in events if event["type"] == contracts.HOUSEHOLD_INCOME_RECORDED]
    assert len(income) == 2 and income[0]["payload"]["data"]["net_income"] == "4700.00"


async def test_created_events_name_each_village_and_every_division_above_it(writable_registry) -> None:
    """The place comes from the registry's tree as on the single-household path, looked up once for the
    import (one query for every village the importer may import into), not per household."""
    registry = writable_registry
    file_rows = household_rows("P1") + household_rows("P2", SIBLING) + household_rows("P3")
    result = await imported(registry, template.csv_file(file_rows))
    assert result["status"] == "accepted", str(await report(registry, result["id"]))
    events = await rows(registry, "SELECT type, payload FROM outbox ORDER BY seq")
    above = [
        {"code": "520000000000", "division_name": "贵州省", "placeholder": False},
        {"code": "520100000000", "division_name": "贵阳市", "placeholder": False},
        {"code": COUNTY, "division_name": "南明区", "placeholder": False},
        {"code": "520102016000", "division_name": "新华路街道", "placeholder": False},
    ]
    places = [
        event["payload"]["data"]["place"] for event in events if event["type"] == contracts.HOUSEHOLD_CREATED
    ]
    assert places == [
        [*above, {"code": VILLAGE, "division_name": "纪念塔社区", "placeholder": False}],
        [*above, {"code": SIBLING, "division_name": "新华路社区", "placeholder": False}],
        [*above, {"code": VILLAGE, "division_name": "纪念塔社区", "placeholder": False}],
    ]
    # An importer below the county gets the same names for its own villages.
    township = officer(registry, "520102016000", "township")
    result = await imported(registry, template.csv_file(household_rows("P4", SIBLING)), headers=township)
    assert result["status"] == "accepted", str(await report(registry, result["id"], township))
    (last,) = await rows(
        registry,
        "SELECT payload FROM outbox WHERE type = :t ORDER BY seq DESC LIMIT 1",
        t=contracts.HOUSEHOLD_CREATED,
    )
    assert last["payload"]["data"]["place"] == places[1]


# ---- all or nothing ------------------------------------------------------------------------------------


async def test_one_bad_check_digit_rejects_the_whole_file_and_changes_nothing(writable_registry) -> None:
    registry = writable_registry
    bad = household_rows("B2")
    position = template.HEADERS.index("证件号码")
    good_id = bad[1][position]
    bad[1][position] = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    before = await counts(registry)
    result = await imported(registry, template.csv_file(household_rows("B1") + bad + household_rows("B3")))
    assert result["status"] == "rejected"
    assert (result["rows_rejected"], result["households_rejected"], result["households_accepted"]) == (
        1,
        1,
        0,
    )
    assert await counts(registry) == before

    lines = await report(registry, result["id"])
    rejected = [line for line in lines if line["status"] == "rejected"]
    assert rejected == [
        {
            "row": 6,
            "household_key": "B2",
            "household_id": None,
            "status": "rejected",
            "field": "证件号码",
            "reason": "the resident ID check digit is wrong",
            "reason_zh": "公民身份号码校验码错误",
        }
    ]
    assert {line["status"] for line in lines if line["row"] != 6} == {"not-applied"}
    response = await registry.client.get(
        f"/imports/{result['id']}/report", params={"format": "csv"}, headers=officer(registry)
    )
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:5] == ["行号", "户编号", "状态", "字段", "原因"]
    assert [
        "6",
        "B2",
        "rejected",
        "证件号码",
        "the resident ID check digit is wrong",
        "",
        "公民身份号码校验码错误",
    ] in table


async def test_the_report_keeps_the_lines_of_one_status(writable_registry) -> None:
    registry = writable_registry
    bad = household_rows("S2")
    position = template.HEADERS.index("证件号码")
    bad[1][position] = bad[1][position][:17] + ("0" if bad[1][position][17] != "0" else "1")
    refused = await imported(registry, template.csv_file(household_rows("S1") + bad + household_rows("S3")))
    assert refused["status"] == "rejected"

    async def lines_of(import_id: str, **params: Any) -> list[tuple[int, str]]:
        response = await registry.client.get(
            f"/imports/{import_id}/report", params=params, headers=officer(registry)
        )
        assert response.status_code == 200, response.text
        return [(line["row"], line["status"]) for line in response.json()["lines"]]

    everything = await lines_of(refused["id"])
    assert await lines_of(refused["id"], status="rejected") == [(6, "rejected")]
    assert await lines_of(refused["id"], status="not-applied") == [
        line for line in everything if line[1] == "not-applied"
    ]
    assert await lines_of(refused["id"], status="accepted") == []
    # Paged like the whole report: each page its own lines, the next page after the last row shown.
    first = await registry.client.get(
        f"/imports/{refused['id']}/report",
        params={"status": "not-applied", "limit": 10},
        headers=officer(registry),
    )
    assert first.json()["next_after_row"] is None  # eight lines fit in one page of ten

    csv_report = await registry.client.get(
        f"/imports/{refused['id']}/report",
        params={"format": "csv", "status": "rejected"},
        headers=officer(registry),
    )
    table = list(csv.reader(io.StringIO(csv_report.text.lstrip("\ufeff"))))
    assert [row[:3] for row in table[1:]] == [["6", "S2", "rejected"]]

    applied = await imported(registry, template.csv_file(household_rows("S4")))
    assert applied["status"] == "accepted"
    assert await lines_of(applied["id"], status="rejected") == []
    assert await lines_of(applied["id"], status="not-applied") == []
    assert {status for _, status in await lines_of(applied["id"], status="accepted")} == {"accepted"}

    unknown = await registry.client.get(
        f"/imports/{applied['id']}/report", params={"status": "ok"}, headers=officer(registry)
    )
    assert unknown.status_code == 422


async def test_the_csv_report_never_hands_a_formula_to_a_spreadsheet(writable_registry) -> None:
    registry = writable_registry
    rows = household_rows("=HYPERLINK(A1)")
    rows[1][template.HEADERS.index("证件号码")] = "52010219900101001X"  # a wrong check digit: rejected
    result = await imported(registry, template.csv_file(rows))
    assert result["status"] == "rejected"
    response = await registry.client.get(
        f"/imports/{result['id']}/report", params={"format": "csv"}, headers=officer(registry)
    )
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {row[1] for row in table[1:]} == {"'=HYPERLINK(A1)"}
    # The JSON report keeps the key exactly as the file spelled it.
    assert {line["household_key"] for line in await report(registry, result["id"])} == {"=HYPERLINK(A1)"}


async def test_file_problems_and_household_rules_are_reported_per_row(writable_registry) -> None:
    registry = writable_registry
    two_heads = household_rows("R1")
    two_heads[2][template.HEADERS.index("与户主关系")] = "户主"
    differs = household_rows("R2")
    differs[1][template.HEADERS.index("组")] = "五组"
    bad_cause = household_rows(
        "R3", overrides={"主要致贫原因": "因穷", "其他致贫原因": "缺资金、缺技术、缺劳力"}
    )
    result = await imported(registry, template.csv_file(two_heads + differs + bad_cause))
    assert result["status"] == "rejected"
    reasons = {
        (line["household_key"], line["field"], line["reason"])
        for line in await report(registry, result["id"])
    }
    assert ("R1", "与户主关系", "exactly one member must be the head of household") in reasons
    assert ("R2", "组", "differs from the household's first row") in reasons
    assert ("R3", "主要致贫原因", "“因穷” is not one of the allowed values") in reasons
    assert ("R3", "其他致贫原因", "at most 2 other causes") in reasons

    missing = template.csv_file([]).replace("证件号码,".encode(), b"")
    result = await imported(registry, missing, "missing.csv")
    assert result["status"] == "rejected"
    lines = await report(registry, result["id"])
    assert lines[0]["row"] == 1 and lines[0]["field"] == "证件号码"


async def test_reimporting_the_same_file_changes_nothing(writable_registry) -> None:
    registry = writable_registry
    content = template.csv_file(household_rows("D1") + household_rows("D2"))
    first = await imported(registry, content)
    assert first["status"] == "accepted"
    # The applied file is one entry of the chain (its events are written by a statement each), naming it.
    audited = await rows(registry, "SELECT actor, action, subject, division, detail FROM audit_log")
    assert audited == [
        {
            "actor": "test-user",
            "action": "import.applied",
            "subject": f"import/{first['id']}",
            "division": COUNTY,
            "detail": {"households": 2, "members": first["members_accepted"]},
        }
    ]
    before = await counts(registry)
    other_user = registry.auth("county", COUNTY, ["cadre"])
    again = await imported(registry, content, "copy.csv", other_user)
    assert again["status"] == "duplicate-of" and again["duplicate_of"] == first["id"]
    assert again["households_accepted"] == 2 and again["id"] != first["id"]
    assert await counts(registry) == before

    # A township cannot see its county's import: the same bytes are an import of its own (its people are
    # already registered, so nothing is applied), and the answer does not name the county's import.
    township = registry.auth("township", "520102016000", ["cadre"])
    own = await imported(registry, content, "copy.csv", township)
    assert own["status"] == "rejected" and own["duplicate_of"] is None
    assert first["id"] not in str(own)
    assert await counts(registry) == before

    # A different file with a household already present: its people are refused, nothing is applied.
    rows_again = list(csv.reader(io.StringIO(content.decode())))[1:4] + household_rows("D3")
    overlap = template.csv_file(rows_again)
    result = await imported(registry, overlap)
    assert result["status"] == "rejected"
    refused = [line for line in await report(registry, result["id"]) if line["status"] == "rejected"]
    assert {line["reason"] for line in refused} == {"this person already belongs to a household"}
    assert [line["row"] for line in refused] == [2, 3, 4]
    assert await counts(registry) == before


async def test_same_person_twice_in_one_file_is_rejected(writable_registry) -> None:
    registry = writable_registry
    first = household_rows("P1")
    second = household_rows("P2")
    position = template.HEADERS.index("证件号码")
    second[2][position] = first[2][position]
    result = await imported(registry, template.csv_file(first + second))
    assert result["status"] == "rejected"
    refused = [line for line in await report(registry, result["id"]) if line["status"] == "rejected"]
    assert [(line["row"], line["field"]) for line in refused] == [(7, "证件号码")]
    assert refused[0]["reason"] == "this person already appears at row 4 of this file"


# ---- jurisdiction --------------------------------------------------------------------------------------


async def test_rows_outside_the_callers_jurisdiction_are_rejected(writable_registry) -> None:
    registry = writable_registry
    cadre = registry.auth("village", VILLAGE, ["cadre"])
    before = await counts(registry)
    content = template.csv_file(
        household_rows("J1") + household_rows("J2", SIBLING) + household_rows("J3", "520102016999")
    )
    result = await imported(registry, content, headers=cadre)
    assert result["status"] == "rejected"
    lines = await report(registry, result["id"], cadre)
    outside = [line for line in lines if line["status"] == "rejected"]
    # Every row of the sibling's and the unknown village's households; nothing else is said about them.
    assert [line["row"] for line in outside] == [5, 6, 7, 8, 9, 10]
    assert {(line["field"], line["reason"]) for line in outside} == {("村代码", "outside your jurisdiction")}
    assert await counts(registry) == before

    # The import itself is visible inside the importer's subtree only.
    assert (
        await registry.client.get(f"/imports/{result['id']}", headers=officer(registry))
    ).status_code == 200
    sibling = registry.auth("village", SIBLING, ["cadre"])
    assert (await registry.client.get(f"/imports/{result['id']}", headers=sibling)).status_code == 404
    assert (await registry.client.get(f"/imports/{result['id']}/report", headers=sibling)).status_code == 404


async def test_only_village_township_county_cadres_and_officers_may_import(writable_registry) -> None:
    registry = writable_registry
    content = template.csv_file(household_rows("K1"))
    viewer = registry.auth("county", COUNTY, ["viewer"])
    assert (await upload(registry, content, headers=viewer)).status_code == 403
    province = registry.auth("province", "520000000000", ["officer"])
    assert (await upload(registry, content, headers=province)).status_code == 403
    assert (await registry.client.post("/imports", files={"file": ("a.csv", content)})).status_code == 401


async def test_unknown_village_inside_the_jurisdiction_is_rejected(writable_registry) -> None:
    registry = writable_registry
    result = await imported(registry, template.csv_file(household_rows("U1", "520102016999")))
    assert result["status"] == "rejected"
    lines = await report(registry, result["id"])
    assert (
        lines[0]["field"] == "村代码" and lines[0]["reason"] == "not a current village of the division tree"
    )


async def test_person_registered_in_another_province_is_rejected_without_saying_where(
    writable_registry,
) -> None:
    registry = writable_registry
    rows_ = household_rows("W1")
    person = rows_[1][template.HEADERS.index("证件号码")]
    beijing = registry.auth("village", BEIJING_VILLAGE, ["cadre"])
    body = {
        "division": BEIJING_VILLAGE,
        "village_group": "一组",
        "address": "东城区某街1号",
        "head_name": "王五",
        "identification_standard": "national",
        "attribute": "general",
        "main_cause": "illness",
        "members": [
            {"name": "王五", "sex": "female", "resident_id": person, "relation": "head", "health": "healthy",
             "labour_capacity": "ordinary"},
        ],
    }  # fmt: skip
    response = await registry.client.post("/households", json=body, headers=beijing)
    assert response.status_code == 201, response.text
    before = await counts(registry)
    result = await imported(registry, template.csv_file(rows_))
    assert result["status"] == "rejected"
    response = await registry.client.get(f"/imports/{result['id']}/report", headers=officer(registry))
    refused = [line for line in response.json()["lines"] if line["status"] == "rejected"]
    assert refused == [
        {
            "row": 3,
            "household_key": "W1",
            "household_id": None,
            "status": "rejected",
            "field": "证件号码",
            "reason": "this person already belongs to a household",
            "reason_zh": "此人已属于某一户",
        }
    ]
    assert "110101" not in response.text and "北京" not in response.text and "东城" not in response.text
    assert await counts(registry) == before


async def test_live_import_insert_survives_generic_plans_on_one_connection(writable_registry) -> None:
    """The ON CONFLICT arbiter is the partial unique index: its predicate must stay provable after
    PostgreSQL switches a connection's prepared statement to a generic plan (after five executions)."""
    registry = writable_registry
    async with registry.app.state.sessionmaker() as session, session.begin():
        await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        for serial in range(8):
            values = {
                "id": uuid.uuid4(),
                "sha256": f"{serial:064x}",
                "filename": f"登记表-{serial}.csv",
                "format": "csv",
                "size_bytes": 1,
                "status": "received",
                "actor": "user:test",
                "actor_tier": "county",
                "actor_division": COUNTY,
            }
            assert await repository.insert_import(session, values) is True
            # The same bytes from the same division again: the index refuses it, quietly.
            assert await repository.insert_import(session, {**values, "id": uuid.uuid4()}) is False


async def test_a_person_recorded_as_deceased_is_refused_by_the_import(writable_registry) -> None:
    registry = writable_registry
    rows_ = household_rows("X1")
    person = rows_[1][template.HEADERS.index("证件号码")]
    cadre = registry.auth("village", VILLAGE, ["cadre"])
    body = {
        "division": VILLAGE, "village_group": "一组", "address": "某街1号", "head_name": "王五",
        "identification_standard": "national", "attribute": "general", "main_cause": "illness",
        "members": [
            {"name": "王五", "sex": "male", "resident_id": resident_id(), "relation": "head", "health": "healthy",
             "labour_capacity": "ordinary"},
            {"name": "李四", "sex": "female", "resident_id": person, "relation": "mother", "health": "healthy",
             "labour_capacity": "ordinary"},
        ],
        "registered_on": "2020-01-01",
    }  # fmt: skip
    response = await registry.client.post("/households", json=body, headers=cadre)
    assert response.status_code == 201, response.text
    mother = response.json()["members"][1]["id"]
    died = await registry.client.post(
        f"/households/{response.json()['id']}/members/{mother}/death",
        json={"died_on": "2024-06-01", "reason": "病故"},
        headers=cadre,
    )
    assert died.status_code == 200, died.text
    before = await counts(registry)
    result = await imported(registry, template.csv_file(rows_))
    assert result["status"] == "rejected"
    refused = [line for line in await report(registry, result["id"]) if line["status"] == "rejected"]
    assert [(line["row"], line["field"], line["reason"]) for line in refused] == [
        (3, "证件号码", "this person is recorded as deceased")
    ]
    assert await counts(registry) == before


async def test_an_import_with_an_income_year_beyond_next_year_is_rejected(writable_registry) -> None:
    registry = writable_registry
    rows = household_rows("F1", overrides={"年度": str(china_today().year + 2), "工资性收入": "1000"})
    result = await imported(registry, template.csv_file(rows))
    assert result["status"] == "rejected"
    problems = [line for line in await report(registry, result["id"]) if line["status"] == "rejected"]
    assert [(line["field"], line["reason"]) for line in problems] == [
        ("年度", "the income year is too far ahead (at most next year)")
    ]


async def test_an_import_file_may_exceed_the_json_body_limit_but_a_json_command_may_not(writable_registry):
    """The import route declares its own limit (body_limits.UPLOAD_MAX_BYTES): a 2 MB file is taken (and
    then judged on its content), while a 2 MB household document is refused with a 413 problem."""
    registry = writable_registry
    big_file = ("户编号,村代码\n" + "x,y\n" * 500_000).encode()
    assert len(big_file) > registry.app.state.settings.max_body_bytes
    response = await upload(registry, big_file)
    assert response.status_code == 202, response.text
    result = await finished(registry, response.json()["id"])
    assert result["status"] == "rejected"
    before = await counts(registry)
    refused = await registry.client.post(
        "/households",
        json={"village": VILLAGE, "head_name": "张" * 1_000_000},
        headers=officer(registry),
    )
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await counts(registry) == before


async def _rejections(registry, content: bytes, name: str = "登记表.csv") -> set[tuple[str, str, str]]:
    before = await counts(registry)
    result = await imported(registry, content, name)
    assert result["status"] == "rejected", result
    assert await counts(registry) == before
    return {
        (line["household_key"], line["field"], line["reason"])
        for line in await report(registry, result["id"])
        if line["status"] == "rejected"
    }


async def test_a_head_name_that_is_not_the_head_members_is_refused_as_by_the_api(writable_registry) -> None:
    registry = writable_registry
    other = household_rows("M1", overrides={"户主姓名": "王五"})  # the head member is 户主M一
    reasons = await _rejections(registry, template.csv_file(other + household_rows("M2")))
    assert reasons == {("M1", "户主姓名", HEAD_NAME_RULE)}


async def test_cells_no_person_typed_are_rejected_with_their_row_and_field(writable_registry) -> None:
    """A NUL (which PostgreSQL text cannot hold) and a spreadsheet error value (a failed VLOOKUP saved as
    #N/A) are named in the report, row and field, instead of failing the whole import or filing "#REF!"
    as somebody's name."""
    registry = writable_registry
    nul = household_rows("N1", overrides={"地址": "中寨\x00组"})
    reasons = await _rejections(registry, template.csv_file(nul))
    assert ("N1", "地址", "the cell holds a NUL or an unreadable character") in reasons

    errors = household_rows("E1", overrides={"户主姓名": "#REF!", "组": "#N/A"})
    errors[1][template.HEADERS.index("姓名")] = "#VALUE!"
    reasons = await _rejections(registry, template.xlsx_file(errors), "登记表.xlsx")
    assert {(field, reason) for _, field, reason in reasons} >= {
        ("户主姓名", "the cell holds a spreadsheet error (#REF!), not a value"),
        ("组", "the cell holds a spreadsheet error (#N/A), not a value"),
        ("姓名", "the cell holds a spreadsheet error (#VALUE!), not a value"),
    }
    # A '#' inside a value is ordinary text (an address's building number).
    kept = household_rows("E2", overrides={"地址": "中寨组3#楼"})
    assert (await imported(registry, template.csv_file(kept)))["status"] == "accepted"


async def test_dates_and_years_the_api_refuses_are_refused_by_the_import_too(writable_registry) -> None:
    registry = writable_registry
    early = household_rows("D1", overrides={"登记日期": "1990-12-31"})
    built = household_rows("D2", overrides={"建房年份": str(china_today().year + 1)})
    reasons = await _rejections(registry, template.csv_file(early + built))
    assert ("D1", "登记日期", "the date is before 2013-01-01, when 建档立卡 began") in reasons
    assert ("D2", "建房年份", "the year is in the future") in reasons


async def test_a_column_given_twice_rejects_the_file(writable_registry) -> None:
    """Two 证件号码 columns (or 证件号码 and its alias 身份证号): which one holds the person is a guess."""
    registry = writable_registry
    content = template.csv_file(household_rows("C1")).decode("utf-8-sig")
    header, rest = content.split("\r\n", 1) if "\r\n" in content else content.split("\n", 1)
    doubled = f"{header},身份证号\n" + "".join(f"{line},{resident_id()}\n" for line in rest.splitlines())
    result = await imported(registry, doubled.encode())
    assert result["status"] == "rejected"
    lines = await report(registry, result["id"])
    assert lines[0]["field"] == "证件号码" and "appears twice" in lines[0]["reason"]


async def test_ids_and_phones_in_an_import_are_masked_above_the_county(writable_registry) -> None:
    """A county's import is readable by the tiers above it, and files are named after people, households
    numbered by the head's ID, and a shifted column quotes an ID or a mobile in the reason: above the county
    the status and the report (JSON and CSV) show them masked; the importing county sees them as they are."""
    registry = writable_registry
    head_id, member_id = resident_id(), resident_id()
    rows = household_rows(head_id)
    rows[1][template.HEADERS.index("与户主关系")] = member_id
    rows[2][template.HEADERS.index("民族")] = "13912345678"
    name = f"韦七户_{member_id}_电话13577778888.csv"
    result = await imported(registry, template.csv_file(rows), name)
    assert result["status"] == "rejected" and result["filename"] == name

    def masked(number: str) -> str:
        return number[:6] + "********" + number[-4:]

    full = (head_id, member_id, "13912345678", "13577778888")
    for tier, division in (
        ("city", "520100000000"),
        ("province", "520000000000"),
        ("nation", "000000000000"),
    ):
        headers = registry.auth(tier, division, ["viewer"])
        status = await registry.client.get(f"/imports/{result['id']}", headers=headers)
        page = await registry.client.get(f"/imports/{result['id']}/report", headers=headers)
        table = await registry.client.get(
            f"/imports/{result['id']}/report", params={"format": "csv"}, headers=headers
        )
        for response in (status, page, table):
            assert response.status_code == 200, response.text
            assert not any(number in response.text for number in full), response.request.url
        assert status.json()["filename"] == f"韦七户_{masked(member_id)}_电话135****8888.csv"
        lines = page.json()["lines"]
        assert {line["household_key"] for line in lines} == {masked(head_id)}
        reasons = {(line["field"], line["reason"]) for line in lines}
        assert ("与户主关系", f"“{masked(member_id)}” is not one of the allowed values") in reasons
        assert ("民族", "“139****5678” is not one of the allowed values") in reasons
        assert masked(head_id) in table.text and masked(member_id) in table.text

    county = await report(registry, result["id"])
    assert {line["household_key"] for line in county} == {head_id}
    assert ("与户主关系", f"“{member_id}” is not one of the allowed values") in {
        (line["field"], line["reason"]) for line in county
    }
    table = await registry.client.get(
        f"/imports/{result['id']}/report", params={"format": "csv"}, headers=officer(registry)
    )
    assert head_id in table.text and "13912345678" in table.text


async def test_typed_texts_of_a_file_follow_the_apis_rules(writable_registry) -> None:
    """A file may not bring in what the API refuses in a name, an address, a 组 or a bank name: a zero-width
    space alone, a right-to-left override. A line break inside a cell (Alt+Enter) is read as a space."""
    registry = writable_registry
    blank = household_rows("T1", overrides={"组": "\u200b"})
    reversed_name = household_rows("T2", overrides={"开户银行": "农村\u202e信用社"})
    reasons = await _rejections(registry, template.csv_file(blank + reversed_name))
    fields = {(key, field) for key, field, _ in reasons}
    assert ("T1", "组") in fields and ("T2", "开户银行") in fields
    assert any("U+202E" in reason for _, _, reason in reasons)
    broken = household_rows("T3", overrides={"地址": "古州镇\n车民社区 3 号"})
    result = await imported(registry, template.csv_file(broken))
    assert result["status"] == "accepted", result
    stored = await rows(registry, "SELECT address FROM households")
    assert [row["address"] for row in stored] == ["古州镇 车民社区 3 号"]


async def test_a_name_holding_digits_is_rejected_with_its_row_and_field(writable_registry) -> None:
    """A person's name holds no digit, as for the API (fupin_kit.text_rules.person_name_rule): names are not
    masked above the county, so 张三110101199003071234 would carry an ID past the masking. Full-width digits
    are read as digits (the cell's normal form); middle dots in a minority name stay allowed."""
    registry = writable_registry
    head = household_rows("P1", overrides={"户主姓名": "张三110101199003071234"})
    head[0][template.HEADERS.index("姓名")] = "张三110101199003071234"
    member = household_rows("P2")
    member[1][template.HEADERS.index("姓名")] = "李四１３８１２３４５６７８"
    dotted = household_rows("P3", overrides={"户主姓名": "阿依古丽·买买提"})
    dotted[0][template.HEADERS.index("姓名")] = "阿依古丽·买买提"
    reasons = await _rejections(registry, template.csv_file(head + member + dotted))
    digit = "contains the digit U+0031 DIGIT ONE: a person's name holds no digit"
    assert reasons == {("P1", "户主姓名", digit), ("P1", "姓名", digit), ("P2", "姓名", digit)}

    result = await imported(registry, template.csv_file(dotted))
    assert result["status"] == "accepted", result
    stored = await rows(registry, "SELECT name FROM household_members ORDER BY name")
    assert "阿依古丽·买买提" in [row["name"] for row in stored]


async def test_progress_shows_the_rows_read_while_the_file_is_checked(writable_registry, monkeypatch) -> None:
    """Rows read were written at most once a second while staging, and the last ones only at the end:
    during the checks and the apply a client saw 0 rows read (a small file's always)."""
    registry = writable_registry
    seen: list[tuple[str, int, int]] = []
    run_checks = repository.run_checks

    async def observed(driver: Any, import_id: Any, *args: Any) -> None:
        (row,) = await rows(
            registry, "SELECT status, rows_read, households_read FROM imports WHERE id = :id", id=import_id
        )
        seen.append((row["status"], row["rows_read"], row["households_read"]))
        await run_checks(driver, import_id, *args)

    monkeypatch.setattr(repository, "run_checks", observed)
    # Every chunk staged within the throttle's second, as the last chunks of any file are.
    monkeypatch.setattr(import_service, "PROGRESS_EVERY_S", 3600.0)
    content = template.csv_file(household_rows("P1") + household_rows("P2", members=2))
    result = await imported(registry, content)
    assert result["status"] == "accepted", result
    assert seen == [("validating", 5, 2)]
