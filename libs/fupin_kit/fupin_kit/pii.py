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
from datetime import date
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
# with 0, which a country code or area code does; a division code has 12), each not part of a longer run of digits. Letters may touch them (tel13812345678,
# 证441900198001012010abc) unless they are a hex identifier: inside a UUID or a run of 32 or more hex
# characters (a digest) the digits are the identifier's, not a person's.
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{14,20}(?![0-9])")
# 0769-22123456, 0851 8123 4567, (010)62345678, 010-6234-5678: the area code (kept: a place, not a person)
# and a local number of 7 or 8 digits, which never starts with 0 or 1.
LANDLINE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\((0[1-9][0-9]{1,2})\)|(0[1-9][0-9]{1,2}))[ -]?[2-9][0-9]{2,3}[ -]?[0-9]{4}(?![0-9])"
)
HEX_IDENTIFIER = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32,}"
)
MOBILE_WITH_COUNTRY_CODE = re.compile(r"(?<![0-9])(?:\+|00)?86(1[3-9][0-9]{9})(?![0-9])")
GROUPED_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]+(?:[ ./-][0-9A-Za-z]+)+(?![0-9A-Za-z])")
GROUP = re.compile(r"[0-9A-Za-z]+")
ID_GROUPS = re.compile(r"[0-9]{17}[0-9Xx]")
MOBILE_GROUPS = re.compile(r"1[3-9][0-9]{9}")
# How a mobile number is grouped (3-4-4 and the like); other groupings of 11 digits are amounts and codes.
MOBILE_GROUPINGS = frozenset({(3, 4, 4), (3, 8), (7, 4)})
# A card number as printed: groups of four digits, the last of one to four, 16 to 19 digits in all.
CARD_GROUPS = re.compile(r"(?<![0-9A-Za-z])[0-9]{4}(?:[ ./-][0-9]{4}){3}(?:[ ./-][0-9]{1,4})?(?![0-9A-Za-z])")
# Full-width digits, letters, plus, hyphen and full stop as a Chinese input method types them, other
# dashes and spaces: read as their ASCII forms, one character for one (so that positions in the text stay
# the same).
NARROW = str.maketrans(
    {chr(0xFF10 + offset): chr(0x30 + offset) for offset in range(10)}
    | {chr(0xFF21 + offset): chr(0x41 + offset) for offset in range(26)}
    | {chr(0xFF41 + offset): chr(0x61 + offset) for offset in range(26)}
    | {"\uff0b": "+", "\uff0d": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"}
    | {"\u2212": "-", "\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " "}
    | {"\u202f": " ", "\uff0e": "."}
)


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


def _grouped_numbers(text: str, start: int) -> list[tuple[int, int, int, int]]:
    """(start, end, head, tail) of the IDs and mobile numbers written in groups in `text` (one GROUPED_NUMBER
    match found at `start` of the whole text): digits but the first `head` and last `tail` to star."""
    groups = [(start + group.start(), start + group.end(), group.group(0)) for group in GROUP.finditer(text)]
    found: list[tuple[int, int, int, int]] = []
    first = 0
    while first < len(groups):
        for last in range(first + 1, len(groups)):
            chosen = groups[first : last + 1]
            digits = "".join(group for _, _, group in chosen)
            if len(digits) > 18 or not all(group.isdigit() for _, _, group in chosen[:-1]):
                break
            if ID_GROUPS.fullmatch(digits) and _plausible_id(digits):
                found.append((chosen[0][0], chosen[-1][1], 6, 4))
            elif MOBILE_GROUPS.fullmatch(digits) and tuple(len(g) for _, _, g in chosen) in MOBILE_GROUPINGS:
                found.append((chosen[0][0], chosen[-1][1], 3, 4))
            else:
                continue
            first = last
            break
        first += 1
    return found


# The fewest digits a number mask_text masks can have: a landline (a 3-digit area code and 7 digits).
FEWEST_DIGITS = 10
DROP_DIGITS = str.maketrans(dict.fromkeys([*"0123456789", *(chr(0xFF10 + offset) for offset in range(10))]))


def _in_hex_identifier(begin: int, end: int, identifiers: list[tuple[int, int]]) -> bool:
    """Whether the span begin:end lies inside one of the UUIDs or digests found at `identifiers`."""
    return any(start <= begin and end <= stop for start, stop in identifiers)


def mask_text(value: str, *, accounts: bool = True) -> str:
    """`value` with every resident ID, mobile number, landline and bank account in it masked as the
    structured fields are (the region and last 4 of an ID, the first 3 and last 4 of a mobile, the area
    code and last 4 of a landline, the last 4 of an account): typed in one run of digits, in full-width
    digits, in groups separated by spaces, hyphens, full stops or slashes, or (a mobile) after the country
    code. The characters kept are kept as typed. `accounts=False` leaves long runs of digits and
    landlines alone: in the platform's own telemetry they are timestamps and counters, not what people
    typed."""
    if len(value) - len(value.translate(DROP_DIGITS)) < FEWEST_DIGITS:
        return value  # most texts (names, places, reasons): one C pass instead of the searches below
    narrow = value.translate(NARROW)
    spans = [(m.start(), m.end(), 6, 4) for m in RESIDENT_ID_IN_TEXT.finditer(narrow)]
    spans += [(m.start(), m.end(), 3, 4) for m in MOBILE_IN_TEXT.finditer(narrow)]
    spans += [(m.start(1), m.end(1), 3, 4) for m in MOBILE_WITH_COUNTRY_CODE.finditer(narrow)]
    if accounts:
        spans += [(m.start(), m.end(), 0, 4) for m in ACCOUNT_IN_TEXT.finditer(narrow)]
        spans += [
            (m.start(), m.end(), len(m.group(1) or m.group(2)), 4) for m in LANDLINE_IN_TEXT.finditer(narrow)
        ]
    for match in GROUPED_NUMBER.finditer(narrow):
        spans += _grouped_numbers(match.group(0), match.start())
        if accounts:
            spans += [
                (match.start() + card.start(), match.start() + card.end(), 0, 4)
                for card in CARD_GROUPS.finditer(match.group(0))
            ]
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
