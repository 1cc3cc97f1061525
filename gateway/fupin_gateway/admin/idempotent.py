"""The Idempotency-Key of the admin API's writes, with the services' semantics (fupin_kit.idempotency) and
nothing recoverable in the gateway's database: the gateway holds no password or secret but argon2 hashes,
and its key table must not change that.

- The table holds a SHA-256 of each key, not the key: the key is what unseals the answer.
- An answer (a new client's secret, a reset password) is kept sealed with AES-GCM under a key derived
  (HKDF-SHA256) from the raw Idempotency-Key and the caller, so only a retry presenting the key reads it.
- A password in a request is fingerprinted as its argon2id digest under a salt derived from the caller and
  the raw key: a retry with the same password matches, one with another password is refused (422), and the
  stored fingerprint costs a password hash per guess even to someone who knows the key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_gateway.identity import passwords
from fupin_gateway.models import idempotency_keys
from fupin_kit import idempotency
from fupin_kit.auth.actor import Actor

# The fields of the admin API's bodies that carry a password.
PASSWORD_FIELDS = ("password", "current_password")
_NONCE_BYTES = 12
_ANSWER_KEY_INFO = b"fupin-gateway idempotent answer"
_PASSWORD_SALT_INFO = b"fupin-gateway idempotent password"


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _answer_key(actor: Actor, key: str) -> bytes:
    # Salted with the caller: the same key chosen by two callers seals their answers apart.
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=actor.subject.encode(), info=_ANSWER_KEY_INFO)
    return kdf.derive(key.encode())


def _bound_to(actor: Actor, key: str) -> bytes:
    # Authenticated with the row it is stored in: a sealed answer copied into another row does not open.
    return f"{actor.subject}\0{_key_digest(key)}".encode()


class Sealed(idempotency.KeptAs):
    """Keys as digests, answers sealed under the key (see the module's docstring)."""

    def stored_key(self, key: str) -> str:
        return _key_digest(key)

    def seal(self, actor: Actor, key: str, body: Any) -> Any:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(_answer_key(actor, key)).encrypt(nonce, orjson.dumps(body), _bound_to(actor, key))
        return {"sealed": base64.b64encode(nonce + sealed).decode()}

    def unseal(self, actor: Actor, key: str, body: Any) -> Any:
        raw = base64.b64decode(body["sealed"])
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return orjson.loads(AESGCM(_answer_key(actor, key)).decrypt(nonce, sealed, _bound_to(actor, key)))


SEALED = Sealed()


def _password_salt(actor: Actor, key: str) -> bytes:
    return hashlib.sha256(_PASSWORD_SALT_INFO + f"\0{actor.subject}\0{key}".encode()).digest()[:16]


async def fingerprinted(actor: Actor, key: str | None, body: BaseModel) -> dict[str, Any]:
    """The body as the request's fingerprint holds it: each password replaced by its keyed argon2id digest.
    Without a usable key nothing is kept, so nothing is hashed (a blank key is refused by run)."""
    values: dict[str, Any] = body.model_dump(mode="json")
    if key is None or not key.strip():
        return values
    salt = _password_salt(actor, key)
    for field in PASSWORD_FIELDS:
        if values.get(field) is not None:
            values[field] = await passwords.keyed_digest(values[field], salt)
    return values


def run(
    session: AsyncSession,
    actor: Actor,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
    status: int = 200,
) -> Awaitable[Response]:
    """An admin write run once per Idempotency-Key, in the write's transaction (fupin_kit.idempotency)."""
    return idempotency.run(idempotency_keys, session, actor, key, request, produce, status, kept=SEALED)


async def release(session: AsyncSession, actor: Actor, key: str) -> None:
    await idempotency.release(idempotency_keys, session, actor, key, kept=SEALED)
