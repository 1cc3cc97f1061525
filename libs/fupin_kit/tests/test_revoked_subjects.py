"""The revoked subjects a service polls: a failed poll keeps the last set (an outage never re-admits a
disabled account), and the verifier refuses a revoked subject's token even when it is already cached; the
same for a token issued before its subject's not-before (a password or secret reset, a change of roles or
scopes), and the published document's parsing (not_before optional, never misread when malformed)."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.auth.revocations import (
    REVOKED_SUBJECTS_PATH,
    RevokedSubjects,
    parse_document,
    parse_revocations,
    render_document,
    revocation_key,
    subject_digest,
)
from fupin_kit.auth.tokens import JwkSet, TokenVerifier
from fupin_kit.embedded import free_port
from fupin_kit.problems import ProblemError
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app

CITY = "520100000000"
# What every process of a deployment derives from its shared FUPIN_PII_KEY (KitSettings.revocation_key).
KEY = revocation_key(b"\x07" * 32)


def _publish(path: Path, *subjects: str) -> None:
    path.write_bytes(render_document(subjects, len(subjects), datetime.now(UTC), key=KEY))


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """One entry per jwt.decode call from now on (a cache hit makes none)."""
    calls: list[object] = []
    original = jwt.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0] if args else None)
        return original(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


async def _verifier_polling_a_file(
    tmp_path: Path,
) -> tuple[KeyStore, Path, RevokedSubjects, TokenVerifier]:
    """A key store, a revoked-subjects file revoking nobody yet, its poller (loaded once) and a verifier
    consulting it: what a service has once it has started."""
    store = KeyStore(tmp_path / "keys")
    store.ensure()
    source = tmp_path / "revoked.json"
    _publish(source)
    revoked = RevokedSubjects(str(source), refresh_s=60, key=KEY)
    await revoked.refresh()
    return (
        store,
        source,
        revoked,
        TokenVerifier(JwkSet(str(store.public_path)), "fupin", "fupin-api", revoked=revoked),
    )


def _token(store: KeyStore, subject: str) -> str:
    return mint(
        store.current(),
        subject=subject,
        tier="city",
        division=CITY,
        roles=["viewer"],
        issuer="fupin",
        audience="fupin-api",
        lifetime_s=900,
    )


async def test_a_failed_poll_keeps_the_last_set(tmp_path, caplog):
    source = tmp_path / "revoked.json"
    _publish(source, "user:zhang.san")
    revoked = RevokedSubjects(str(source), refresh_s=60, key=KEY)
    assert await revoked.refresh()
    assert subject_digest("user:zhang.san", KEY) in revoked and len(revoked) == 1

    # Garbled, not a revoked-subjects document, and gone: each a failed poll, the set unchanged.
    caplog.set_level(logging.WARNING, logger="fupin_kit.auth.revocations")
    for broken in (b"{not json", b'{"algorithm": "md5", "subjects": []}', b'{"subjects": ["zhang.san"]}'):
        source.write_bytes(broken)
        assert not await revoked.refresh()
        assert subject_digest("user:zhang.san", KEY) in revoked
    source.unlink()
    assert not await revoked.refresh()
    assert subject_digest("user:zhang.san", KEY) in revoked
    # One warning for the whole outage, not one per poll.
    assert len([r for r in caplog.records if "failed" in r.getMessage()]) == 1

    _publish(source)
    assert await revoked.refresh()
    assert len(revoked) == 0


async def test_an_unreachable_gateway_keeps_the_last_set(tmp_path):
    revoked = RevokedSubjects(f"http://127.0.0.1:{free_port()}{REVOKED_SUBJECTS_PATH}", refresh_s=60, key=KEY)
    try:
        assert not await revoked.refresh()
        assert len(revoked) == 0
        # What it had loaded stays in force while the source cannot be read.
        revoked.source = str(tmp_path / "revoked.json")
        _publish(Path(revoked.source), "client:mca-sync")
        assert await revoked.refresh()
        revoked.source = f"http://127.0.0.1:{free_port()}{REVOKED_SUBJECTS_PATH}"
        assert not await revoked.refresh()
        assert subject_digest("client:mca-sync", KEY) in revoked
    finally:
        await revoked.stop()


async def test_a_cached_token_is_refused_once_its_subject_is_revoked(tmp_path, monkeypatch):
    store, source, revoked, verifier = await _verifier_polling_a_file(tmp_path)
    token = _token(store, "user:li.si")
    assert (await verifier.verify(token)).subject == "user:li.si"
    assert token in verifier._cache

    _publish(source, "user:li.si")
    assert await revoked.refresh()
    decoded = _count_decodes(monkeypatch)
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(token)
    assert refused.value.status == 401 and refused.value.detail == "token revoked"
    assert decoded == []  # refused on the cache-hit path, without a second signature check
    # A token of the same subject never seen before is refused too; another subject's is not.
    with pytest.raises(ProblemError):
        await verifier.verify(_token(store, "user:li.si"))
    assert (await verifier.verify(_token(store, "user:wang.wu"))).subject == "user:wang.wu"

    # Re-enabled: the same (still unexpired) token is accepted again.
    _publish(source)
    assert await revoked.refresh()
    assert (await verifier.verify(token)).subject == "user:li.si"


async def test_a_service_starts_while_the_gateway_is_down_and_stops_its_poller(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    dead = f"http://127.0.0.1:{free_port()}{REVOKED_SUBJECTS_PATH}"
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings(
            "sample_producer",
            database,
            role="api",
            revoked_subjects_source=dead,
            revoked_subjects_refresh_s=0.05,
        ),
    )
    async with app.router.lifespan_context(app):
        revoked: RevokedSubjects = app.state.revoked_subjects
        assert revoked.source == dead and revoked._task is not None and not revoked._task.done()
        token = fupin_stack.token("city", CITY, ["viewer"], subject="user:zhou.liu")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            me = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        task = revoked._task
    assert task.done() and revoked._client is None


DIGEST = subject_digest("user:zhang.san", KEY)


def test_a_document_without_not_before_is_read_as_having_none():
    # As gateways before not-before published it.
    document = {"algorithm": "sha256", "generation": 3, "changed_at": "2026-11-26T00:00:00+00:00"}
    parsed = parse_revocations({**document, "subjects": [DIGEST]})
    assert parsed.subjects == {DIGEST} and parsed.not_before == {}
    assert parse_document({**document, "subjects": [DIGEST]}) == {DIGEST}
    both = parse_revocations({**document, "subjects": [], "not_before": {DIGEST: 1_790_000_000}})
    assert both.subjects == frozenset() and both.not_before == {DIGEST: 1_790_000_000}


@pytest.mark.parametrize(
    "not_before",
    [
        None,
        [],
        [DIGEST],
        "1790000000",
        {"zhang.san": 1_790_000_000},
        {DIGEST.upper(): 1_790_000_000},
        {DIGEST: "1790000000"},
        {DIGEST: True},
        {DIGEST: -1},
        {DIGEST: -0.001},
        {DIGEST: float("inf")},
        {DIGEST: float("nan")},
        {DIGEST: None},
    ],
)
def test_a_malformed_not_before_is_refused_never_read_as_empty(not_before):
    document = {"algorithm": "sha256", "subjects": [], "not_before": not_before}
    with pytest.raises(ValueError):
        parse_revocations(document)
    with pytest.raises(ValueError):
        parse_document(document)


def test_render_and_parse_agree_on_not_before():
    body = render_document(["user:a"], 1, datetime.now(UTC), {"user:zhang.san": 1_790_000_000.123}, key=KEY)
    parsed = parse_revocations(json.loads(body))
    assert parsed.subjects == {subject_digest("user:a", KEY)}
    assert parsed.not_before == {DIGEST: 1_790_000_000.123}
    assert "zhang.san" not in body.decode()


def test_whole_second_not_befores_of_older_gateways_are_read():
    document = {"algorithm": "sha256", "subjects": [], "not_before": {DIGEST: 1_790_000_000}}
    assert parse_revocations(document).not_before == {DIGEST: 1_790_000_000.0}


async def test_a_malformed_not_before_is_a_failed_poll(tmp_path):
    source = tmp_path / "revoked.json"
    source.write_bytes(render_document([], 1, datetime.now(UTC), {"user:zhang.san": 1_790_000_000}, key=KEY))
    revoked = RevokedSubjects(str(source), refresh_s=60, key=KEY)
    assert await revoked.refresh()
    assert revoked.not_before(DIGEST) == 1_790_000_000
    source.write_bytes(b'{"algorithm": "sha256", "subjects": [], "not_before": {"x": 1}}')
    assert not await revoked.refresh()
    assert revoked.not_before(DIGEST) == 1_790_000_000  # the last one kept
    assert revoked.refuses("user:zhang.san", 1_789_999_999)
    assert not revoked.refuses("user:zhang.san", 1_790_000_000)


async def test_a_cached_token_issued_before_its_subjects_not_before_is_refused(tmp_path, monkeypatch):
    store, source, revoked, verifier = await _verifier_polling_a_file(tmp_path)
    token = _token(store, "user:li.si")
    actor = await verifier.verify(token)
    issued_at = jwt.decode(token, options={"verify_signature": False})["iat"]
    assert actor.issued_at == issued_at
    assert token in verifier._cache

    # A not-before after the token's iat: refused on the cache-hit path, without a signature check.
    source.write_bytes(render_document([], 1, datetime.now(UTC), {"user:li.si": issued_at + 1}, key=KEY))
    assert await revoked.refresh()
    decoded = _count_decodes(monkeypatch)
    with pytest.raises(ProblemError) as refused:
        await verifier.verify(token)
    assert refused.value.status == 401 and refused.value.detail == "token revoked"
    assert decoded == []
    # Another subject's token is not affected.
    assert (await verifier.verify(_token(store, "user:wang.wu"))).subject == "user:wang.wu"

    # A not-before one millisecond after the token's iat still ends it (a reset right after a sign-in);
    # one in the token's own millisecond does not (a token obtained with the new password must work).
    source.write_bytes(render_document([], 2, datetime.now(UTC), {"user:li.si": issued_at + 0.001}, key=KEY))
    assert await revoked.refresh()
    with pytest.raises(ProblemError):
        await verifier.verify(token)
    source.write_bytes(render_document([], 3, datetime.now(UTC), {"user:li.si": issued_at}, key=KEY))
    assert await revoked.refresh()
    assert (await verifier.verify(token)).subject == "user:li.si"


def test_the_published_digests_name_nobody_to_whoever_lacks_the_key():
    # The document is public: a plain hash of a guessed account name must not be found in it.
    body = render_document(["user:zhang.san"], 1, datetime.now(UTC), {"user:li.si": 1_790_000_000}, key=KEY)
    document = json.loads(body)
    assert document["algorithm"] == "hmac-sha256"
    for guessed in ("user:zhang.san", "user:li.si"):
        assert hashlib.sha256(guessed.encode()).hexdigest() not in body.decode()
        assert subject_digest(guessed, revocation_key(b"\x08" * 32)) not in body.decode()
    assert parse_revocations(document).subjects == {subject_digest("user:zhang.san", KEY)}
    assert set(parse_revocations(document).not_before) == {subject_digest("user:li.si", KEY)}


async def test_an_older_gateways_unkeyed_document_is_still_honoured(tmp_path):
    # A service upgraded before its gateway: what that gateway revoked stays refused, and back again.
    store, source, revoked, verifier = await _verifier_polling_a_file(tmp_path)
    token = _token(store, "user:li.si")
    assert (await verifier.verify(token)).subject == "user:li.si"
    plain = hashlib.sha256(b"user:li.si").hexdigest()
    source.write_text(json.dumps({"algorithm": "sha256", "generation": 1, "subjects": [plain]}))
    assert await revoked.refresh()
    with pytest.raises(ProblemError):
        await verifier.verify(token)
    assert (await verifier.verify(_token(store, "user:wang.wu"))).subject == "user:wang.wu"

    _publish(source, "user:li.si")  # the gateway upgraded: keyed digests
    assert await revoked.refresh()
    with pytest.raises(ProblemError):
        await verifier.verify(token)
    _publish(source)
    assert await revoked.refresh()
    assert (await verifier.verify(token)).subject == "user:li.si"
