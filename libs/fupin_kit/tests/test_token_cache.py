"""The per-process cache of verified tokens never accepts what a full verification would refuse."""

from __future__ import annotations

import asyncio
import json
import time

import jwt
import pytest

from fupin_kit.auth import tokens
from fupin_kit.auth.keys import KeyStore, keep_retired_s, mint, new_private_jwk, public_jwk
from fupin_kit.auth.tokens import JwkSet, TokenVerifier
from fupin_kit.problems import ProblemError

CITY = "520100000000"


def _verifier(store: KeyStore, cache_size: int = tokens.TOKEN_CACHE_SIZE) -> TokenVerifier:
    store.ensure()
    return TokenVerifier(
        JwkSet(str(store.public_path)), "fupin", "fupin-api", leeway_s=0, cache_size=cache_size
    )


def _token(store: KeyStore, lifetime_s: int = 900, subject: str = "reader") -> str:
    return mint(
        store.current(),
        subject=subject,
        tier="city",
        division=CITY,
        roles=["viewer"],
        issuer="fupin",
        audience="fupin-api",
        lifetime_s=lifetime_s,
    )


async def test_cached_token_is_the_same_actor_without_a_second_check(tmp_path, monkeypatch):
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    token = _token(store)
    first = await verifier.verify(token)
    calls = 0
    original = jwt.decode

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    assert await verifier.verify(token) == first
    assert calls == 0


async def test_expired_token_is_refused_even_when_cached(tmp_path):
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    # exp is whole seconds after a fractional iat: a 1 s lifetime can leave a millisecond of validity on a
    # loaded machine; 2 s leaves at least one.
    token = _token(store, lifetime_s=2)
    await verifier.verify(token)
    assert token in verifier._cache
    await asyncio.sleep(3.1)
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(token)
    assert refused.value.status == 401
    assert token not in verifier._cache


async def test_tampered_token_is_another_key_and_fully_verified(tmp_path):
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    token = _token(store)
    await verifier.verify(token)
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for forged in (f"{head}.{payload}.{flipped}", f"{head}.{payload}x.{signature}", token + " "):
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(forged)
        assert refused.value.status == 401


async def test_token_of_a_dropped_key_is_refused_even_when_cached(tmp_path):
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    token = _token(store)
    await verifier.verify(token)
    store.rotate(keep_previous_s=-1)  # the old key is gone from the published set
    await verifier.jwks.refresh()
    with pytest.raises(ProblemError):
        await verifier.verify(token)


async def test_cache_is_bounded_least_recently_used_first(tmp_path):
    store = KeyStore(tmp_path)
    verifier = _verifier(store, cache_size=2)
    first, second, third = (_token(store, subject=f"user-{n}") for n in range(3))
    await verifier.verify(first)
    await verifier.verify(second)
    await verifier.verify(first)  # first is now the most recently used
    await verifier.verify(third)
    assert list(verifier._cache) == [first, third]


async def test_a_retired_key_verifies_until_its_tokens_expire_and_then_nothing(tmp_path):
    """Issue #5: the JWKS keeps the previous key until its tokens expire, and no longer: a token signed
    with it afterwards (a leaked private key) is refused by a verifier that never re-read the set."""
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    old_kid = store.current()["kid"]
    token = _token(store)
    await verifier.verify(token)
    store.rotate(keep_previous_s=1)
    await verifier.jwks.refresh()
    published = {key["kid"] for key in store.public_set()["keys"]}
    assert old_kid in published and len(published) == 2
    assert (await verifier.verify(token)).subject == "reader"  # still within its window
    await asyncio.sleep(1.1)
    assert old_kid not in {key["kid"] for key in store.public_set()["keys"]}
    minted_late = mint(
        store.load()[0],  # the retired private key, still in the file until the next rotation
        subject="intruder",
        tier="nation",
        division="000000000000",
        roles=["admin"],
        issuer="fupin",
        audience="fupin-api",
    )
    for refused in (token, minted_late):
        with pytest.raises(ProblemError) as caught:
            await verifier.verify(refused)
        assert caught.value.status == 401


async def test_a_withdrawing_rotation_ends_the_previous_keys_tokens_within_the_max_age(tmp_path, monkeypatch):
    store = KeyStore(tmp_path)
    verifier = _verifier(store)
    token = _token(store)
    await verifier.verify(token)
    store.rotate(keep_previous_s=900, withdraw_previous=True)
    assert [key["kid"] for key in store.public_set()["keys"]] == [store.current()["kid"]]
    # No new kid shows up to make the verifier re-read the set: its age does.
    assert (await verifier.verify(token)).subject == "reader"
    monkeypatch.setattr(tokens, "MAX_AGE_S", 0.0)
    with pytest.raises(ProblemError):
        await verifier.verify(token)
    assert (await verifier.verify(_token(store))).subject == "reader"


def _retire_the_old_way(store: KeyStore, retired: int) -> tuple[str, str]:
    """A key file as a rotation before `withdraw_at` existed left it: the previous key carries `retired`
    only, and the public file publishes it as a plain key. Returns (retired kid, current kid)."""
    store.ensure()
    keys = store.load()
    keys[0]["retired"] = retired
    keys.append(new_private_jwk())
    store.private_path.write_text(json.dumps({"keys": keys}))
    store.public_path.write_text(json.dumps({"keys": [public_jwk(key) for key in keys]}))
    return keys[0]["kid"], keys[1]["kid"]


async def test_a_key_retired_before_withdraw_at_existed_is_withdrawn_lifetime_and_leeway_after(tmp_path):
    """qa5 security-observability #1: a key with `retired` and no `withdraw_at` was published and accepted
    for ever. It is withdrawn at `retired` + lifetime + leeway, as a rotation now keeps a key: published no
    more, and refused by a verifier reading the public file, which the store rewrites."""
    now = int(time.time())
    store = KeyStore(tmp_path, keep_retired_s=keep_retired_s(900, 10))
    old_kid, current_kid = _retire_the_old_way(store, retired=now - 3600)
    assert [key["kid"] for key in store.public_set()["keys"]] == [current_kid]
    # The file a service verifies from now carries the key's withdraw_at: it refuses the key unreloaded.
    published = json.loads(store.public_path.read_text())["keys"]
    assert {key["kid"]: key.get("withdraw_at") for key in published} == {
        old_kid: now - 3600 + 910,
        current_kid: None,
    }
    verifier = _verifier(store)
    leaked = mint(
        store.load()[0],
        subject="intruder",
        tier="nation",
        division="000000000000",
        roles=["admin"],
        issuer="fupin",
        audience="fupin-api",
    )
    with pytest.raises(ProblemError) as caught:
        await verifier.verify(leaked)
    assert caught.value.status == 401
    assert (await verifier.verify(_token(store))).subject == "reader"


async def test_a_key_retired_the_old_way_moments_ago_verifies_until_lifetime_and_leeway(tmp_path):
    now = int(time.time())
    store = KeyStore(tmp_path, keep_retired_s=keep_retired_s(900, 10))
    old_kid, _current = _retire_the_old_way(store, retired=now - 60)
    published = {key["kid"]: key for key in store.public_set()["keys"]}
    assert published[old_kid]["withdraw_at"] == now - 60 + 910
    verifier = _verifier(store)
    signed_before = mint(
        store.load()[0],
        subject="reader",
        tier="city",
        division=CITY,
        roles=["viewer"],
        issuer="fupin",
        audience="fupin-api",
        issued_at=now - 120,
    )
    assert (await verifier.verify(signed_before)).subject == "reader"
