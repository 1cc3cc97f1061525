"""The audit entries of a service's changes, appended to its hash-chained log as the change commits.

Every change a service makes emits its events in the change's transaction (architecture.md §4), so the
events are the one place that names every change: who (actorid, or the service itself when a timer or a
consumer acted), what (the event type), which aggregate, in which division, and when. An entry carries the
event's id and a digest of its data rather than the data: the chain vouches for each event's content (the
outbox row, the feeds) without copying personal data into a log that is kept for ever.

Entries are staged on the session and appended by a before_commit hook, not when the events are recorded:
appending takes the chain lock, which is held to the end of the transaction, and a transaction that held it
while going on to lock rows (a notice, a quota, the cases of a batch) could deadlock with one holding such
a row and waiting for the chain. Taken last, at commit, the chain lock is never held while waiting for
another. A rolled-back transaction's staged entries are dropped with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from fupin_kit.audit.append import append_now
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.envelope import Envelope

# session.info key of the entries staged in the session's current transaction.
STAGED = "fupin_audit_staged"


def action(change: Envelope) -> str:
    """`fupin.registry.household.updated.v1` → `household.updated`, as the gateway names its own actions."""
    _, _, aggregate, verb, _ = change.type.split(".")
    return f"{aggregate}.{verb}"


def data_digest(change: Envelope) -> str:
    return hashlib.sha256(orjson.dumps(change.data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def change_entry(change: Envelope) -> AuditEntry:
    service = change.source.rsplit("/", 1)[-1]
    return AuditEntry(
        actor=change.actorid or f"service:{service}",
        action=action(change),
        subject=change.subject,
        division=change.division,
        detail={"event_id": str(change.id), "type": change.type, "data_sha256": data_digest(change)},
        at=change.time,
    )


def stage(session: AsyncSession, entries: Iterable[AuditEntry]) -> None:
    """Have `entries` appended to the chain when the session's transaction commits."""
    session.info.setdefault(STAGED, []).extend(entries)


def stage_changes(session: AsyncSession, changes: Iterable[Envelope]) -> None:
    stage(session, (change_entry(change) for change in changes))


def _append_staged(session: Session) -> None:
    staged: list[AuditEntry] | None = session.info.pop(STAGED, None)
    if staged:
        append_now(session, staged)


def _drop_staged(session: Session) -> None:
    session.info.pop(STAGED, None)


# On every Session: only a session with staged entries does anything. The hooks run inside the commit's
# (or rollback's) greenlet, where the synchronous API still awaits the asyncpg driver.
event.listen(Session, "before_commit", _append_staged)
event.listen(Session, "after_rollback", _drop_staged)
