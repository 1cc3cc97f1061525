"""The loader's decisions on small files: the same rules as for the national file, and a strict refusal
of cases it has no documented decision for."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import text

from fupin_kit import migrations
from fupin_kit.db import create_engine
from registry.divisions.loader import DATA_FILE, DivisionDataError, TreeSettings, load_divisions

HEADER = "code,name,level,parent_code\n"
GOOD = (
    "440000000000,广东省,province,\n"
    "441900000000,东莞市,city,440000000000\n"
    "441900000000,东莞市,county,441900000000\n"
    "441900003000,东城街道,township,441900000000\n"
    "441900003001,岗贝社区居民委员会,village,441900003000\n"
    "110000000000,北京市,province,\n"
    "110100000000,市辖区,city,110000000000\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "divisions.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(HEADER + body)
    return path


@pytest.fixture
async def engine(fupin_stack):
    name = await fupin_stack.fresh_database("registry", "registry")
    engine = create_engine(fupin_stack.settings("registry", name), pool_size=1)
    yield engine
    await engine.dispose()
    await migrations.drop_database(fupin_stack.database_url, name)


async def test_small_file_follows_the_documented_rules(engine, tmp_path: Path) -> None:
    result = await load_divisions(engine, write(tmp_path, GOOD))
    assert result.loaded and result.read_rows == 7 and result.rows == 6
    assert [(row.code, row.level) for row in result.dropped] == [("441900000000", "county")]
    async with engine.connect() as conn:
        found = {
            row.code: row
            for row in await conn.execute(
                text("SELECT code, level, parent_code, placeholder, quirk FROM divisions")
            )
        }
        indexes = (
            await conn.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename = 'divisions'"))
        ).scalar()
    assert found["441900003000"].parent_code == "441900000000" and found["441900000000"].level == 2
    assert found["441900000000"].quirk and found["110100000000"].placeholder is True
    assert indexes == 4  # primary key, children, trigram, (level, code): rebuilt after the COPY
    again = await load_divisions(engine, write(tmp_path, GOOD))
    assert not again.loaded and again.rows == 6


@pytest.mark.parametrize(
    "bad",
    [
        "440000000000,广东省,province,\n441900003001,某村,village,440000000000\n",
        "440000000000,广东省,province,\n450100000000,南宁市,city,440000000000\n",
        "440000000000,广东省,province,\n441900000000,东莞市,county,440000000000\n",
        "44000000000,广东省,province,\n",
        "440000000000,广东省,province,\n441900003000,东城街道,township,441900000000\n",
    ],
    ids=[
        "village-under-province",
        "outside-parent-range",
        "level-contradicts-code",
        "short-code",
        "missing-parent",
    ],
)
async def test_unexpected_cases_abort_the_whole_load(engine, tmp_path: Path, bad: str) -> None:
    with pytest.raises(DivisionDataError):
        await load_divisions(engine, write(tmp_path, bad))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM divisions"))).scalar() == 0


async def test_the_file_fupin_divisions_file_names_is_loaded_at_start(
    engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A development or test run may start its registry on a subset of the published file; the loader
    reads it with the same rules, and a start without the setting still reads the national file."""
    monkeypatch.setenv("FUPIN_DIVISIONS_FILE", str(write(tmp_path, GOOD)))
    result = await load_divisions(engine)
    assert result.loaded and result.read_rows == 7 and result.rows == 6
    monkeypatch.delenv("FUPIN_DIVISIONS_FILE")
    assert TreeSettings().divisions_file == DATA_FILE
