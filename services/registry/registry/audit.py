"""The registry's append-only, hash-chained audit log (the kit's `audit_log` table), written in the
transaction of the change it records."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

GENESIS = "0" * 64
# pg_advisory_xact_lock key that serialises appends, so each row chains onto the true previous hash.
CHAIN_LOCK_KEY = 0x6175_6469_7463_6861


def chain_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def append(
    session: AsyncSession, *, actor: str, action: str, subject: str, division: str, detail: dict[str, Any]
) -> str:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    prev = (
        await session.execute(text("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
    ).scalar_one_or_none() or GENESIS
    entry = {"actor": actor, "action": action, "subject": subject, "division": division, "detail": detail}
    digest = chain_hash(prev, entry)
    await session.execute(
        text(
            "INSERT INTO audit_log (actor, action, subject, division, detail, prev_hash, hash) "
            "VALUES (:actor, :action, :subject, :division, CAST(:detail AS jsonb), :prev, :hash)"
        ),
        {**entry, "detail": orjson.dumps(detail).decode(), "prev": prev, "hash": digest},
    )
    return digest
