"""Days that give a birth date away, withheld above the county with the birth date itself.

A masked resident ID hides exactly the birth date (520102********123X): with the date, the ID is whole. A
member who joins a household in the first year of its life (born into it, registered with a new file as a
newborn, or moving in as a baby) joins on, or close to, the day it was born, so that day is withheld from
the tiers that see no identity wherever it shows: the member's `joined_on` and that of everyone who joined
that same day (the head of a newborn's new file), the day of its history entry, the exports' 加入日期 and the
feeds (which withhold the day of every join above the county)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from registry.households.enums import MemberChange

INFANCY = dt.timedelta(days=366)


def _day(value: Any) -> dt.date | None:
    """A date held as a date (a row) or as ISO text (a history snapshot, stored as JSON)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def joined_in_infancy(member: Mapping[str, Any]) -> bool:
    """Whether the member joined within a year of its birth (a birth always does)."""
    if member.get("joined_by") == MemberChange.BIRTH.value:
        return True
    born, joined = _day(member.get("birth_date")), _day(member.get("joined_on"))
    return born is not None and joined is not None and joined - born < INFANCY


def withheld_join_days(members: Iterable[Mapping[str, Any]]) -> frozenset[dt.date]:
    """The days a member of the household joined in infancy. Every join on such a day is withheld, not only
    the child's: a new file's members all join on its registration day, and the head's day would give the
    newborn's away (QA10 verifier2 NEW-1), as would an adult's moving in with the baby."""
    days = (_day(member.get("joined_on")) for member in members if joined_in_infancy(member))
    return frozenset(day for day in days if day is not None)


def disclosed_join_day(member: Mapping[str, Any], withheld: frozenset[dt.date]) -> Any:
    """The member's `joined_on` as tiers above the county may see it (`withheld`: its household's
    withheld_join_days)."""
    return None if _day(member.get("joined_on")) in withheld else member.get("joined_on")


def disclosed_day(day: Any, withheld: frozenset[dt.date]) -> Any:
    """A day of the household's record (a history entry's) as tiers above the county may see it."""
    return None if _day(day) in withheld else day
