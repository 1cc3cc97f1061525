"""Appending to the audit chain inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

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


async def append_entries(session: AsyncSession, entries: Sequence[AuditEntry]) -> None:
    """Append in the session's transaction; the chain lock is held until that transaction ends."""
    head = await repository.lock_chain_head(session)
    await repository.insert_rows(session, chained_rows(head, entries))


async def append_change(session: AsyncSession, entry: AuditEntry) -> None:
    await append_entries(session, [entry])
