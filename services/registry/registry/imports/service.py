"""Use cases of bulk import: accept an upload, process it in the background, report on it.

Processing is all-or-nothing per file: every row is validated and staged first (Python checks per row,
then set-based SQL checks over the staged file), and only a file without a single rejected row is applied,
in one transaction. The same bytes uploaded again are never processed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, overload

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from fupin_kit.audit.chain import AuditEntry
from fupin_kit.auth.actor import Actor, require_role, require_tier
from fupin_kit.pii import PiiCipher, mask_text
from fupin_kit.problems import not_found
from fupin_kit.request_context import current_request_id
from fupin_kit.telemetry import current_trace_headers
from registry.divisions import places
from registry.exports.cells import csv_cell
from registry.imports import chunking, documents, failures, reasons_zh, repository, workers
from registry.imports.parsing import FileProblem, detect_format
from registry.imports.phases import Phases
from registry.imports.schemas import ImportOut, LineStatus, ReportLine, ReportPage

log = logging.getLogger(__name__)
IMPORT_TIERS = ("village", "township", "county")
IMPORT_ROLES = ("cadre", "officer")
SPOOL_BLOCK = 1 << 20
# Progress is written at most this often: each write is a transaction of its own with a WAL flush, and
# while it runs the staging connection waits (one per chunk was ~2 s of a 100,000-household file). The
# heartbeat it also is (repository.STALE_AFTER) needs far less.
PROGRESS_EVERY_S = 1.0


@dataclass(frozen=True)
class Runtime:
    """What a background import needs beyond the request: the engine (for its staging connection), a
    sessionmaker (progress), the PII cipher, and the set that keeps running tasks referenced."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cipher: PiiCipher
    tasks: set[asyncio.Task[None]]
    spool_dir: Path | None = None


# ---- upload ---------------------------------------------------------------------------------------------


def spool(source: IO[bytes], directory: Path | None) -> tuple[Path, str, int]:
    """Copy the upload to a file of our own (it outlives the request), hashing it on the way."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile("wb", prefix="fupin-import-", dir=directory, delete=False) as target:
        while block := source.read(SPOOL_BLOCK):
            digest.update(block)
            target.write(block)
            size += len(block)
    return Path(target.name), digest.hexdigest(), size


@overload
def _shown(actor: Actor, value: str) -> str: ...
@overload
def _shown(actor: Actor, value: str | None) -> str | None: ...
def _shown(actor: Actor, value: str | None) -> str | None:
    """Text that came from the file (its name, a 户编号, a reason quoting a cell): as it was for the
    county tier and below, with every resident ID and mobile number in it masked above, as the registry's
    history and the feeds read what cadres typed."""
    return value if actor.sees_full_identity or value is None else mask_text(value)


def _out(actor: Actor, row: dict[str, Any], original: dict[str, Any] | None = None) -> ImportOut:
    counts = original or row
    return ImportOut(
        id=row["id"],
        status=row["status"],
        duplicate_of=row["duplicate_of"],
        filename=_shown(actor, row["filename"]),
        format=row["format"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        rows_read=counts["rows_read"],
        households_read=counts["households_read"],
        households_accepted=counts["households_accepted"],
        households_rejected=counts["households_rejected"],
        members_accepted=counts["members_accepted"],
        rows_rejected=counts["rows_rejected"],
        error=_shown(actor, row["error"]),
        error_zh=_in_chinese(_shown(actor, row["error"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
        report=f"/imports/{row['id']}/report",
    )


async def submit(runtime: Runtime, actor: Actor, filename: str, source: IO[bytes]) -> ImportOut:
    require_tier(actor, *IMPORT_TIERS)
    require_role(actor, *IMPORT_ROLES)
    path, sha256, size = await asyncio.to_thread(spool, source, runtime.spool_dir)
    try:
        file_format = await asyncio.to_thread(detect_format, path, filename)
    except FileProblem:
        file_format = "xlsx"  # named .xlsx but unreadable: processing reports why
    import_id = uuid.uuid4()
    values = {
        "id": import_id,
        "sha256": sha256,
        "filename": filename[-300:],
        "format": file_format,
        "size_bytes": size,
        "actor": actor.subject,
        "actor_tier": actor.tier,
        "actor_division": actor.division,
    }
    lo, hi = actor.subtree
    async with runtime.sessionmaker() as session, session.begin():
        await repository.expire_stale(session)
        # Only an import the caller may see makes this one a duplicate: the same bytes from another
        # jurisdiction are an import of their own, never an answer naming a foreign import and its counts.
        original = await repository.live_import_by_sha(session, sha256, lo, hi)
        created = False
        if original is None:
            created = await repository.insert_import(session, {**values, "status": "received"})
            if not created:  # the same division uploaded the same bytes a moment ago
                original = await repository.live_import_by_sha(session, sha256, lo, hi)
        if not created:
            assert original is not None
            await repository.insert_duplicate(session, values, original)
    if not created:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    else:
        task = asyncio.create_task(process(runtime, import_id, path, file_format, actor, filename))
        runtime.tasks.add(task)
        task.add_done_callback(runtime.tasks.discard)
    async with runtime.sessionmaker() as session:
        row = await repository.get_import(session, import_id)
        assert row is not None
        return await _render(session, actor, row)


async def _render(session: AsyncSession, actor: Actor, row: dict[str, Any]) -> ImportOut:
    """A duplicate shows the first import's result (its counts as they are now, even while it runs)."""
    if row["duplicate_of"] is None:
        return _out(actor, row)
    original = await repository.get_import(session, row["duplicate_of"])
    return _out(actor, row, original)


