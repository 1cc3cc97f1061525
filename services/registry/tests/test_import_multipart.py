"""An upload whose multipart body cannot be parsed is the documented 422 of an unreadable body, as broken JSON
is, not Starlette's undocumented 400 about:blank "Invalid multipart data." (QA6 api-robustness §8); and it
starts no import."""

from __future__ import annotations

from sqlalchemy import text

COUNTY = "520102000000"


async def test_a_malformed_multipart_upload_is_422_and_starts_nothing(writable_registry) -> None:
    registry = writable_registry
    headers = registry.auth("county", COUNTY, ["officer"])
    body = b"garbage that is no multipart body"
    refused = await registry.client.post(
        "/imports", content=body, headers={**headers, "Content-Type": "multipart/form-data; boundary=b"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] != "about:blank"
    async with registry.app.state.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM imports"))).scalar_one() == 0
