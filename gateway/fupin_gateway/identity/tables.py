"""The account tables, as migration gateway_0002 creates them (the runtime half, for Core queries).

They join the gateway's shared metadata so Alembic's comparison sees them, without editing models.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, String, Table, Text, false, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from fupin_gateway.models import metadata


def _common() -> list[Column[Any]]:
    return [
        Column("tier", String(16), nullable=False),
        Column("division", String(12), nullable=False),
        Column("roles", ARRAY(String(64)), nullable=False, server_default=text("'{}'")),
        Column("disabled", Boolean, nullable=False, server_default=false()),
        # Set with `disabled` (a check constraint keeps the two together): the revoked-subjects list keeps
        # an account only until every token issued before this moment has expired.
        Column("disabled_at", DateTime(timezone=True), nullable=True),
        # Set by a password or secret reset and a change of roles or scopes (migration gateway_0006):
        # tokens issued before it are refused until they expire (identity/blocklist.py).
        Column("tokens_valid_after", DateTime(timezone=True), nullable=True),
        Column("created_by", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


people = Table(
    "people",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, default=uuid.uuid4),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    *_common(),
)

clients = Table(
    "clients",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, default=uuid.uuid4),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", Text, nullable=False),
    Column("department", String(200), nullable=False),
    Column("scopes", ARRAY(String(64)), nullable=False, server_default=text("'{}'")),
    *_common(),
)

evaluators = Table(
    "evaluators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, default=uuid.uuid4),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("organisation", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    # Set by every change of the window (migration gateway_0005): a window moved into the past must keep
    # the evaluator revoked for a token lifetime after the change, however long ago its new end lies.
    Column("window_changed_at", DateTime(timezone=True), nullable=True),
    *_common(),
)


# Failed sign-ins per name tried (migration gateway_0007; identity/throttle.py).
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("grant_type", String(32), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("failures", ARRAY(DateTime(timezone=True)), nullable=False, server_default=text("'{}'")),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sign_in_failures_updated_at", "updated_at"),
)


@dataclass(frozen=True)
class AccountKind:
    """One kind of account: its table, the column naming it, and the prefix of its token subjects.

    Subjects carry the kind (`user:wang`, `client:mca-sync`, `evaluator:li`) so the three name spaces can
    never collide in tokens, the disabled-subject cache or the audit chain."""

    name: str  # user | client | evaluator (the token's `kind` claim)
    table: Table
    key: str  # the naming column
    secret: str  # the argon2 hash column

    def subject(self, account_name: str) -> str:
        return f"{self.name}:{account_name}"


USER = AccountKind("user", people, "username", "password_hash")
CLIENT = AccountKind("client", clients, "client_id", "secret_hash")
EVALUATOR = AccountKind("evaluator", evaluators, "username", "password_hash")
KINDS: tuple[AccountKind, ...] = (USER, CLIENT, EVALUATOR)
