"""What a token says about its holder: issue times to the millisecond (fupin_kit.auth.instants) and the roles
an evaluator may use (fupin_kit.auth.roles)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_kit.auth.instants import floor_ms_seconds, now_ms_seconds
from fupin_kit.auth.keys import KeyStore, mint


def test_floor_truncates_to_the_millisecond_in_any_zone():
    at = datetime(2026, 11, 27, 3, 4, 5, 678_999, tzinfo=UTC)
    assert floor_ms_seconds(at) == 1_795_748_645.678
    beijing = at.astimezone(timezone(timedelta(hours=8)))
    assert floor_ms_seconds(beijing) == floor_ms_seconds(at)


@given(st.integers(min_value=0, max_value=4_102_444_800_000), st.integers(min_value=0, max_value=999))
def test_equal_milliseconds_compare_equal_and_later_ones_later(millis, micros):
    """The two sides are computed apart (a datetime from PostgreSQL, a float from a JSON token) and must
    agree: the same millisecond equal, the next one strictly later, after a JSON round trip."""
    at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis, microseconds=micros)
    token_side = json.loads(json.dumps(millis / 1000))
    assert floor_ms_seconds(at) == token_side
    assert floor_ms_seconds(at + timedelta(milliseconds=1)) > token_side


def test_now_is_to_the_millisecond():
    before = time.time()
    now = now_ms_seconds()
    assert before - 0.001 <= now <= time.time()
    assert round(now * 1000) / 1000 == now


def test_a_minted_token_carries_a_millisecond_iat_and_whole_second_nbf_and_exp(tmp_path):
    store = KeyStore(tmp_path / "keys")
    store.ensure()
    token = mint(
        store.current(),
        subject="user:li.si",
        tier="village",
        division="520102001001",
        roles=[],
        issuer="fupin",
        audience="fupin-api",
        lifetime_s=900,
        issued_at=1_795_748_645.678,
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iat"] == 1_795_748_645.678
    assert claims["nbf"] == 1_795_748_645 and claims["exp"] == 1_795_748_645 + 900


async def test_an_evaluators_token_never_carries_write_roles_into_a_service(tmp_path):
    """Every process drops the write roles of an evaluator's token (one issued before the admin API
    refused them), so an outside evaluator can read and sample but never write."""
    from fupin_kit.auth.tokens import JwkSet, TokenVerifier

    store = KeyStore(tmp_path / "keys")
    store.ensure()
    verifier = TokenVerifier(JwkSet(str(store.public_path)), "fupin", "fupin-api")

    def token(kind: str) -> str:
        return mint(
            store.current(),
            subject=f"{kind}:zhao",
            tier="county",
            division="522632000000",
            roles=["evaluator", "officer", "cadre", "viewer"],
            issuer="fupin",
            audience="fupin-api",
            kind=kind,
        )

    assert (await verifier.verify(token("evaluator"))).roles == {"evaluator", "viewer"}
    # Whatever its kind, a token holding the evaluator role is an evaluator's (QA8 FW-2).
    assert (await verifier.verify(token("user"))).roles == {"evaluator", "viewer"}


async def test_a_token_with_a_blank_subject_is_refused(tmp_path):
    """Writes and audit rows name the token's subject as their actor: a blank one would name nobody."""
    from fupin_kit.auth.tokens import JwkSet, TokenVerifier
    from fupin_kit.problems import ProblemError

    store = KeyStore(tmp_path / "keys")
    store.ensure()
    verifier = TokenVerifier(JwkSet(str(store.public_path)), "fupin", "fupin-api")
    for subject in ("", "  "):
        blank = mint(
            store.current(),
            subject=subject,
            tier="county",
            division="522632000000",
            roles=["officer"],
            issuer="fupin",
            audience="fupin-api",
        )
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(blank)
        assert refused.value.status == 401


def test_a_narrowed_operation_scope_lets_the_call_through_and_names_what_it_covers():
    from fupin_kit.auth import client_scopes

    payroll = frozenset({"comparisons:push:government_payroll"})
    assert client_scopes.permits(payroll, "identification", "POST", "comparisons:push")
    assert not client_scopes.permits(payroll, "identification", "POST", "objections:resolve")
    assert not client_scopes.permits(
        frozenset({"comparisons:pushy"}), "identification", "POST", "comparisons:push"
    )
    assert client_scopes.narrowed(payroll, "identification", "comparisons:push") == frozenset(
        {"government_payroll"}
    )
    whole = frozenset({"comparisons:push", "comparisons:push:government_payroll"})
    assert client_scopes.narrowed(whole, "identification", "comparisons:push") is None
    assert (
        client_scopes.narrowed(frozenset({"identification.write"}), "identification", "comparisons:push")
        is None
    )
    assert (
        client_scopes.narrowed(frozenset({"registry.write"}), "identification", "comparisons:push")
        == frozenset()
    )
    assert client_scopes.narrowed(None, "identification", "comparisons:push") is None


async def test_a_token_living_longer_than_the_platform_issues_is_refused(tmp_path):
    """qa5 security-observability #6: a validly signed token with exp a year after iat was accepted
    everywhere. Verifiers refuse `exp` - `iat` beyond the platform's token lifetime plus leeway; a token of
    exactly that lifetime (iat to the millisecond, exp whole seconds) still verifies, and one without `iat`
    is refused (its lifetime cannot be told)."""
    from fupin_kit.auth.keys import sign
    from fupin_kit.auth.tokens import JwkSet, TokenVerifier
    from fupin_kit.problems import ProblemError

    store = KeyStore(tmp_path / "keys")
    store.ensure()
    verifier = TokenVerifier(
        JwkSet(str(store.public_path)), "fupin", "fupin-api", leeway_s=10, max_lifetime_s=900
    )

    def token(lifetime_s: int) -> str:
        return mint(
            store.current(),
            subject="user:li.si",
            tier="county",
            division="522632000000",
            roles=["officer"],
            issuer="fupin",
            audience="fupin-api",
            lifetime_s=lifetime_s,
        )

    assert (await verifier.verify(token(900))).subject == "user:li.si"
    assert (await verifier.verify(token(910))).subject == "user:li.si"  # within the leeway
    for lifetime_s in (911, 365 * 86_400):
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(token(lifetime_s))
        assert refused.value.status == 401 and "lifetime" in str(refused.value.detail)
    now = int(time.time())
    without_iat = {
        "iss": "fupin",
        "aud": "fupin-api",
        "sub": "user:li.si",
        "nbf": now,
        "exp": now + 600,
        "tier": "county",
        "division": "522632000000",
        "roles": ["officer"],
    }
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(sign(store.current(), without_iat))
    assert refused.value.status == 401
