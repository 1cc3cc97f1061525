"""Idempotency-Key for every evaluation command (fupin_kit.idempotency), kept in this service's
`idempotency_keys` table."""

from __future__ import annotations

import functools

from evaluation.models import idempotency_keys
from fupin_kit import idempotency
from fupin_kit.idempotency import IdempotencyKey

__all__ = ["IdempotencyKey", "run"]

run = functools.partial(idempotency.run, idempotency_keys)