# ---- processing -----------------------------------------------------------------------------------------


async def _progress(runtime: Runtime, import_id: uuid.UUID, values: dict[str, Any]) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await repository.set_progress(session, import_id, values)


Pending = asyncio.Future[workers.Result] | chunking.FileFailure | None


async def _stage_file(
    runtime: Runtime,
    driver: repository.Driver,
    import_id: uuid.UUID,
    jobs: Iterator[chunking.Job | chunking.FileFailure],
    ctx: workers.Context,
    phases: Phases,
) -> dict[str, int]:
    """Chunks are cut in a thread, validated in the worker processes (several at once) and COPYed into
    staging here, in file order, while the next ones are being validated."""
    loop = asyncio.get_running_loop()
    executor = workers.pool()
    queue: asyncio.Queue[Pending] = asyncio.Queue(workers.IN_FLIGHT)

    async def produce() -> None:
        try:
            while True:
                item = await loop.run_in_executor(None, next, jobs, None)
                if isinstance(item, chunking.Job):
                    await queue.put(loop.run_in_executor(executor, workers.run, item, ctx))
                    continue
                await queue.put(item)  # a FileFailure ends the file as surely as its end does
                if item is None:
                    return
        except Exception as exc:  # handed on to the consumer, which would otherwise wait forever
            failed: asyncio.Future[workers.Result] = loop.create_future()
            failed.set_exception(exc)
            await queue.put(failed)

    totals = {"rows_read": 0, "households_read": 0}
    reported = time.monotonic()
    producer = asyncio.create_task(produce())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, chunking.FileFailure):
                await repository.copy_problems(driver, [(import_id, item.row, "", item.field, item.reason)])
                continue
            with phases.timed("stage_wait_workers"):
                chunk = await item
            phases.add_all(chunk.seconds)
            with phases.timed("stage_copy"):
                await repository.copy_stage(driver, chunk.households, chunk.members)
                await repository.copy_problems(driver, [(import_id, *problem) for problem in chunk.problems])
            totals["rows_read"] += chunk.rows
            totals["households_read"] += chunk.groups
            if time.monotonic() - reported >= PROGRESS_EVERY_S:
                with phases.timed("stage_progress"):
                    await _progress(runtime, import_id, dict(totals))
                reported = time.monotonic()
        await producer
    finally:
        producer.cancel()
        while not queue.empty():  # chunks already submitted: let them finish, nobody will read them
            pending = queue.get_nowait()
            if isinstance(pending, asyncio.Future):
                pending.cancel()
    return totals


