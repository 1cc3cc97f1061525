"""Shapes of the token endpoint and of the account admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, StringConstraints

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]
Scope = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
Division = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Tier = Annotated[str, StringConstraints(pattern=r"^(nation|province|city|county|township|village)$")]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    scope: str


class PersonIn(BaseModel):
    username: Name
    display_name: Text
    tier: Tier
    division: Division
    roles: list[Role] = Field(default_factory=list, max_length=32)
    password: Password


class PersonOut(BaseModel):
    username: str
    display_name: str
    tier: str
    division: str
    roles: list[str]
    disabled: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class ClientIn(BaseModel):
    client_id: Name
    department: Text
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
    created_by: str
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientOut):
    client_secret: str  # shown once; only its hash is kept


class EvaluatorIn(BaseModel):
    username: Name
    display_name: Text
    organisation: Text
    tier: Tier
    division: Division
    roles: list[Role] = Field(default_factory=lambda: ["evaluator"], max_length=32)
    password: Password
    valid_from: datetime
    valid_until: datetime


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
    created_by: str
    created_at: datetime
    updated_at: datetime


class RolesIn(BaseModel):
    roles: list[Role] = Field(max_length=32)


class ScopesIn(BaseModel):
    scopes: list[Scope] = Field(max_length=64)
    roles: list[Role] | None = Field(default=None, max_length=32)


class WindowIn(BaseModel):
    valid_from: datetime
    valid_until: datetime


class PasswordIn(BaseModel):
    # Absent: a random password is generated and returned once.
    password: Password | None = None


class SecretOut(BaseModel):
    secret: str  # the new password or client secret, shown once


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_after: str | None = None
