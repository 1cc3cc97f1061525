"""A command's fingerprint is taken of any JSON body the service accepts: a free-form finding may hold an
integer beyond 64 bits, which orjson refuses and PostgreSQL's jsonb keeps (QA6 api-robustness §1: a keyed
step with {"a": 18446744073709551616} answered 500; the same body without a key was stored)."""

from __future__ import annotations

from fupin_kit.idempotency import fingerprint


def test_integers_beyond_64_bits_are_fingerprinted_and_told_apart() -> None:
    huge = fingerprint("verify", {"finding": {"a": 2**64}})
    assert huge == fingerprint("verify", {"finding": {"a": 2**64}})
    assert huge != fingerprint("verify", {"finding": {"a": 2**64 + 1}})
    assert fingerprint({"b": 1, "a": -(2**63) - 1}) == fingerprint({"a": -(2**63) - 1, "b": 1})


def test_ordinary_bodies_keep_their_fingerprint_whatever_the_key_order() -> None:
    assert fingerprint({"b": 1, "a": [1, "二"]}) == fingerprint({"a": [1, "二"], "b": 1})
