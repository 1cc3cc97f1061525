"""What `runner.serve` hands uvicorn for every process: the app factory, the start-up heap frozen out of
garbage collection (test_heap_freeze) and the protocol whose parser refusals are problem documents
(test_http_protocol)."""

from __future__ import annotations

import pytest

from fupin_kit.http_protocol import ProblemHttpToolsProtocol
from fupin_kit.settings import KitSettings


def test_the_runner_serves_the_factory_frozen_with_problem_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner writes these into os.environ: recorded here so the test session gets them back unset.
    for key in ("FUPIN_GC_FREEZE_AFTER_START", "FUPIN_ROLE", "FUPIN_SERVICE"):
        monkeypatch.setenv(key, "recorded")
        monkeypatch.delenv(key)
    started: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.update(kwargs))
    from fupin_kit import runner

    runner.serve("sample_producer", "fupin_kit.sample.app:create_app", ["--role", "api", "--port", "0"])
    assert started["factory"] is True
    assert started["http"] is ProblemHttpToolsProtocol
    assert KitSettings(service="sample_producer").gc_freeze_after_start is True


def _started(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> dict[str, object]:
    for key in ("FUPIN_GC_FREEZE_AFTER_START", "FUPIN_ROLE", "FUPIN_SERVICE"):
        monkeypatch.setenv(key, "recorded")
        monkeypatch.delenv(key)
    started: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.update(kwargs))
    from fupin_kit import runner

    runner.serve("gateway", "fupin_gateway.main:create_app", argv)
    return started


def test_proxy_headers_are_trusted_only_from_configured_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """qa5 security-observability #5: uvicorn trusted X-Forwarded-For from 127.0.0.1 by default, so any
    local caller wrote the client IP of the access audit and got a fresh anonymous rate-limit bucket per
    forged address. No proxy is trusted unless FUPIN_FORWARDED_ALLOW_IPS (or --forwarded-allow-ips) names
    it; uvicorn's own FORWARDED_ALLOW_IPS is not read then."""
    monkeypatch.delenv("FUPIN_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    default = _started(monkeypatch, ["--port", "0"])
    assert default["proxy_headers"] is False

    monkeypatch.setenv("FUPIN_FORWARDED_ALLOW_IPS", " 10.0.0.5, 10.1.0.0/16 ")
    configured = _started(monkeypatch, ["--port", "0"])
    assert configured["proxy_headers"] is True
    assert configured["forwarded_allow_ips"] == "10.0.0.5,10.1.0.0/16"
    flag = _started(monkeypatch, ["--port", "0", "--forwarded-allow-ips", "192.0.2.1"])
    assert flag["proxy_headers"] is True and flag["forwarded_allow_ips"] == "192.0.2.1"


def test_uvicorn_then_keeps_the_peer_as_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """What uvicorn makes of the runner's default: the app is not wrapped in its proxy-headers middleware."""
    from uvicorn.config import Config
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    monkeypatch.delenv("FUPIN_FORWARDED_ALLOW_IPS", raising=False)
    started = _started(monkeypatch, ["--port", "0"])

    async def app(scope: object, receive: object, send: object) -> None:
        return None

    kwargs = {key: started[key] for key in ("proxy_headers", "forwarded_allow_ips")}
    config = Config(app, **kwargs)  # type: ignore[arg-type]
    config.load()
    assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)
    trusting = Config(app, proxy_headers=True, forwarded_allow_ips="10.0.0.5")
    trusting.load()
    assert isinstance(trusting.loaded_app, ProxyHeadersMiddleware)