async def process(
    runtime: Runtime, import_id: uuid.UUID, path: Path, file_format: str, actor: Actor, filename: str
) -> None:
    try:
        await _progress(runtime, import_id, {"status": "validating"})
        async with runtime.engine.connect() as conn:
            driver = await repository.driver_of(conn)
            await repository.create_stage(driver)
            try:
                await _validate_and_apply(runtime, driver, import_id, path, file_format, actor, filename)
            finally:
                try:
                    await repository.drop_stage(driver)
                finally:
                    # Closed, not pooled: the session's temporary buffers grew with the file (create_stage).
                    await conn.invalidate()
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await _failed(runtime, import_id, failures.STOPPED)
        raise
    except Exception as exc:
        log.exception("import %s failed", import_id)
        await _failed(runtime, import_id, f"{failures.INTERNAL_ERROR}{type(exc).__name__}")
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _failed(runtime: Runtime, import_id: uuid.UUID, error: str) -> None:
    async with runtime.sessionmaker() as session, session.begin():
        await repository.mark_failed(session, import_id, error)


async def _validate_and_apply(
    runtime: Runtime,
    driver: repository.Driver,
    import_id: uuid.UUID,
    path: Path,
    file_format: str,
    actor: Actor,
    filename: str,
) -> None:
    # The import's one instant (created_at of its rows, time of its history and events), taken now: the
    # workers render the documents whole (documents.py), so it must be known before the first chunk.
    at = dt.datetime.now(dt.UTC)
    # Each created event names its village's place: those of every village the importer may import into,
    # looked up once here (one query), never per household; an unknown village is refused by the checks.
    lo, hi = actor.subtree
    async with runtime.sessionmaker() as session:
        village_places = await places.of_villages(session, lo, hi)
    ctx = workers.context(
        actor.division,
        (actor.subject, actor.tier),
        runtime.cipher,
        at,
        documents.places_text(village_places),
        current_request_id(),
    )
    phases = Phases()
    try:
        await _stage_check_apply(runtime, driver, import_id, path, file_format, actor, filename, ctx, phases)
    finally:
        log.info(
            "import %s phases: %s", import_id, phases.rounded(), extra={"import_phases": phases.rounded()}
        )


async def _stage_check_apply(
    runtime: Runtime,
    driver: repository.Driver,
    import_id: uuid.UUID,
    path: Path,
    file_format: str,
    actor: Actor,
    filename: str,
    ctx: workers.Context,
    phases: Phases,
) -> None:
    with phases.timed("stage"):
        counts = await _stage_file(runtime, driver, import_id, chunking.plan(path, file_format), ctx, phases)
    # The file's totals, once: _stage_file writes them at most once a second, so the last chunks' rows (all
    # of a small file's) were shown only when the import ended, as 0 rows read during the checks and apply.
    await _progress(runtime, import_id, dict(counts))
    # From the checks to the commit no one joins or leaves a household through the API: a person the checks
    # found in no household, or gone since a day before the file's date, is still so when it is applied.
    async with repository.membership_frozen(driver):
        await _check_apply(runtime, driver, import_id, actor, filename, ctx, phases, counts)


async def _check_apply(
    runtime: Runtime,
    driver: repository.Driver,
    import_id: uuid.UUID,
    actor: Actor,
    filename: str,
    ctx: workers.Context,
    phases: Phases,
    counts: dict[str, int],
) -> None:
    lo, hi = actor.subtree
    with phases.timed("check"):
        await repository.run_checks(driver, import_id, lo, hi, phases)
        if await _rejected(driver, import_id, counts):
            return
        households, members = await repository.staged_counts(driver)
    counts.update(
        households_accepted=households, members_accepted=members, households_rejected=0, rows_rejected=0
    )
    await _progress(runtime, import_id, {"status": "applying"})
    try:
        with phases.timed("apply"):
            await repository.apply(
                driver,
                import_id,
                at=ctx.at,
                actor=actor.subject,
                actor_tier=actor.tier,
                reason=f"批量导入 {filename}（导入 {import_id}）",
                headers_json=json.dumps(current_trace_headers()),
                counts=counts,
                phases=phases,
                audit=AuditEntry(
                    actor=actor.subject,
                    action="import.applied",
                    subject=f"import/{import_id}",
                    division=actor.division,
                    detail={"households": households, "members": members},
                    at=ctx.at,
                ),
            )
    except repository.PersonAlreadyInHousehold:
        # Someone registered one of these people between the checks and the apply (not through this API,
        # whose membership changes wait for the import, repository.membership_frozen): report it per row.
        await repository.run_checks(driver, import_id, lo, hi, phases)
        await _rejected(driver, import_id, counts)


