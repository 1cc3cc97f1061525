"""Shapes of the token endpoint and of the account admin API."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from fupin_kit import pii, text_rules

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]
Scope = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
Division = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Tier = Annotated[str, StringConstraints(pattern=r"^(nation|province|city|county|township|village)$")]
MIN_VISIBLE = 8
MIN_DISTINCT = 5


def _password_rule(value: str) -> str:
    """A password of spaces only (or nearly so) passes a length check; edge whitespace is invisible when
    typed and easily lost by a client that trims, so it is refused rather than stored."""
    if sum(not character.isspace() for character in value) < MIN_VISIBLE:
        raise ValueError(f"a password needs at least {MIN_VISIBLE} characters that are not whitespace")
    if value != value.strip():
        raise ValueError("a password must not start or end with whitespace")
    # Guessed first by anyone trying: one character repeated, a run of few characters, digits only.
    if len(set(value)) < MIN_DISTINCT:
        raise ValueError(f"a password needs at least {MIN_DISTINCT} different characters")
    if value.isdigit():
        raise ValueError("a password must not be digits only")
    # The token endpoint refuses a NUL in any parameter, so a password holding one could never sign in;
    # no other control (tab, escape, C1) is typed into a sign-in form either. Which one is not named:
    # the message would tell part of the password.
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("a password must not contain a control character (NUL, tab, escape and the like)")
    return value


def check_password_not_name(password: str | None, name: str) -> None:
    """The account's own name inside its password is the first thing tried against it."""
    if password is not None and len(name) >= 3 and name.casefold() in password.casefold():
        raise ValueError("a password must not contain the account name")


Password = Annotated[
    str,
    StringConstraints(min_length=12, max_length=256),
    AfterValidator(_password_rule),
    Field(
        description="12 to 256 characters, at least 8 of them not whitespace and 5 different ones, not "
        "digits only, not containing the account name or a control character (NUL, tab, escape), and not "
        "starting or ending with whitespace (spaces inside a passphrase are fine)."
    ),
]


# A display name, department or organisation: shown in lists, audit trails and records the account signs,
# so something visible, with no control, bidirectional or noncharacter code points (fupin_kit.text_rules:
# a zero-width space alone passed a strip() check as not blank).
Text = Annotated[str, StringConstraints(min_length=1, max_length=200), text_rules.text_rule(1)]


def _no_id_or_mobile(value: str) -> str:
    """An account's name and what it says of itself are shown unmasked at every tier (a username is the
    `user:<name>` actor of everything the account does): a resident ID or a mobile number typed into one,
    in any form the API masker knows (fupin_kit.pii.mask_text), would leak above the county."""
    if pii.mask_text(value) != value:
        raise ValueError(
            "must not hold a resident ID number or a mobile number: account names are shown unmasked at every tier"
        )
    return value


# Only where an account is created: accounts stored before the rule stay readable (answers are plain str).
NoIdOrMobile = AfterValidator(_no_id_or_mobile)
AccountName = Annotated[Name, NoIdOrMobile]
AccountText = Annotated[Text, NoIdOrMobile]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    scope: str


class TokenError(BaseModel):
    """An error of the token endpoint (RFC 6749 §5.2), not a problem document (identity.errors)."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ]
    error_description: str
    error_uri: str = Field(
        description="Names the refusal: …/invalid-credentials, …/account-disabled, …/access-window-closed, "
        "…/account-locked, …/invalid-token-request"
    )


# The bodies of the admin API refuse unknown fields, as every registry body does: a misspelt `pasword`
# set a random password, and a `division` sent with a roles change was answered 200 while nothing moved.
class PersonIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "cadre.jinianta",
                    "display_name": "王芳",
                    "tier": "village",
                    "division": "520102016001",
                    "roles": ["cadre"],
                    "password": "correct horse battery",
                }
            ]
        },
    )
    username: AccountName
    display_name: AccountText
    tier: Tier
    division: Division
    roles: list[Role] = Field(default_factory=list, max_length=32)
    password: Password

    @field_validator("password")
    @classmethod
    def _password_not_name(cls, value: str, info: ValidationInfo) -> str:
        check_password_not_name(value, str(info.data.get("username", "")))
        return value


class PersonOut(BaseModel):
    username: str
    display_name: str
    tier: str
    division: str
    roles: list[str]
    disabled: bool
    disabled_at: datetime | None = Field(default=None, description="When the account was last disabled.")
    created_by: str
    created_at: datetime
    updated_at: datetime


class ClientIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_id": "civil-affairs.nanming",
                    "department": "南明区民政局",
                    "tier": "village",
                    "division": "520102016001",
                    "scopes": ["comparisons:push"],
                    "roles": ["department"],
                }
            ]
        },
    )
    client_id: AccountName
    department: AccountText
    tier: Tier
    division: Division
    scopes: list[Scope] = Field(default_factory=list, max_length=64)
    roles: list[Role] = Field(default_factory=list, max_length=32)


class ClientOut(BaseModel):
    client_id: str
    department: str
    tier: str
    division: str
    scopes: list[str]
    roles: list[str]
    disabled: bool
    disabled_at: datetime | None = Field(default=None, description="When the account was last disabled.")
    created_by: str
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientOut):
    client_secret: str  # shown once; only its hash is kept


class EvaluatorIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "eval.jinianta",
                    "display_name": "李明",
                    "organisation": "第三方评估机构",
                    "tier": "village",
                    "division": "520102016001",
                    "roles": ["evaluator"],
                    "password": "correct horse battery",
                    "valid_from": "2026-03-01T00:00:00+08:00",
                    "valid_until": "2026-08-31T00:00:00+08:00",
                }
            ]
        },
    )
    username: AccountName
    display_name: AccountText
    organisation: AccountText
    tier: Tier
    division: Division
    roles: list[Role] = Field(default_factory=lambda: ["evaluator"], max_length=32)
    password: Password
    valid_from: datetime
    valid_until: datetime

    @field_validator("password")
    @classmethod
    def _password_not_name(cls, value: str, info: ValidationInfo) -> str:
        check_password_not_name(value, str(info.data.get("username", "")))
        return value


class EvaluatorOut(BaseModel):
    username: str
    display_name: str
    organisation: str
    tier: str
    division: str
    roles: list[str]
    valid_from: datetime
    valid_until: datetime
    disabled: bool
    disabled_at: datetime | None = Field(default=None, description="When the account was last disabled.")
    created_by: str
    created_at: datetime
    updated_at: datetime


class RolesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"roles": ["cadre"]}]})
    roles: list[Role] = Field(max_length=32)


class ScopesIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"scopes": ["comparisons:push"]}]}
    )
    scopes: list[Scope] = Field(max_length=64)
    roles: list[Role] | None = Field(default=None, max_length=32)


class WindowIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"valid_from": "2026-03-01T00:00:00+08:00", "valid_until": "2026-08-31T00:00:00+08:00"}
            ]
        },
    )
    valid_from: datetime
    valid_until: datetime


class PasswordIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "another horse battery"}]}
    )
    # Absent: a random password is generated and returned once.
    password: Password | None = None
    current_password: str | None = Field(
        default=None,
        max_length=256,
        description="The account's password now: required (and checked) when an admin resets its own "
        "password, so that one of its tokens alone cannot take the account over for good; not asked for "
        "(and ignored) when the password of another account is reset.",
    )


class SecretOut(BaseModel):
    secret: str  # the new password or client secret, shown once


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_after: str | None = None
