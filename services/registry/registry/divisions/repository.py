"""All SQL over the division tree. Every read takes the caller's subtree range [lo, hi] and filters on it,
so a node outside the caller's jurisdiction is simply absent."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from fupin_kit.divisions import NATION

COPY_COLUMNS = ("code", "name", "level", "parent_code", "valid_from", "valid_to", "placeholder", "quirk")
# pg_advisory_xact_lock key for "loading the division tree" (arbitrary, fixed: 'fupin-div' as bytes).
LOAD_LOCK_KEY = 0x6675_7069_6E64_6976 & 0x7FFF_FFFF_FFFF_FFFF

_NODE_COLUMNS = "d.code, d.name, d.level, d.parent_code, d.valid_from, d.valid_to, d.placeholder, d.quirk"


def _row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


# The nation is the root of the tree but not a row of the published file: its node is made up here, and
# its children are the rows without a parent (the provinces).
ROOT_NAME = "中华人民共和国"


def _covers_root(lo: str, hi: str) -> bool:
    return lo <= NATION <= hi


async def get_node(session: AsyncSession, code: str, lo: str, hi: str) -> dict[str, Any] | None:
    if code == NATION:
        return await _root_node(session) if _covers_root(lo, hi) else None
    row = (
        await session.execute(
            text(
                f"SELECT {_NODE_COLUMNS}, "
                "(SELECT count(*) FROM divisions c WHERE c.parent_code = d.code) AS child_count "
                "FROM divisions d WHERE d.code = :code AND d.code BETWEEN :lo AND :hi"
            ),
            {"code": code, "lo": lo, "hi": hi},
        )
    ).first()
    return None if row is None else _row(row)


async def _root_node(session: AsyncSession) -> dict[str, Any]:
    row = (
        await session.execute(
            text(
                "SELECT count(*) AS child_count, min(valid_from) AS valid_from FROM divisions "
                "WHERE parent_code IS NULL"
            )
        )
    ).one()
    return {
        "code": NATION,
        "name": ROOT_NAME,
        "level": 0,
        "parent_code": None,
        "valid_from": row.valid_from,
        "valid_to": None,
        "placeholder": False,
        "quirk": "the root of the tree: not a row of the published file",
        "child_count": int(row.child_count),
    }


async def children(
    session: AsyncSession, code: str, lo: str, hi: str, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """One keyset page of `code`'s children, by code; `limit + 1` rows tell the caller whether more exist."""
    parent = "d.parent_code IS NULL" if code == NATION else "d.parent_code = :code"
    rows = await session.execute(
        text(
            f"SELECT {_NODE_COLUMNS} FROM divisions d "
            f"WHERE {parent} AND d.code > :after AND d.code BETWEEN :lo AND :hi "
            "ORDER BY d.code LIMIT :limit"
        ),
        {"code": code, "after": after or "", "lo": lo, "hi": hi, "limit": limit + 1},
    )
    return [_row(row) for row in rows]


async def ancestors(session: AsyncSession, code: str, lo: str, hi: str) -> list[dict[str, Any]] | None:
    """The chain root → parent above `code`, following the real parent links; None when `code` is not in
    [lo, hi]. The chain may leave the caller's subtree upwards: that is the one view of ancestors a caller
    gets (the names and codes above its own node), never their other descendants."""
    if code == NATION:
        return [] if _covers_root(lo, hi) else None
    rows = (
        await session.execute(
            text(
                "WITH RECURSIVE chain AS ("
                "  SELECT d.code, d.parent_code, 0 AS hop FROM divisions d "
                "  WHERE d.code = :code AND d.code BETWEEN :lo AND :hi "
                "  UNION ALL "
                "  SELECT p.code, p.parent_code, chain.hop + 1 FROM divisions p "
                "  JOIN chain ON p.code = chain.parent_code WHERE chain.hop < 6"
                f") SELECT chain.hop, {_NODE_COLUMNS} FROM chain JOIN divisions d ON d.code = chain.code "
                "ORDER BY chain.hop DESC"
            ),
            {"code": code, "lo": lo, "hi": hi},
        )
    ).all()
    if not rows:
        return None
    return [{k: v for k, v in _row(row).items() if k != "hop"} for row in rows[:-1]]


async def villages_and_above(session: AsyncSession, lo: str, hi: str) -> list[dict[str, Any]]:
    """Every current village in [lo, hi] and every division above one, each once (code, name, level,
    parent_code, placeholder), following the real parent links: what names the villages' places
    (divisions/places.py). One query however many villages: UNION drops a parent already reached."""
    rows = await session.execute(
        text(
            "WITH RECURSIVE node AS ("
            "  SELECT d.code, d.name, d.level, d.parent_code, d.placeholder FROM divisions d "
            "  WHERE d.code BETWEEN :lo AND :hi AND d.level = 5 "
            "  AND (d.valid_to IS NULL OR d.valid_to >= current_date) "
            "  UNION "
            "  SELECT p.code, p.name, p.level, p.parent_code, p.placeholder FROM divisions p "
            "  JOIN node ON p.code = node.parent_code"
            ") SELECT code, name, level, parent_code, placeholder FROM node"
        ),
        {"lo": lo, "hi": hi},
    )
    return [_row(row) for row in rows]


# pg_trgm's unit: a pattern with fewer characters yields no trigram, and the name index answers it only by
# reading all of itself (a fifth of a second over the national tree, whatever [lo, hi] is).
TRIGRAM = 3


