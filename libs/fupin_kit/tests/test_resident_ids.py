"""Resident ID validation (GB 11643): beyond the check digit, an address code that names a province and a
birth date a living person can have."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin_kit.civil_time import china_today
from fupin_kit.pii import InvalidResidentId, check_digit, validate_resident_id


def number(region: str, born: str, sequence: str = "123") -> str:
    first17 = f"{region}{born}{sequence}"
    return first17 + check_digit(first17)


@pytest.mark.parametrize(
    ("region", "born", "reason"),
    [
        ("000000", "19850814", "not a province"),
        ("999999", "19520209", "not a province"),
        ("100000", "19700101", "not a province"),
        ("190101", "19700101", "not a province"),
        ("660101", "19700101", "not a province"),
        ("710000", "19700101", "not a province"),  # 台湾省's GB/T 2260 code: no ID number carries it
        ("910101", "19700101", "not a province"),
        ("810101", "19700101", "810000, 820000 or 830000"),  # a permit's address code is fixed
        ("820100", "19700101", "810000, 820000 or 830000"),
        ("522635", "18800101", "before 1900"),
        ("522635", "18991231", "before 1900"),
    ],
)
def test_a_number_with_no_province_or_born_before_1900_is_refused(
    region: str, born: str, reason: str
) -> None:
    with pytest.raises(InvalidResidentId, match=reason):
        validate_resident_id(number(region, born))


@pytest.mark.parametrize(
    ("region", "born"),
    [
        ("110101", "19900307"),  # 北京 东城
        ("522635", "19000101"),  # the earliest year accepted
        ("650102", "20100303"),  # 新疆: the last province code
        ("460100", "19751231"),
        ("810000", "19880101"),  # 港澳台居民居住证: 香港, 澳门, 台湾
        ("820000", "19880101"),
        ("830000", "19880101"),
    ],
)
def test_a_number_of_a_province_or_a_permit_born_from_1900_is_accepted(region: str, born: str) -> None:
    value = number(region, born)
    assert validate_resident_id(value.lower()) == value


def test_a_birth_date_in_the_future_is_still_refused() -> None:
    tomorrow = china_today() + dt.timedelta(days=1)  # China's tomorrow: the check's calendar
    with pytest.raises(InvalidResidentId, match="birth date"):
        validate_resident_id(number("520102", f"{tomorrow:%Y%m%d}"))
