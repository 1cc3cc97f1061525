"""Enumerations with stable codes and Chinese labels, as the registry's code lists (registry.households.enums):
each member's value is a stable ASCII code (what the API, the database and events carry); `label` is the
wording officials use. Never renumber or rename a code: add a new one and retire the old one.

A body naming something else is refused with every allowed code and its label, so the caller learns the
list from the refusal itself. Labels are not accepted in place of codes: the registry's API takes codes
only, and both services answer the same way."""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from fupin_kit.code_enum import LabelledEnum


class CodeEnum(LabelledEnum):
    """A labelled enum (`GUARANTEE = "guarantee", "兜底保障"`) whose refusal names every code and label."""

    @classmethod
    def allowed(cls) -> str:
        """Every code with its label: "guarantee (兜底保障), industry (产业扶持), …"."""
        return ", ".join(f"{member.value} ({member.label})" for member in cls)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # The enum's own schema stays (the OpenAPI document states its codes); only its refusal changes.
        return core_schema.no_info_before_validator_function(cls._known, handler(source))

    @classmethod
    def _known(cls, value: Any) -> Any:
        if isinstance(value, cls) or (isinstance(value, str) and value in cls._value2member_map_):
            return value
        raise PydanticCustomError(
            "enum",
            "'{input}' is not a code of this list; the codes are: {allowed}",
            {"input": str(value), "allowed": cls.allowed()},
        )


class AsCode:
    """`Annotated[str, AsCode(SupportCategory)]`: a field validated and documented as the enum (its codes in
    the OpenAPI document, the enum's refusal) that holds the plain code, for code that passes codes on as
    `str` (events, history rows)."""

    def __init__(self, enum: type[CodeEnum]) -> None:
        self.enum = enum

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # Held as a plain str, so serialised as one (the enum's serialiser would warn about a str).
        return core_schema.no_info_after_validator_function(
            _plain_code, handler.generate_schema(self.enum), serialization=core_schema.to_string_ser_schema()
        )


def _plain_code(member: CodeEnum) -> str:
    return member.value
