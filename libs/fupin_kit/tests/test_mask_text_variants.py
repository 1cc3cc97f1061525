"""Free text read above the county masks ID and mobile numbers as people type them, not only as one run of
ASCII digits: full-width digits (a Chinese input method), IDs in groups (522633 19920518 6131), mobiles with
the country code or in groups (+8613812345678, 138-1234-5678). Numbers that are not IDs or mobiles (dates,
amounts, division codes, UUIDs, digests) stay as written (QA security-pii §4)."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from fupin_kit.pii import check_digit, mask_text, mask_texts

FIRST17 = "52263319920518613"
RID = FIRST17 + check_digit(FIRST17)
HEAD, BIRTH, TAIL = RID[:6], RID[6:14], RID[14:]
MASKED_RID = f"{HEAD}********{TAIL}"
FULL_WIDTH = str.maketrans("0123456789X+-", "０１２３４５６７８９Ｘ＋－")


def test_the_plain_forms_keep_their_masked_form() -> None:
    assert mask_text(f"身份证{RID}，电话13812345678") == f"身份证{MASKED_RID}，电话138****5678"
    assert mask_text(f"ID{RID} tel 13812345678.") == f"ID{MASKED_RID} tel 138****5678."
    assert mask_texts({"note": [RID, 1]}) == {"note": [MASKED_RID, 1]}


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        (RID.translate(FULL_WIDTH), MASKED_RID.translate(FULL_WIDTH)),
        (f"{HEAD} {BIRTH} {TAIL}", f"{HEAD} ******** {TAIL}"),
        (f"{HEAD}-{BIRTH}-{TAIL}", f"{HEAD}-********-{TAIL}"),
        (f"{HEAD}-{BIRTH[:4]}-{BIRTH[4:]}-{TAIL}", f"{HEAD}-****-****-{TAIL}"),
        (f"{HEAD} {BIRTH[:4]} {BIRTH[4:]} {TAIL}", f"{HEAD} **** **** {TAIL}"),
        (f"{HEAD}\u3000{BIRTH}\u3000{TAIL}", f"{HEAD}\u3000********\u3000{TAIL}"),
        (f"{HEAD} {BIRTH} {TAIL}".translate(FULL_WIDTH), f"{HEAD} ******** {TAIL}".translate(FULL_WIDTH)),
        ("522633 19571025 483X", "522633 ******** 483X"),
        ("+8613812345678", "+86138****5678"),
        ("8613812345678", "86138****5678"),
        ("008613812345678", "0086138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+86-138-1234-5678", "+86-138-****-5678"),
        ("86-13812345678", "86-138****5678"),
        ("138-1234-5678", "138-****-5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("138 12345678", "138 ****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("＋８６ １３８ １２３４ ５６７８", "＋８６ １３８ **** ５６７８"),
        ("＋８６１３８１２３４５６７８", "＋８６１３８****５６７８"),
        ("１３８－１２３４－５６７８", "１３８－****－５６７８"),
        ("138.1234.5678", "138.****.5678"),
        ("１３８．１２３４．５６７８", "１３８．****．５６７８"),
        (f"{HEAD}.{BIRTH}.{TAIL}", f"{HEAD}.********.{TAIL}"),
        (f"{HEAD}.{BIRTH[:4]}.{BIRTH[4:]}.{TAIL}", f"{HEAD}.****.****.{TAIL}"),
        (f"{HEAD}{BIRTH[:4]}/{BIRTH[4:]}{TAIL}", f"{HEAD}****/****{TAIL}"),
        # Touching Latin letters (QA6 masking §2), and the other personal numbers of QA6 masking §1: a
        # landline keeps its area code, a bank account its last four digits.
        ("tel13812345678", "tel138****5678"),
        (f"证{RID}abc", f"证{MASKED_RID}abc"),
        ("座机 0769-22123456", "座机 0769-****3456"),
        ("0851-8123 4567", "0851-**** 4567"),
        ("(010)62345678", "(010)****5678"),
        ("卡号 6228480021234567890", "卡号 ***************7890"),
        ("卡号6228480012345678", "卡号************5678"),
        ("6228 4800 2123 4567 890", "**** **** **** ***7 890"),
        ("6228-4800-2123-4567", "****-****-****-4567"),
    ],
)
def test_typed_variants_are_masked(typed: str, masked: str) -> None:
    text = f"户主身份证和电话：{typed}，已核实"
    assert mask_text(text) == f"户主身份证和电话：{masked}，已核实"


def test_a_date_before_a_grouped_id_does_not_hide_it() -> None:
    assert mask_text(f"2026-11-27 {HEAD} {BIRTH} {TAIL}") == f"2026-11-27 {HEAD} ******** {TAIL}"
    assert mask_text("电话 138-1234-5678 / 139 8765 4321") == "电话 138-****-5678 / 139 **** 4321"


@pytest.mark.parametrize(
    "untouched",
    [
        "2026-11-27",
        "2026-11-27 至 2026-12-31，2025 年 11 月 27 日",
        "金额 12,345.67 元，13 000 000 000 元，1 380 000 元，人均 13812 元",
        "划 522633101002 与 522633101003",
        "522633101002 198701",  # a division code and a number: 18 digits, but no birth date inside
        "522633-101002-198701",
        "520102 2099 0101 0001",  # a birth date in the future
        "990102 1992 0518 6131",  # no province has region code 99
        "520102 1992 1345 6131",  # month 13
        "订单 1381234 56789",
        "12345678-1234-4123-8123-123456789012",
        "550e8400-e29b-41d4-a716-446655440000",
        str(uuid.UUID("13812345-6781-3814-8345-678138123456")),
        hashlib.sha256(b"fupin").hexdigest(),
        hashlib.blake2b(b"fupin", digest_size=16).hexdigest(),
        "git 6423cc7 e3b0c442 98fc1c14 9afbf4c8 996fb924",
        "版本 1.3.8 1234 5678",
        "版本 1.3.8.1234.5678",
        "人均 13812.34 元，共 5678.90 元",
    ],
)
def test_numbers_that_are_not_ids_or_mobiles_stay(untouched: str) -> None:
    assert mask_text(untouched) == untouched
