"""Request bodies the end-to-end and security tests send to the registry."""

from __future__ import annotations

from typing import Any


def member_body(name: str, resident_id: str, relation: str, sex: str = "male") -> dict[str, Any]:
    """A healthy member of ordinary labour capacity, as POST /households and member additions take it."""
    return {
        "name": name,
        "sex": sex,
        "resident_id": resident_id,
        "relation": relation,
        "health": "healthy",
        "labour_capacity": "ordinary",
    }