async def _rejected(driver: repository.Driver, import_id: uuid.UUID, counts: dict[str, int]) -> bool:
    rows_rejected, households_rejected = await repository.problem_counts(driver, import_id)
    if not rows_rejected:
        return False
    counts.update(
        households_accepted=0,
        members_accepted=0,
        households_rejected=households_rejected,
        rows_rejected=rows_rejected,
    )
    await repository.finish_rejected(driver, import_id, counts)
    return True


# ---- queries --------------------------------------------------------------------------------------------


async def _visible(session: AsyncSession, actor: Actor, import_id: uuid.UUID) -> dict[str, Any]:
    """An import belongs to its importer's division: visible to callers whose subtree covers it."""
    row = await repository.get_import(session, import_id)
    if row is None or not actor.covers(row["actor_division"]):
        raise not_found("import")
    return row


async def read(session: AsyncSession, actor: Actor, import_id: uuid.UUID) -> ImportOut:
    return await _render(session, actor, await _visible(session, actor, import_id))


def _status(line: dict[str, Any], applied: bool) -> str:
    if line["reason"] is not None:
        return "rejected"
    return "accepted" if applied else "not-applied"


async def report_page(
    session: AsyncSession,
    actor: Actor,
    import_id: uuid.UUID,
    after: int,
    limit: int,
    status: LineStatus | None = None,
) -> ReportPage:
    row = await _visible(session, actor, import_id)
    if row["duplicate_of"] is not None:
        row = await _visible(session, actor, row["duplicate_of"])
    applied = row["status"] == "accepted"
    if status is None:
        lines = await repository.report_lines(session, row["id"], after, limit)
    elif status == "rejected":
        lines = await repository.report_lines(session, row["id"], after, limit, with_problem=True)
    elif (status == "accepted") == applied:
        lines = await repository.report_lines(session, row["id"], after, limit, with_problem=False)
    else:
        lines = []  # accepted lines of a file not applied, or not-applied ones of a file that was
    next_after = None
    if len(lines) == limit:
        # A row's problems never straddle pages: hold back the last row and start there next time.
        last = lines[-1]["row_no"]
        kept = [line for line in lines if line["row_no"] != last]
        if kept:
            lines, next_after = kept, last - 1
        else:
            next_after = last
    return ReportPage(
        import_id=row["id"],
        status=row["status"],
        lines=[
            ReportLine(
                row=line["row_no"],
                household_key=_shown(actor, line["household_key"]),
                household_id=line["household_id"] if applied else None,
                status=_status(line, applied),
                field=_shown(actor, line["field"]),
                reason=_shown(actor, line["reason"]),
                reason_zh=_in_chinese(_shown(actor, line["reason"])),
            )
            for line in lines
        ],
        next_after_row=next_after,
    )


def _in_chinese(reason: str | None) -> str | None:
    # Rendered from the reason as shown: whatever it quotes is masked for the caller exactly as there.
    return None if reason is None else reasons_zh.render(reason)


# 原因说明 (the reason in Chinese) comes last: the columns before it are read by position by departmental
# systems, 户ID included.
REPORT_HEADER = ("行号", "户编号", "状态", "字段", "原因", "户ID", "原因说明")


async def report_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    import_id: uuid.UUID,
    status: LineStatus | None = None,
) -> AsyncIterator[str]:
    """The whole report as CSV, page by page (its own sessions: it streams after the request's unit of
    work has ended)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    yield "\ufeff" + buffer.getvalue()
    after = 0
    while True:
        async with sessionmaker() as session:
            page = await report_page(session, actor, import_id, after, 5000, status)
        buffer.seek(0)
        buffer.truncate()
        for line in page.lines:
            writer.writerow(
                (
                    line.row,
                    csv_cell(line.household_key),  # as the uploaded file spelled it
                    line.status,
                    csv_cell(line.field),
                    csv_cell(line.reason),
                    csv_cell(line.household_id),
                    csv_cell(line.reason_zh),
                )
            )
        yield buffer.getvalue()
        if page.next_after_row is None:
            return
        after = page.next_after_row


async def check_report_visible(session: AsyncSession, actor: Actor, import_id: uuid.UUID) -> None:
    row = await _visible(session, actor, import_id)
    if row["duplicate_of"] is not None:
        await _visible(session, actor, row["duplicate_of"])
