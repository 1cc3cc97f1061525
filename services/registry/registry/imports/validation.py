"""Turning file rows into staged households and members, or into per-row problems. Pure Python, no I/O.

Validation is hand-written rather than built on the API's pydantic models: it runs for every row of
files with hundreds of thousands of rows, and the rules are the same as households/schemas.py's (the
tests import the same files through both paths). A household's rows must be contiguous: grouping is then
streaming, and only one household is ever held in memory.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fupin_kit import divisions, text_rules
from fupin_kit.civil_time import china_today
from fupin_kit.pii import (
    CHECK_CHARS,
    CHECK_WEIGHTS,
    PiiCipher,
    birth_problem,
    mask_resident_id,
    region_problem,
)
from registry import patterns
from registry.households.enums import CodeEnum, IdKind, Relation, Sex
from registry.households.schemas import (
    DISABILITY_CERT_PATTERN,
    FILES_BEGIN,
    MAX_OTHER_CAUSES,
    NOBODY_IN_YEAR,
    head_name_problem,
    income_reference_day,
)
from registry.imports import normal_form
from registry.imports.dates import DateProblem, parse_date
from registry.imports.documents import Stamps, new_ids, render
from registry.imports.parsing import INEXACT_NUMBER, UNCOMPUTED, UNREADABLE, Row
from registry.imports.template import BOOL_FALSE, BOOL_TRUE, CAUSE_SEPARATORS, COLUMNS, Column, Kind

OUTSIDE = "outside your jurisdiction"
ZERO = Decimal(0)
INCOME_KEYS = ("wage", "business", "transfer", "property", "production_costs")
MAX_MEMBERS = 40
CENT = Decimal("0.01")
# The one place a comma may stand in an amount: between groups of three digits (3,000 or 1,234,567.50).
# Anywhere else it is a typo or a decimal comma (`3,5`, an IME's `1200，800`), which the API refuses, and
# dropping it would file an amount a thousand times too large.
THOUSANDS = re.compile(r"[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
COMMA_RULE = "a comma may only separate thousands (3,000 or 1,234,567.50)"
# What is left of an amount once its thousands separators are gone: digits, a point and a sign (refused
# as negative with its own reason). Not what decimal.Decimal also reads, as the API does not: 1_000,
# 1E+3, NaN, Infinity.
PLAIN_AMOUNT = re.compile(r"[-+]?[0-9]*\.?[0-9]*")
PHONE = re.compile(patterns.PHONE)
ACCOUNT = re.compile(patterns.BANK_ACCOUNT)
ID_FORMAT = re.compile(r"^[0-9]{17}[0-9X]$")
ID_RULE = "a resident ID has 17 digits and a check digit (0-9 or X)"
# Numbers people write in groups of digits (522634 19850312 1234, 139 8555 1234): spaces are not part of them.
COMPACT_KEYS = frozenset({"person_id", "phone", "bank_account"})
# The typed texts the API checks with fupin_kit.text_rules (households.schemas): a file may not bring in
# what the API refuses. A line break or tab inside a cell (Alt+Enter in Excel) is the cell's layout, not
# its content: read as a space, as a single-line text holds none.
TYPED_TEXT_KEYS = frozenset({"village_group", "address", "head_name", "bank_name", "name"})
# The person names among them, which also hold no digit (text_rules.person_name_rule, the API's Name).
PERSON_NAME_KEYS = frozenset({"head_name", "name"})
CELL_LAYOUT = re.compile(r"[\r\n\t]+")
_typed_text = text_rules.checker(1)
CAUSE_SPLIT = re.compile("|".join(map(re.escape, CAUSE_SEPARATORS)))
DEFAULT_ETHNICITY = "01"  # 汉族
# Enum members' values as plain strings: `.value` goes through a descriptor, and is read for every member.
RESIDENT_ID = IdKind.RESIDENT_ID.value
DISABILITY_CERTIFICATE = IdKind.DISABILITY_CERTIFICATE.value
MALE, FEMALE, HEAD = Sex.MALE.value, Sex.FEMALE.value, Relation.HEAD.value
INDEX: dict[str, int] = {column.key: position for position, column in enumerate(COLUMNS)}
HOUSEHOLD_COLUMNS = tuple(position for position, column in enumerate(COLUMNS) if column.household)


# Column order of the tuples built by Validator._stage (the staging tables' COPY column lists).
STAGE_HOUSEHOLD_COLUMNS: tuple[str, ...] = (
    "hh_no", "key", "first_row", "last_row", "valid", "division", "village_group", "address", "head_name",
    "phone", "bank_name", "bank_account_cipher", "bank_account_masked", "identification_standard",
    "attribute", "main_cause", "other_causes", "housing_area", "housing_structure", "housing_year_built",
    "housing_safety_grade", "has_electricity", "fuel", "drinking_water", "relocation", "member_count",
    "registered_on", "income_year", "wage", "business", "transfer", "property", "production_costs",
    "net_income", "per_capita_net_income", "household_id", "created_event_id", "income_event_id", "after",
    "created_event", "income_event", "income_member_count",
)  # fmt: skip
STAGE_MEMBER_COLUMNS: tuple[str, ...] = (
    "hh_no", "ord", "row_no", "id", "name", "sex", "id_kind", "id_cipher", "id_masked", "person_index",
    "birth_date", "relation", "ethnicity", "education", "schooling", "health", "labour_capacity",
    "work_status", "dibao", "medical_insurance", "pension_insurance", "household_id", "division", "joined_on",
)  # fmt: skip


class FieldError(ValueError):
    pass


@dataclass(frozen=True)
class Problem:
    row: int
    key: str
    field: str
    reason: str


def _aliases(enum: type[CodeEnum]) -> dict[str, str]:
    """Label or code → code, plus the variants officials write (each half of 之岳父/之公公, 岳父 for 之岳父,
    其他 for 其它, A for A级（安全）, 1 for 01: what Excel keeps of a typed 01), each also in the normal form
    cells are read in (normal_form.py): C级（局部危房） arrives as C级(局部危房)."""
    table: dict[str, str] = {}
    for member in enum:
        code = member.value
        names = {code, code.upper(), member.label}
        for part in member.label.split("/"):
            names.update({part, part.removeprefix("之")})
        names.add(member.label.split("（")[0])
        names.add(member.label.replace("其它", "其他"))
        if code.isdigit():
            names.add(code.lstrip("0") or code)
        for name in names:
            table.setdefault(name, code)
            table.setdefault(normal_form.cell(name), code)
    return table


ENUM_TABLES: dict[str, dict[str, str]] = {
    column.key: _aliases(column.enum) for column in COLUMNS if column.enum is not None
}


# ---- field parsers: raw text → value, or FieldError with the reason --------------------------------


def _enum(column: Column, raw: str) -> str | None:
    if not raw:
        return None
    code = ENUM_TABLES[column.key].get(raw)
    if code is None:
        raise FieldError(f"“{raw}” is not one of the allowed values")
    return code


def _decimal(raw: str, digits: int = 12) -> Decimal | None:
    if not raw:
        return None
    if raw.isdigit() and raw.isascii() and len(raw) + 2 <= digits:
        # Whole amounts, most of a file's: nothing to round or to refuse.
        return Decimal(raw).quantize(CENT)
    plain = _without_thousands_separators(raw)
    if not PLAIN_AMOUNT.fullmatch(plain):
        raise FieldError(f"“{raw}” is not a number written in plain digits (like 2500 or 2500.50)")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise FieldError(f"“{raw}” is not a number") from None
    if not value.is_finite() or value < 0:
        raise FieldError("must be a non-negative number")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise FieldError("at most two decimal places")
    value = value.quantize(CENT)
    if len(value.as_tuple().digits) > digits:
        raise FieldError("the number is too large")
    return value


def _without_thousands_separators(raw: str) -> str:
    if "," not in raw:
        return raw
    if not THOUSANDS.fullmatch(raw):
        raise FieldError(f"“{raw}” is not a number: {COMMA_RULE}")
    return raw.replace(",", "")


def _year(raw: str) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1800 <= int(raw) <= 2100:
        raise FieldError("a four-digit year between 1800 and 2100")
    return int(raw)


def _date(raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except DateProblem as exc:
        raise FieldError(str(exc)) from None
    if value > china_today():
        raise FieldError("the date is in the future")
    if value < FILES_BEGIN:
        # As for the API (HouseholdIn.registered_on): nobody was filed before 建档立卡 began.
        raise FieldError(f"the date is before {FILES_BEGIN.isoformat()}, when 建档立卡 began")
    return value


def _bool(raw: str) -> bool | None:
    if not raw:
        return None
    if raw in BOOL_TRUE:
        return True
    if raw in BOOL_FALSE:
        return False
    raise FieldError("是 or 否")


def _text(column: Column, raw: str) -> str | None:
    if not raw:
        return None
    if column.max_length and len(raw) > column.max_length:
        raise FieldError(f"at most {column.max_length} characters")
    return raw


def _typed(column: Column, raw: str) -> str | None:
    value = _text(column, CELL_LAYOUT.sub(" ", raw))
    if value is None:
        return None
    try:
        value = _typed_text(value)
    except ValueError as exc:
        raise FieldError(str(exc)) from None
    if column.key in PERSON_NAME_KEYS:
        problem = text_rules.person_name_problem(value)
        if problem is not None:
            raise FieldError(problem)
    return value


def _block_table(weights: tuple[int, ...]) -> dict[str, int]:
    width = len(weights)
    return {
        f"{n:0{width}d}": sum(int(d) * w for d, w in zip(f"{n:0{width}d}", weights, strict=True))
        for n in range(10**width)
    }


# GB 11643 weighted sum by blocks of three digits: six dict lookups instead of seventeen multiplications.
_BLOCKS = tuple(_block_table(CHECK_WEIGHTS[i : i + 3]) for i in range(0, 17, 3))


def _resident_id(value: str) -> str:
    if not ID_FORMAT.match(value):
        raise FieldError(ID_RULE)
    total = (
        _BLOCKS[0][value[0:3]] + _BLOCKS[1][value[3:6]] + _BLOCKS[2][value[6:9]]
        + _BLOCKS[3][value[9:12]] + _BLOCKS[4][value[12:15]] + _BLOCKS[5][value[15:17]]
    )  # fmt: skip
    if CHECK_CHARS[total % 11] != value[17]:
        raise FieldError("the resident ID check digit is wrong")
    # The rules of fupin_kit.pii.validate_resident_id (the API's), in the same order.
    problem = region_problem(value)
    if problem is not None:
        raise FieldError(problem)
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise FieldError("the resident ID birth date is not a real date") from None
    problem = birth_problem(born, china_today())
    if problem is not None:
        raise FieldError(problem)
    return value


def _person(raw: str) -> tuple[str, str, str]:
    """(identifier as stored, the 18-digit resident ID of the person, id kind)."""
    value = raw.upper()
    if len(value) == 20 and ID_FORMAT.match(value[:18]):
        # A resident ID and two more characters: a disability certificate, or meant to be one.
        match = DISABILITY_CERT_PATTERN.match(value)
        if match is None:
            raise FieldError(
                "a disability certificate number is a resident ID followed by category (1-7) and grade (1-4)"
            )
        return value, _resident_id(match.group(1)), DISABILITY_CERTIFICATE
    if not ID_FORMAT.match(value):
        raise FieldError(f"{ID_RULE}; the cell has {len(value)} characters" + _odd(value))
    return value, _resident_id(value), RESIDENT_ID


def _odd(value: str) -> str:
    """What in a malformed ID is neither a digit nor X, named so the clerk can find it."""
    odd = sorted({char for char in value if char not in "0123456789X"})
    return f", among them {'、'.join(f'“{char}”' for char in odd)}" if odd else ""


def _compact(raw: str) -> str:
    """An ID, phone or account number without the spaces people type to group its digits."""
    return "".join(raw.split())


Parser = Callable[[str], Any]


def _parser(column: Column) -> Parser:
    if column.kind is Kind.ENUM:
        return lambda raw: _enum(column, raw)
    if column.kind is Kind.DECIMAL:
        digits = 8 if column.key == "housing_area" else 12
        return lambda raw: _decimal(raw, digits)
    if column.kind is Kind.YEAR:
        return _year
    if column.kind is Kind.DATE:
        return _date
    if column.kind is Kind.BOOL:
        return _bool
    if column.key in COMPACT_KEYS:
        return lambda raw: _text(column, _compact(raw))
    if column.key in TYPED_TEXT_KEYS:
        return lambda raw: _typed(column, raw)
    if column.kind in (Kind.TEXT, Kind.DIVISION):
        return lambda raw: _text(column, raw)
    return lambda raw: raw  # causes have their own checks


PARSERS: tuple[Parser, ...] = tuple(_parser(column) for column in COLUMNS)
# (position, column, code table for enums else None, parser): enums are looked up inline, they are most
# of the fields of every row.
FieldSpec = tuple[int, Column, dict[str, str] | None, Parser]
MEMBER_FIELDS: tuple[FieldSpec, ...] = tuple(
    (position, column, ENUM_TABLES.get(column.key) if column.kind is Kind.ENUM else None, PARSERS[position])
    for position, column in enumerate(COLUMNS)
    if not column.household
)
HOUSEHOLD_FIELDS: tuple[FieldSpec, ...] = tuple(
    (position, column, ENUM_TABLES.get(column.key) if column.kind is Kind.ENUM else None, PARSERS[position])
    for position, column in enumerate(COLUMNS)
    if column.household
)


def _parse_fields(
    fields: tuple[FieldSpec, ...],
    raw_values: list[str],
    values: dict[str, Any],
    number: int,
    key: str,
    problems: list[Problem],
) -> None:
    for position, column, table, parse in fields:
        raw = raw_values[position]
        if not raw:
            if column.required:
                problems.append(Problem(number, key, column.header, "required"))
            else:
                values[column.key] = None
            continue
        if table is not None:
            code = table.get(raw)
            if code is None:
                problems.append(
                    Problem(number, key, column.header, f"“{raw}” is not one of the allowed values")
                )
            else:
                values[column.key] = code
            continue
        try:
            values[column.key] = parse(raw)
        except FieldError as exc:
            problems.append(Problem(number, key, column.header, str(exc)))


# Excel's error values: a failed formula (a VLOOKUP that found nothing) saved in place of a name.
SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


# What each identifier is called in the reason for a number cell that may have lost digits (parsing).
NUMBER_NOUNS = {"person_id": "the ID", "bank_account": "the account number", "phone": "the phone number"}
UNCOMPUTED_REASON = (
    "the cell holds a formula with no computed value (the file was written by a program): open and save "
    "the file in Excel or WPS, or paste the values in place of the formulas"
)


def _inexact_number(position: int) -> str:
    noun = NUMBER_NOUNS.get(COLUMNS[position].key, "the value")
    return (
        f"the cell holds a number, and Excel keeps only 15 significant digits of a number, so {noun} may "
        "already be wrong: format the column as text (文本) and type it again"
    )


def _unreadable_cells(key: str, row: Row, problems: list[Problem]) -> None:
    """Cells that hold no value a person typed: a NUL, a formula without its result or an identifier kept as
    a number (each marked by parsing), or a spreadsheet error."""
    number, raw_values = row
    joined = "".join(raw_values)
    if UNREADABLE not in joined and "#" not in joined:
        return
    for position, raw in enumerate(raw_values):
        if raw == UNCOMPUTED:
            reason = UNCOMPUTED_REASON
        elif raw == INEXACT_NUMBER:
            reason = _inexact_number(position)
        elif UNREADABLE in raw:
            reason = "the cell holds a NUL or an unreadable character"
        elif raw.upper() in SPREADSHEET_ERRORS:
            reason = f"the cell holds a spreadsheet error ({raw}), not a value"
        else:
            continue
        problems.append(Problem(number, key, COLUMNS[position].header, reason))


# ---- grouping ----------------------------------------------------------------------------------------


@dataclass
class Group:
    number: int  # ordinal of the household in the file, from 1
    key: str
    rows: list[Row] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    @property
    def last_row(self) -> int:
        return self.rows[-1][0]


def group_rows(rows: Iterable[Row], first: int = 1) -> Iterator[Group]:
    """Contiguous rows with the same 户编号 form one household (a blank 户编号 continues the current one).
    `first`: the number of the first household (a chunk of a file starts where the previous one ended)."""
    key_at = INDEX["key"]
    current: Group | None = None
    number = first - 1
    for row in rows:
        key = row[1][key_at]
        if current is not None and (key == current.key or not key):
            current.rows.append(row)
            continue
        if current is not None:
            yield current
        number += 1
        current = Group(number, key, [row])
    if current is not None:
        yield current


# ---- one household -----------------------------------------------------------------------------------


@dataclass
class Staged:
    """A valid household, ready for the staging tables (ciphertexts and blind indexes included)."""

    household: tuple[Any, ...]
    members: list[tuple[Any, ...]]


@dataclass
class Checked:
    group: Group
    staged: Staged | None
    problems: list[Problem]


class Validator:
    """Checks one household at a time and renders what staging needs. `actor`: (subject, tier) of the
    importer, for the events; `at`: the instant of the import (its documents' timestamps)."""

    def __init__(
        self,
        actor_division: str,
        cipher: PiiCipher,
        actor: tuple[str, str],
        today: dt.date | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        self.prefix = divisions.prefix(actor_division)
        self.cipher = cipher
        self.actor = actor
        self.stamps = Stamps.of(at or dt.datetime.now(dt.UTC))
        self.today = today or china_today()
        self.today_digits = self.today.strftime("%Y%m%d")

    def check(self, group: Group) -> Checked:
        problems: list[Problem] = []
        for row in group.rows:
            _unreadable_cells(group.key, row, problems)
        if not problems:
            return self._check(group, problems)
        # A cell refused for what it holds is not refused again by its column's rules, which would quote
        # the marker parsing put in it ("“\ufffdformula” is not one of the allowed values").
        named = len(problems)
        cells = {(problem.row, problem.field) for problem in problems}
        checked = self._check(group, problems)
        checked.problems[named:] = [
            problem for problem in checked.problems[named:] if (problem.row, problem.field) not in cells
        ]
        return checked

    def _check(self, group: Group, problems: list[Problem]) -> Checked:
        first = group.rows[0][1]
        division = first[INDEX["division"]]
        if not group.key:
            problems.append(Problem(group.first_row, "", "户编号", "required"))
        if (
            not division.startswith(self.prefix)
            or len(division) != 12
            or not (division.isascii() and division.isdigit())
        ):
            # Nothing else is checked or said about a household outside the caller's subtree.
            if not division:
                reason = "required"
            elif not (len(division) == 12 and division.isdigit()):
                reason = "a 12-digit village code"
            else:
                reason = OUTSIDE
            problems += [Problem(number, group.key, "村代码", reason) for number, _ in group.rows]
            return Checked(group, None, problems)
        values = self._household_values(group, problems)
        members = [self._member_values(group.key, row, problems) for row in group.rows]
        self._household_rules(group, values, members, problems)
        if problems:
            return Checked(group, None, problems)
        return Checked(group, self._stage(group, values, members), problems)

    def _household_values(self, group: Group, problems: list[Problem]) -> dict[str, Any]:
        number, first = group.rows[0]
        values: dict[str, Any] = {}
        _parse_fields(HOUSEHOLD_FIELDS, first, values, number, group.key, problems)
        # Household columns on the other rows: blank or repeated, never different.
        for other_number, other in group.rows[1:]:
            for position in HOUSEHOLD_COLUMNS:
                if other[position] and other[position] != first[position] and position != INDEX["key"]:
                    header = COLUMNS[position].header
                    problems.append(
                        Problem(other_number, group.key, header, "differs from the household's first row")
                    )
        self._household_extras(number, group.key, first, values, problems)
        return values

    def _household_extras(
        self, number: int, key: str, first: list[str], values: dict[str, Any], problems: list[Problem]
    ) -> None:
        division = values.get("division")
        if division is not None and divisions.level(division) is not divisions.Level.VILLAGE:
            problems.append(
                Problem(number, key, "村代码", "a household's division must be a village-level code")
            )
        phone = values.get("phone")
        if phone is not None and not PHONE.match(phone):
            problems.append(Problem(number, key, "联系电话", "5 to 30 digits, + - or spaces"))
        account = values.get("bank_account")
        if account is not None and not ACCOUNT.match(account):
            problems.append(Problem(number, key, "银行账号", "8 to 30 digits"))
        raw_causes = first[INDEX["other_causes"]]
        causes: list[str] = []
        for part in filter(None, (item.strip() for item in CAUSE_SPLIT.split(raw_causes))):
            code = ENUM_TABLES["other_causes"].get(part)
            if code is None:
                problems.append(
                    Problem(number, key, "其他致贫原因", f"“{part}” is not one of the allowed values")
                )
            else:
                causes.append(code)
        main = values.get("main_cause")
        if len(causes) > MAX_OTHER_CAUSES:
            problems.append(Problem(number, key, "其他致贫原因", f"at most {MAX_OTHER_CAUSES} other causes"))
        elif len(set(causes)) != len(causes):
            problems.append(Problem(number, key, "其他致贫原因", "other causes must be distinct"))
        elif main is not None and main in causes:
            problems.append(
                Problem(number, key, "其他致贫原因", "an other cause must differ from the main cause")
            )
        values["other_causes"] = causes
        built = values.get("housing_year_built")
        if built is not None and built > self.today.year:
            problems.append(Problem(number, key, "建房年份", "the year is in the future"))
        income_year = values.get("income_year")
        if income_year is not None and income_year > self.today.year + 1:
            # As for the API (households.service.record_income): at most next year.
            problems.append(
                Problem(number, key, "年度", "the income year is too far ahead (at most next year)")
            )
        if income_year is None:
            for name in ("wage", "business", "transfer", "property", "production_costs"):
                if values.get(name) is not None:
                    header = COLUMNS[INDEX[name]].header
                    problems.append(
                        Problem(number, key, header, "give the income year (年度) with the incomes")
                    )
                    break

    def _member_values(self, key: str, row: Row, problems: list[Problem]) -> dict[str, Any]:
        number, raw_values = row
        values: dict[str, Any] = {"row": number}
        _parse_fields(MEMBER_FIELDS, raw_values, values, number, key, problems)
        raw_id = values.get("person_id")
        if raw_id:
            try:
                values["identifier"], values["resident_id"], values["id_kind"] = _person(raw_id)
            except FieldError as exc:
                problems.append(Problem(number, key, "证件号码", str(exc)))
                return values
            person = values["resident_id"]
            values["birth_date"] = dt.date(int(person[6:10]), int(person[10:12]), int(person[12:14]))
            sex = values.get("sex")
            if sex is not None and (MALE if int(values["resident_id"][16]) % 2 else FEMALE) != sex:
                problems.append(Problem(number, key, "性别", "sex does not match the resident ID"))
        values["ethnicity"] = values.get("ethnicity") or DEFAULT_ETHNICITY
        for flag in ("dibao", "medical_insurance", "pension_insurance"):
            values[flag] = bool(values.get(flag))
        return values

    def _household_rules(
        self, group: Group, values: dict[str, Any], members: list[dict[str, Any]], problems: list[Problem]
    ) -> None:
        if len(members) > MAX_MEMBERS:
            problems.append(Problem(group.first_row, group.key, "户编号", f"at most {MAX_MEMBERS} members"))
        heads = [member for member in members if member.get("relation") == HEAD]
        if len(heads) != 1:
            problems.append(
                Problem(
                    group.first_row,
                    group.key,
                    "与户主关系",
                    "exactly one member must be the head of household",
                )
            )
        elif (
            values.get("head_name") is not None
            and heads[0].get("name") is not None
            # A name cell already refused (a spreadsheet error value) is not compared as well.
            and not {"户主姓名", "姓名"} & {problem.field for problem in problems}
        ):
            # As for the API (households.service._head_name): 户主姓名 is the head member's 姓名.
            problem = head_name_problem(values["head_name"], heads[0]["name"])
            if problem is not None:
                problems.append(Problem(group.first_row, group.key, "户主姓名", problem))
        seen: set[str] = set()
        for member in members:
            person = member.get("resident_id")
            if person is None:
                continue
            if person in seen:
                problems.append(
                    Problem(member["row"], group.key, "证件号码", "the same person appears twice")
                )
            seen.add(person)
        registered = values.get("registered_on")
        registered_digits = self.today_digits if registered is None else registered.strftime("%Y%m%d")
        for member in members:
            person = member.get("resident_id")
            if person is not None and person[6:14] > registered_digits:
                problems.append(
                    Problem(member["row"], group.key, "登记日期", "before the member's birth date")
                )
                break
        income_year = values.get("income_year")
        people = [member["resident_id"] for member in members if member.get("resident_id") is not None]
        if income_year is not None and people and len(people) == len(members):
            # As for the API (households.service.record_income): the year's income is divided among the
            # members in the household at its end, and a registered member is in it from birth.
            reference = income_reference_day(income_year, self.today).strftime("%Y%m%d")
            if all(person[6:14] > reference for person in people):
                problems.append(
                    Problem(group.first_row, group.key, "年度", NOBODY_IN_YEAR.format(year=income_year))
                )

    def _stage(self, group: Group, values: dict[str, Any], members: list[dict[str, Any]]) -> Staged:
        cipher = self.cipher
        account = values.get("bank_account")
        income_year = values.get("income_year")
        count = len(members)
        household: dict[str, Any] = {
            "division": values["division"],
            "village_group": values["village_group"],
            "address": values["address"],
            "head_name": values["head_name"],
            "phone": values.get("phone"),
            "bank_name": values.get("bank_name"),
            "bank_account_masked": None if account is None else "*" * (len(account) - 4) + account[-4:],
            "identification_standard": values["identification_standard"],
            "attribute": values["attribute"],
            "main_cause": values["main_cause"],
            "other_causes": values["other_causes"],
            "housing_area": values.get("housing_area"),
            "housing_structure": values.get("housing_structure"),
            "housing_year_built": values.get("housing_year_built"),
            "housing_safety_grade": values.get("housing_safety_grade"),
            "has_electricity": values.get("has_electricity"),
            "fuel": values.get("fuel"),
            "drinking_water": values.get("drinking_water"),
            "relocation": bool(values.get("relocation")),
            "registered_on": (values.get("registered_on") or self.today).isoformat(),
            "income_year": income_year,
            "net_income": None,
            "per_capita_net_income": None,
        }
        amounts: list[Decimal | None] = [None] * 5
        if income_year is not None:
            amounts = [values.get(name) or ZERO for name in INCOME_KEYS]
            net = amounts[0] + amounts[1] + amounts[2] + amounts[3] - amounts[4]  # type: ignore[operator]
            # Divided among the members in the household at the end of the income year, as by the API
            # (schemas.income_reference_day): registered with the file, each is in it from birth, so a
            # child born after the year is not (at least one member is: checked in _household_rules).
            reference = income_reference_day(income_year, self.today)
            household["income_member_count"] = sum(
                1 for member in members if member["birth_date"] <= reference
            )
            household["net_income"] = net
            household["per_capita_net_income"] = (net / household["income_member_count"]).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        for member in members:
            identifier = member["identifier"]
            member["id_masked"] = mask_resident_id(identifier)
            member["person_index"] = cipher.blind_index(member["resident_id"])
            member["id_cipher"] = cipher.encrypt(identifier)
        ids = new_ids(3 + count)
        joined_on = values.get("registered_on") or self.today
        after, created, income = render(ids, household, members, self.actor, self.stamps)
        staged_household = (
            group.number, group.key, group.first_row, group.last_row, True, household["division"],
            household["village_group"], household["address"], household["head_name"], household["phone"],
            household["bank_name"], None if account is None else cipher.encrypt(account),
            household["bank_account_masked"], household["identification_standard"], household["attribute"],
            household["main_cause"], household["other_causes"], household["housing_area"],
            household["housing_structure"], household["housing_year_built"], household["housing_safety_grade"],
            household["has_electricity"], household["fuel"], household["drinking_water"],
            household["relocation"], count, joined_on, income_year, *amounts,
            household["net_income"], household["per_capita_net_income"], ids[0], ids[1], ids[2], after,
            created, income, household.get("income_member_count"),
        )  # fmt: skip
        staged_members = [
            (
                group.number,
                ordinal,
                member["row"],
                member_id,
                member["name"],
                member["sex"],
                member["id_kind"],
                member["id_cipher"],
                member["id_masked"],
                member["person_index"],
                member["birth_date"],
                member["relation"],
                member["ethnicity"],
                member["education"],
                member["schooling"],
                member["health"],
                member["labour_capacity"],
                member["work_status"],
                member["dibao"],
                member["medical_insurance"],
                member["pension_insurance"],
                # The household's columns a member row needs: the apply then reads members without a join.
                ids[0],
                household["division"],
                joined_on,
            )
            for ordinal, (member_id, member) in enumerate(zip(ids[3:], members, strict=True), start=1)
        ]
        return Staged(staged_household, staged_members)

    @staticmethod
    def rejected_group(group: Group) -> tuple[Any, ...]:
        """The staging row of a household that failed: only where it is in the file, for the report."""
        filler = (None,) * (len(STAGE_HOUSEHOLD_COLUMNS) - 5)
        return (group.number, group.key, group.first_row, group.last_row, False, *filler)
