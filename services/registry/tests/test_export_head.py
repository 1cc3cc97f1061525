"""A HEAD on a county's archive answers the GET's status and headers without reading the county: the
archive took the whole export's time (minutes for a county) to be thrown away, since HEAD ran as a GET and
dropped the body (a known gap since the eleventh session)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.exports import service as export_service

COUNTY = "520102000000"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
async def test_head_on_an_archive_has_the_get_headers_and_reads_nothing(
    writable_registry: Any, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    registry = writable_registry
    headers = registry.auth("county", COUNTY, ["officer"])
    path = f"/exports/counties/{COUNTY}/archive.{suffix}"
    reads: list[str] = []
    household_files = export_service.household_files

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(path)
        return household_files(*args, **kwargs)

    monkeypatch.setattr(export_service, "household_files", counted)
    head = await registry.client.head(path, headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert reads == []
    get = await registry.client.get(path, headers=headers)
    assert get.status_code == 200 and reads, "the GET reads the county (the spy sees it)"
    for name in ("content-type", "content-disposition"):
        assert head.headers[name] == get.headers[name], name
    # Out of jurisdiction, the HEAD answers what the GET answers.
    other = registry.auth("county", "520103000000", ["officer"])
    assert (await registry.client.head(path, headers=other)).status_code == 404