def _name_contains(query: str) -> str:
    """The name condition: LIKE for the trigram index, or, for a query too short for it, strpos, which
    the index cannot serve, so the planner reads the code range [lo, hi] instead."""
    if len(query) < TRIGRAM:
        return "strpos(d.name, :query) > 0"
    return "d.name LIKE :pattern ESCAPE '\\'"


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search(
    session: AsyncSession, query: str, lo: str, hi: str, limit: int, level: int | None = None
) -> list[dict[str, Any]]:
    """Nodes whose name contains `query` inside [lo, hi] (of one `level` when given); higher levels first,
    then by code."""
    # Conditions are left out rather than made void (`:level IS NULL OR …`), which would leave the planner
    # one generic plan for both.
    of_level = "" if level is None else "AND d.level = :level "
    rows = await session.execute(
        text(
            f"SELECT {_NODE_COLUMNS} FROM divisions d "
            f"WHERE {_name_contains(query)} AND d.code BETWEEN :lo AND :hi {of_level}"
            "ORDER BY d.level, d.code LIMIT :limit"
        ),
        {"pattern": _like_pattern(query), "query": query, "lo": lo, "hi": hi, "limit": limit, "level": level},
    )
    return [_row(row) for row in rows]


async def lineage(session: AsyncSession, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`codes` and every division above them, each once, keyed by code (code, name, level, parent_code,
    placeholder), following the real parent links: one query however many codes, as villages_and_above.
    No subtree filter: only the public reads use it, and the tree's names and codes are public."""
    rows = await session.execute(
        text(
            "WITH RECURSIVE node AS ("
            "  SELECT d.code, d.name, d.level, d.parent_code, d.placeholder FROM divisions d "
            "  WHERE d.code = ANY(:codes) "
            "  UNION "
            "  SELECT p.code, p.name, p.level, p.parent_code, p.placeholder FROM divisions p "
            "  JOIN node ON p.code = node.parent_code"
            ") SELECT code, name, level, parent_code, placeholder FROM node"
        ),
        {"codes": list(codes)},
    )
    return {row.code: _row(row) for row in rows}


async def visible(session: AsyncSession, code: str, lo: str, hi: str) -> bool:
    if code == NATION:
        return _covers_root(lo, hi)
    found = await session.execute(
        text("SELECT 1 FROM divisions WHERE code = :code AND code BETWEEN :lo AND :hi"),
        {"code": code, "lo": lo, "hi": hi},
    )
    return found.first() is not None


# --- bulk load (connection-level: one transaction owned by the loader) ---


# Loading statements (waiting for another loader, COPY, index builds) may outlast the client-side
# command timeout of the service's engine, so they run on the driver with this timeout instead.
LOAD_TIMEOUT_S = 900.0


async def _driver(conn: AsyncConnection) -> Any:
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return driver


async def lock_for_load(conn: AsyncConnection) -> None:
    """Open the load transaction, lift the statement timeout (server side) and serialise loaders across
    processes for the rest of the transaction."""
    await conn.execute(text("SET LOCAL statement_timeout = 0"))
    driver = await _driver(conn)
    await driver.execute(f"SELECT pg_advisory_xact_lock({LOAD_LOCK_KEY})", timeout=LOAD_TIMEOUT_S)


async def drop_secondary_indexes(conn: AsyncConnection) -> list[str]:
    """Drop every index of `divisions` but its primary key; return their definitions (as PostgreSQL
    prints them) so the same indexes, whatever the migrations made them, are rebuilt after the COPY."""
    rows = await conn.execute(
        text(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition "
            "FROM pg_index i WHERE i.indrelid = 'divisions'::regclass AND NOT i.indisprimary "
            "ORDER BY 1"
        )
    )
    definitions = []
    for name, definition in rows.all():
        await conn.execute(text(f"DROP INDEX {name}"))  # regclass text is already quoted
        definitions.append(str(definition))
    return definitions


async def create_indexes(conn: AsyncConnection, definitions: list[str]) -> None:
    driver = await _driver(conn)
    await driver.execute("SET LOCAL maintenance_work_mem = '256MB'", timeout=LOAD_TIMEOUT_S)
    for definition in definitions:
        await driver.execute(definition, timeout=LOAD_TIMEOUT_S)


async def is_empty(conn: AsyncConnection) -> bool:
    return (await conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM divisions)"))).scalar_one() is True


async def copy_rows(conn: AsyncConnection, records: AsyncIterable[Sequence[Any]]) -> None:
    """Binary COPY into `divisions` on the connection's open transaction."""
    driver = await _driver(conn)
    await driver.copy_records_to_table(
        "divisions", records=records, columns=list(COPY_COLUMNS), timeout=LOAD_TIMEOUT_S
    )


async def count(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("SELECT count(*) FROM divisions"))).scalar_one())


async def orphans(conn: AsyncConnection, sample: int = 5) -> list[str]:
    """Codes whose parent_code names no row: the set-based replacement for a per-row foreign key."""
    rows = await (await _driver(conn)).fetch(
        "SELECT c.code FROM divisions c WHERE c.parent_code IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM divisions p WHERE p.code = c.parent_code) ORDER BY c.code LIMIT $1",
        sample,
        timeout=LOAD_TIMEOUT_S,
    )
    return [str(row["code"]) for row in rows]


async def analyze(conn: AsyncConnection) -> None:
    await (await _driver(conn)).execute("ANALYZE divisions", timeout=LOAD_TIMEOUT_S)


async def annotate(conn: AsyncConnection, code: str, quirk: str) -> None:
    await conn.execute(
        text("UPDATE divisions SET quirk = :quirk WHERE code = :code"), {"code": code, "quirk": quirk}
    )
