"""How a row of the audit chain is hashed: sha256(prev_hash + canonical JSON of the row).

The canonical form is sorted-key compact JSON of the row's content (time, actor, action, subject,
division, detail); `seq` is left out because it is assigned by the database on insert, and the order is
already fixed by each row naming its predecessor's hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
# pg_advisory_xact_lock key serialising every append to a database's chain (each service has its own), so
# the chain stays linear: each append reads the last committed hash while holding it, until its commit.
CHAIN_LOCK_KEY = 0x6175_6469_7463_6861


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    subject: str
    division: str
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def canonical(self) -> bytes:
        body = {
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "division": self.division,
            "detail": self.detail,
        }
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + entry.canonical()).hexdigest()
