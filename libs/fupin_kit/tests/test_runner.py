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
