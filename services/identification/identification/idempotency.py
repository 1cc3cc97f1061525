"""Idempotency-Key for every identification command (fupin_kit.idempotency), kept in this service's
`idempotency_keys` table."""

from __future__ import annotations

import functools

from fupin_kit import idempotency
from fupin_kit.idempotency import IdempotencyKey, fingerprint
from identification.models import idempotency_keys

__all__ = ["IdempotencyKey", "fingerprint", "run"]

run = functools.partial(idempotency.run, idempotency_keys)
