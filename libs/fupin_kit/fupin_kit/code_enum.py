"""Enumerations with stable codes and Chinese labels, the shape of every code list the platform publishes
(the registry's household record, identification's support categories, monitored types, …).

Each member's value is a stable ASCII code (what the API, the database and events carry); `label` is the
Chinese wording officials use. Never renumber or rename a code: add a new one and retire the old one."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label: `ILLNESS = "illness", "因病"`."""

    label: str

    def __new__(cls, code: str, label: str = "") -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member
