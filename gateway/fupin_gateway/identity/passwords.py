"""Argon2id password and client-secret hashing, always off the event loop (each hash costs ~20 MiB and
tens of milliseconds by design)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw

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


def _keyed_digest(secret: str, salt: bytes) -> str:
    digest = hash_secret_raw(
        secret.encode(),
        salt,
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
        hash_len=_hasher.hash_len,
        type=Type.ID,
    )
    return digest.hex()


async def keyed_digest(secret: str, salt: bytes) -> str:
    """The argon2id digest of `secret` under a salt the caller derives (the same salt gives the same
    digest): for comparing a retried request's password with the first one's without keeping either, at
    the cost of a password hash per guess to whoever would recover it."""
    return await asyncio.to_thread(_keyed_digest, secret, salt)


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


def generate_secret() -> str:
    """A random secret handed out once (client secrets, reset passwords); only its hash is stored."""
    return secrets.token_urlsafe(24)
