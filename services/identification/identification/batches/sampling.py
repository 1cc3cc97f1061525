"""Reproducible spot-check samples: cases ordered by md5(seed || case id), the first k taken. The SQL draw
and this pure twin agree, so anyone holding the recorded seed and list can redraw the sample."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable


def order_key(seed: str, case_id: uuid.UUID) -> str:
    return hashlib.md5(f"{seed}{case_id}".encode(), usedforsecurity=False).hexdigest()


def draw(seed: str, case_ids: Iterable[uuid.UUID], size: int) -> list[uuid.UUID]:
    return sorted(case_ids, key=lambda case_id: order_key(seed, case_id))[:size]
