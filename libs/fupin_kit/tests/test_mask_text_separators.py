"""Free text read above the county masks a mobile or ID number however its groups were separated (brackets,
em/en dashes, tildes, colons, commas, one digit at a time) and in whatever script its digits were typed
(Arabic-Indic, Devanagari, full-width), while dates, amounts, house numbers and lists of years stay as
written (QA7 quality-security F1)."""

from __future__ import annotations

import pytest

from fupin_kit.pii import check_digit, mask_text, mask_texts

FIRST17 = "52263319920518613"
RID = FIRST17 + check_digit(FIRST17)
HEAD, BIRTH, TAIL = RID[:6], RID[6:14], RID[14:]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("(139)2319-4233", "(139)****-4233"),
        ("(139) 2319 4233", "(139) **** 4233"),
        ("（139）2319 4233", "（139）**** 4233"),
        ("+86 (139) 2319-4233", "+86 (139) ****-4233"),
        ("1 3 9 2 3 1 9 4 2 3 3", "1 3 9 * * * * 4 2 3 3"),
        ("1-3-9-2-3-1-9-4-2-3-3", "1-3-9-*-*-*-*-4-2-3-3"),
        ("139—2319—4233", "139—****—4233"),
        ("139–2319–4233", "139–****–4233"),
        ("139 — 2319 — 4233", "139 — **** — 4233"),
        ("139~2319~4233", "139~****~4233"),
        ("139～2319～4233", "139～****～4233"),
        ("139:2319:4233", "139:****:4233"),
        ("139,2319,4233", "139,****,4233"),
        ("139，2319，4233", "139，****，4233"),
        ("139_2319_4233", "139_****_4233"),
        ("1392 3194 233", "139* ***4 233"),
        ("tel139-2319-4233", "tel139-****-4233"),
        ("13923194233".translate(ARABIC_INDIC), "139****4233".translate(ARABIC_INDIC)),
        ("139 2319 4233".translate(ARABIC_INDIC), "139 **** 4233".translate(ARABIC_INDIC)),
        ("13923194233".translate(DEVANAGARI), "139****4233".translate(DEVANAGARI)),
        ("13923194233".translate(FULL_WIDTH), "139****4233".translate(FULL_WIDTH)),
        ("139—2319—4233".translate(FULL_WIDTH), "139—****—4233".translate(FULL_WIDTH)),
        (f"{HEAD}—{BIRTH}—{TAIL}", f"{HEAD}—********—{TAIL}"),
        (f"{HEAD}, {BIRTH}, {TAIL}", f"{HEAD}, ********, {TAIL}"),
        (f"({HEAD}) {BIRTH} {TAIL}", f"({HEAD}) ******** {TAIL}"),
        ("522633—19571025—483X", "522633—********—483X"),
        (RID.translate(ARABIC_INDIC), f"{HEAD}********{TAIL}".translate(ARABIC_INDIC)),
        # A grouped ID whose first eleven digits look like a grouped mobile is masked as the ID it is.
        ("130 1021 9900 1011 237", "130 102* **** ***1 237"),
        ("0769—22123456", "0769—****3456"),
        ("（0769）22123456", "（0769）****3456"),
        ("6228—4800—2123—4567", "****—****—****—4567"),
    ],
)
def test_a_number_however_separated_or_written_is_masked(typed: str, masked: str) -> None:
    text = f"户主电话：{typed}，已核实"
    assert mask_text(text) == f"户主电话：{masked}，已核实"
    assert mask_texts({"note": [text]}) == {"note": [f"户主电话：{masked}，已核实"]}


@pytest.mark.parametrize(
    "untouched",
    [
        "2026-11-27",
        "2026-11-27 13:45:12.123456+08:00，共 3000.50 元",
        "补助 3000.50 元，2026—11—27 发放，12-3-401 室",
        "2019, 2020, 2021",
        "2019, 2020, 2021, 2022 年度均已核实",
        "2019、2020、2021、2022、2023",
        "2019～2021 年，3组45号，共 13 户 52 人",
        "金额 13,000,000,000 元，13 000 000 000 元，13，000，000，000 元",
        "版本 1.3.8 1234 5678",
        "订单 1381234 56789",
        "评分 1, 3, 5, 2, 3 分，4, 4, 2 分",
        "192.168.100.200:54321",
        "2026年11月27日 10:30 入户，1.5 亩，3000.50 元".translate(ARABIC_INDIC),
    ],
)
def test_ordinary_numbers_stay_as_written(untouched: str) -> None:
    assert mask_text(untouched) == untouched


def test_a_text_with_fewer_than_ten_digits_of_any_script_is_returned_as_it_is() -> None:
    nine_digits = "第一二三组 " + "139231942".translate(ARABIC_INDIC)
    assert mask_text(nine_digits) is nine_digits


def test_telemetry_mode_masks_mobiles_but_not_landlines_or_accounts() -> None:
    text = "139—2319—4233 0769—22123456 6228—4800—2123—4567 1732000000123456789"
    assert (
        mask_text(text, accounts=False)
        == "139—****—4233 0769—22123456 6228—4800—2123—4567 1732000000123456789"
    )
