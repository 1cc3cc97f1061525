"""The test clock's route exists, and is documented, exactly in an app built with FUPIN_TEST_CLOCK=1.

It was decided when its module was first imported: a test run that built an app with the clock off first
(the merged-document test) left the clock out of the jurisdiction matrix's app too, which then could not
prepare a batch (helper-148, s17)."""

from __future__ import annotations

import httpx

from fupin_kit.settings import KitSettings
from identification.main import create_app


async def _clock_route(monkeypatch, enabled: bool) -> tuple[bool, int]:
    if enabled:
        monkeypatch.setenv("FUPIN_TEST_CLOCK", "1")
    else:
        monkeypatch.delenv("FUPIN_TEST_CLOCK", raising=False)
    app = create_app(KitSettings(service="identification"))
    documented = "/admin/clock" in app.openapi()["paths"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://x"
    ) as client:
        answer = await client.post("/admin/clock", json={"advance_s": 0})
    return documented, answer.status_code


async def test_the_clock_route_follows_the_app_not_the_first_import(monkeypatch):
    assert await _clock_route(monkeypatch, enabled=False) == (False, 404)
    # There (the app is not started here, so the route's dependencies fail: anything but a 404).
    documented, status = await _clock_route(monkeypatch, enabled=True)
    assert documented and status != 404
    assert await _clock_route(monkeypatch, enabled=False) == (False, 404)
