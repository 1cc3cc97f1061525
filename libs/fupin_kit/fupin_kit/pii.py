"""Personal data at rest: resident ID numbers encrypted with AES-GCM, plus a keyed blind index (HMAC-SHA256)
that carries the uniqueness constraint and the lookups, so the database never sees a plain ID number.

Keys come from FUPIN_PII_KEY (base64, 32 bytes) – the same key in every process of one deployment, since a
person must be recognised across services. The embedded default derives a stable development key from the
state directory's secret file; production sets the variable from a secret store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fupin_kit.civil_time import china_today

ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
NONCE_BYTES = 12
# The address code's province part (digits 1–2, GB/T 2260): the 31 province-level divisions of the
# mainland, exactly the provinces of the registry's 2023 division tree (divisions-2023.csv.gz).
MAINLAND_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
)
# 港澳台居民居住证 numbers (issued since 2018-09, GB 11643 form, check digit included) carry one fixed
# address code each: 810000 香港, 820000 澳门, 830000 台湾. A spouse from there may live in a household on
# file, so these are accepted, with exactly that address code. 71 (台湾省 in GB/T 2260) is refused: no
# identity number is issued with it (a Taiwan resident's permit number starts 830000), and 81/82 with
# any other address code names no issuing authority.
RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})
# Nobody born before 1900 is alive to be registered (126 years old in 2026; the oldest verified age is
# 122): an earlier year is a typing error (18xx for 19xx).
EARLIEST_BIRTH_YEAR = 1900


class InvalidResidentId(ValueError):
    pass


def region_problem(resident_id: str) -> str | None:
    """Why the address code (digits 1–6) of a well-formed 18-digit ID names no issuing region, or None.
    Only the province part is checked: an ID keeps the county code it was issued under, which may have
    been abolished or renumbered since (the 2023 tree does not hold every past county)."""
    if resident_id[:2] in MAINLAND_PROVINCES or resident_id[:6] in RESIDENCE_PERMIT_REGIONS:
        return None
    if resident_id[:2] in ("81", "82", "83"):
        return "a 港澳台 residence permit number starts with 810000, 820000 or 830000"
    return "the resident ID region code (digits 1-2) is not a province of China"


def birth_problem(born: date, today: date) -> str | None:
    """Why an ID's (real) birth date cannot be a living person's, or None."""
    if born > today:
        return "the resident ID birth date is in the future"
    if born.year < EARLIEST_BIRTH_YEAR:
        return f"the resident ID birth date is before {EARLIEST_BIRTH_YEAR}"
    return None


def check_digit(first17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date(resident_id: str) -> date:
    return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))


def validate_resident_id(value: str) -> str:
    """Normalise and check an 18-digit resident ID: format, check digit, a province's region code
    (region_problem) and a real birth date from 1900 to today (birth_problem)."""
    normalised = value.strip().upper()
    if not ID_PATTERN.match(normalised):
        raise InvalidResidentId("a resident ID has 17 digits and a check digit (0-9 or X)")
    if check_digit(normalised[:17]) != normalised[17]:
        raise InvalidResidentId("the resident ID check digit is wrong")
    problem = region_problem(normalised)
    if problem is not None:
        raise InvalidResidentId(problem)
    try:
        born = birth_date(normalised)
    except ValueError as exc:
        raise InvalidResidentId("the resident ID birth date is not a real date") from exc
    problem = birth_problem(born, china_today())
    if problem is not None:
        raise InvalidResidentId(problem)
    return normalised


def mask_resident_id(value: str) -> str:
    """Keep the region (6) and the last 4: 520102********123X."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    """Keep the first 3 and the last 4 digits: 138****0000 (a short number is starred whole)."""
    if value is None:
        return None
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 10 else "*" * len(value)


# Personal numbers inside free text (a reason, a survey finding, an objection): a resident ID, a mainland
# mobile number, a landline with its area code, or a bank account (a run of 15 to 21 digits not starting
# with 0, which a country code or area code does; a division code has 12), each not part of a longer run of
# digits. Letters may touch them (tel13812345678, 证441900198001012010abc) unless they are a hex identifier:
# inside a UUID or a run of 32 or more hex characters (a digest) the digits are the identifier's, not a
# person's. The patterns read the text narrowed (NARROW, then every other script's digits as ASCII).
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{14,20}(?![0-9])")
# 0769-22123456, 0851 8123 4567, (010)62345678, 010-6234-5678, 0769 — 22123456: the area code (kept: a
# place, not a person) and a local number of 7 or 8 digits, which never starts with 0 or 1.
LANDLINE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:[(\uff08](0[1-9][0-9]{1,2})[)\uff09]|(0[1-9][0-9]{1,2}))[ -]{0,3}[2-9][0-9]{2,3}[ -]{0,3}[0-9]{4}(?![0-9])"
)
HEX_IDENTIFIER = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32,}"
)
MOBILE_WITH_COUNTRY_CODE = re.compile(r"(?<![0-9])(?:\+|00)?86(1[3-9][0-9]{9})(?![0-9])")
# A number typed in groups: runs of digits joined by one to three of the characters people put between
# groups (spaces, dashes, full stops, slashes, commas, colons, tildes, underscores, middle dots, brackets
# around a group, in their ASCII or CJK forms: "(139) 2319-4233", "139 — 2319 — 4233", "1 3 9 2 3 1 9 4 2 3
# 3"). Which runs of such a chain form an ID or a mobile is decided by _number_in_groups: a list of years
# or an amount is a chain too.
GROUP_SEPARATOR = (
    r"[\s.,:;/~_()\[\]\u00b7\-\uff0c\u3001\uff1a\uff1b\uff5e\u301c\uff08\uff09\u3010\u3011\uff3f\u30fb]"
)
GROUPED_NUMBER = re.compile(rf"[0-9]+(?:{GROUP_SEPARATOR}{{1,3}}[0-9]+)+")
DIGIT_RUN = re.compile(r"[0-9]+")
MOBILE_DIGITS = re.compile(r"1[3-9][0-9]{9}")
# Where a mobile number is split when written in groups: after its 3rd and/or 7th digit (3-4-4, 3-8, 7-4)
# or its 4th and/or 8th (4-4-3), or after every digit. Other splits of 11 digits are amounts (13 000 000
# 000), versions and order numbers (1.3.8 1234 5678, 1381234 56789).
MOBILE_SPLITS = (frozenset({3, 7}), frozenset({4, 8}))
# A card number as printed: groups of four digits, the last of one to four, 16 to 19 digits in all. Spaces
# and dashes only: four years in a list ("2019, 2020, 2021, 2022") are groups of four too.
CARD_GROUPS = re.compile(r"(?<![0-9A-Za-z])[0-9]{4}(?:[ ./-][0-9]{4}){3}(?:[ ./-][0-9]{1,4})?(?![0-9A-Za-z])")
# Full-width digits, letters, plus, full stop and slash as a Chinese input method types them, other dashes
# and spaces: read as their ASCII forms, one character for one (so that positions in the text stay the
# same). The CJK commas, colons and brackets are left as they are: GROUP_SEPARATOR names them, and
# narrowing costs a pass over the text when any is in it, which most Chinese sentences would be.
NARROW = str.maketrans(
    {chr(0xFF10 + offset): chr(0x30 + offset) for offset in range(10)}
    | {chr(0xFF21 + offset): chr(0x41 + offset) for offset in range(26)}
    | {chr(0xFF41 + offset): chr(0x61 + offset) for offset in range(26)}
    | dict.fromkeys([*"\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"], "-")
    | dict.fromkeys([*"\u3000\u00a0\u2002\u2003\u2009\u202f"], " ")
    | {"\uff0b": "+", "\uff0e": ".", "\uff0f": "/"}
)
# What _narrowed rewrites: runs of NARROW's characters and of the decimal digits of other scripts
# (Arabic-Indic ٠-٩, Devanagari ०-९, ...; `\d` is Unicode's decimal digits, as str.isdecimal and
# unicodedata.decimal know them).
NARROWABLE = re.compile(
    "(?:[" + "".join(re.escape(chr(code)) for code in sorted(NARROW)) + r"]|(?![0-9])\d)+"
)
DIGIT = re.compile(r"\d")


def _narrow_run(run: re.Match[str]) -> str:
    return "".join(
        str(unicodedata.decimal(character)) if character.isdecimal() else character
        for character in run.group(0).translate(NARROW)
    )


def _narrowed(value: str) -> str:
    """`value` with NARROW applied and every decimal digit as its ASCII digit, one character for one: a
    regular expression finds what to rewrite, a pass of C code over a text that has none of it."""
    return NARROWABLE.sub(_narrow_run, value)


def _keep_ends(number: str, head: int, tail: int) -> str:
    """`number` with its digits (and X, full-width ones too) starred but the first `head` and the last `tail`;
    separators kept."""
    total = sum(character.isalnum() for character in number)
    seen, out = 0, []
    for character in number:
        if character.isalnum():
            seen += 1
            out.append(character if seen <= head or seen > total - tail else "*")
        else:
            out.append(character)
    return "".join(out)


def _plausible_id(digits: str) -> bool:
    """An ID written in groups is masked only when it looks like one (a province's region code and a real
    birth date from 1900 to today): lists of amounts, dates and codes are also groups of digits."""
    if region_problem(digits) is not None:
        return False
    try:
        return birth_problem(birth_date(digits), china_today()) is None
    except ValueError:
        return False


def _mobile_split(lengths: list[int]) -> bool:
    """Whether groups of these lengths split 11 digits as a mobile number is written (MOBILE_SPLITS)."""
    if all(length == 1 for length in lengths):
        return True
    splits = set(accumulate(lengths[:-1]))
    return any(splits <= allowed for allowed in MOBILE_SPLITS)


def _number_in_groups(narrow: str, groups: list[tuple[int, int]]) -> tuple[int, int, int, int] | None:
    """(groups used, end, head, tail) of the ID or mobile number made by the first of `groups` (spans of
    runs of digits in `narrow`) and the ones after it, or None. An ID wins over the mobile number its first
    eleven digits may look like; its check character X follows the last group."""
    digits, lengths = "", []
    mobile: tuple[int, int, int, int] | None = None
    for used, (begin, end) in enumerate(groups, start=1):
        digits += narrow[begin:end]
        lengths.append(end - begin)
        if len(digits) == 17 and narrow[end : end + 1] in ("X", "x") and _plausible_id(digits + "X"):
            return used, end + 1, 6, 4
        if len(digits) == 18 and _plausible_id(digits):
            return used, end, 6, 4
        if (
            len(digits) == 11
            and mobile is None
            and MOBILE_DIGITS.fullmatch(digits)
            and _mobile_split(lengths)
        ):
            mobile = used, end, 3, 4
        if len(digits) >= 18:
            break
    return mobile


def _grouped_numbers(narrow: str, chain: re.Match[str]) -> list[tuple[int, int, int, int]]:
    """(start, end, head, tail) of the IDs and mobile numbers inside one GROUPED_NUMBER match of `narrow`:
    digits but the first `head` and last `tail` to star."""
    groups = [run.span() for run in DIGIT_RUN.finditer(narrow, chain.start(), chain.end())]
    found: list[tuple[int, int, int, int]] = []
    first = 0
    while first < len(groups):
        number = _number_in_groups(narrow, groups[first:])
        if number is None:
            first += 1
            continue
        used, end, head, tail = number
        found.append((groups[first][0], end, head, tail))
        first += used
    return found


# The fewest digits a number mask_text masks can have: a landline (a 3-digit area code and 7 digits).
FEWEST_DIGITS = 10


def _in_hex_identifier(begin: int, end: int, identifiers: list[tuple[int, int]]) -> bool:
    """Whether the span begin:end lies inside one of the UUIDs or digests found at `identifiers`."""
    return any(start <= begin and end <= stop for start, stop in identifiers)


def mask_text(value: str, *, accounts: bool = True) -> str:
    """`value` with every resident ID, mobile number, landline and bank account in it masked as the
    structured fields are (the region and last 4 of an ID, the first 3 and last 4 of a mobile, the area
    code and last 4 of a landline, the last 4 of an account): typed in one run of digits, in the digits of
    any script (full-width, Arabic-Indic, ...), in groups (GROUPED_NUMBER: spaces, dashes, full stops,
    slashes, commas, colons, tildes, brackets around a group, one digit at a time), or (a mobile) after the
    country code. The characters kept are kept as typed, and so is every character outside a number.
    `accounts=False` leaves long runs of digits and landlines alone: in the platform's own telemetry they
    are timestamps and counters, not what people typed."""
    if DIGIT.subn("", value)[1] < FEWEST_DIGITS:
        return value  # most texts (names, places, reasons): one C pass instead of the searches below
    narrow = _narrowed(value)
    spans = [(m.start(), m.end(), 6, 4) for m in RESIDENT_ID_IN_TEXT.finditer(narrow)]
    spans += [(m.start(), m.end(), 3, 4) for m in MOBILE_IN_TEXT.finditer(narrow)]
    spans += [(m.start(1), m.end(1), 3, 4) for m in MOBILE_WITH_COUNTRY_CODE.finditer(narrow)]
    if accounts:
        spans += [(m.start(), m.end(), 0, 4) for m in ACCOUNT_IN_TEXT.finditer(narrow)]
        spans += [(m.start(), m.end(), 0, 4) for m in CARD_GROUPS.finditer(narrow)]
        spans += [
            (m.start(), m.end(), len(m.group(1) or m.group(2)), 4) for m in LANDLINE_IN_TEXT.finditer(narrow)
        ]
    for chain in GROUPED_NUMBER.finditer(narrow):
        spans += _grouped_numbers(narrow, chain)
    if not spans:
        return value
    identifiers = [(m.start(), m.end()) for m in HEX_IDENTIFIER.finditer(narrow)]
    out: list[str] = []
    done = 0
    # The longest of numbers found at one place first (a grouped ID over a mobile number inside it).
    for begin, end, head, tail in sorted(spans, key=lambda span: (span[0], -span[1])):
        if begin < done or _in_hex_identifier(begin, end, identifiers):
            continue  # inside a number already masked, or the digits of a UUID or digest
        out += [value[done:begin], _keep_ends(value[begin:end], head, tail)]
        done = end
    out.append(value[done:])
    return "".join(out)


def mask_texts(value: Any) -> Any:
    """A copy of `value` (JSON-like: dicts, lists, strings) with `mask_text` applied to every string in it,
    dictionary keys included (a key can be typed by a cadre too). Tiers above the county read what cadres
    wrote this way: what people type is not known in advance, so it cannot be masked field by field."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_texts(key): mask_texts(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_texts(item) for item in value]
    return value


def mask_name(name: str) -> str:
    """Keep the surname: 张** ."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


class PiiCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the PII key must be 32 bytes")
        # Separate sub-keys so the blind index cannot be used to attack the encryption key.
        self._encryption_key = hmac.new(key, b"fupin-pii-encryption", hashlib.sha256).digest()
        self._index_key = hmac.new(key, b"fupin-pii-blind-index", hashlib.sha256).digest()
        self._aead = AESGCM(self._encryption_key)

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), b"fupin-pii-v1")

    def decrypt(self, token: bytes) -> str:
        return self._aead.decrypt(token[:NONCE_BYTES], token[NONCE_BYTES:], b"fupin-pii-v1").decode()

    def blind_index(self, value: str) -> bytes:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).digest()


def load_key(explicit: str | None, state_dir: Path) -> bytes:
    """FUPIN_PII_KEY if set; otherwise a development key kept in the state directory."""
    if explicit:
        return base64.b64decode(explicit)
    path = state_dir / "pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(base64.b64encode(os.urandom(32)).decode())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)  # first writer wins; concurrent starters read its key
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return base64.b64decode(path.read_text().strip())
