"""Argon2id password and client-secret hashing, always off the event loop (each hash costs ~20 MiB and
tens of milliseconds by design)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id baseline (m=19 MiB, t=2, p=1): strong enough, and cheap enough that a login burst
# does not exhaust the thread pool.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verified against when the account does not exist, so an unknown name costs what a wrong password
# costs and the timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


def _verify(hashed: str, secret: str) -> bool:
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_secret(hashed: str | None, secret: str) -> bool:
    """True when `secret` matches; with no hash (unknown account) runs a full verify anyway and fails."""
    if hashed is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, secret)
        return False
    return await asyncio.to_thread(_verify, hashed, secret)


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


def generate_secret() -> str:
    """A random secret handed out once (client secrets, reset passwords); only its hash is stored."""
    return secrets.token_urlsafe(24)
