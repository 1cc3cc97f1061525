"""Appending to the audit chain inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from fupin_kit.audit import repository
from fupin_kit.audit.chain import AuditEntry, chain_hash


def chained_rows(head: str, entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous = head
    for entry in entries:
        digest = chain_hash(previous, entry)
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "division": entry.division,
                "detail": entry.detail,
                "prev_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    return rows


def append_now(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Append in the session's transaction, synchronous API (run_sync, or a commit hook); the chain lock is
    held until that transaction ends."""
    head = repository.lock_chain_head(session)
    repository.insert_rows(session, chained_rows(head, entries))


async def append_entries(session: AsyncSession, entries: Sequence[AuditEntry]) -> None:
    """Append in the session's transaction; the chain lock is held until that transaction ends."""
    await session.run_sync(append_now, entries)


async def append_on(driver: asyncpg.Connection, entries: Sequence[AuditEntry]) -> None:
    """Append on a bare asyncpg connection, inside the transaction its caller has started."""
    head = await repository.lock_chain_head_on(driver)
    await repository.copy_rows(driver, chained_rows(head, entries))


async def append_change(session: AsyncSession, entry: AuditEntry) -> None:
    await append_entries(session, [entry])
