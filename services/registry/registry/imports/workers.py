"""The processes that validate, encrypt and render an import's chunks, so a file uses every core.

Parsing, validation, encryption, blind indexes and the JSON documents are per-row Python work; in one
process they were the larger half of an import. A chunk goes to a worker as a Job and comes back as COPY
text for the staging tables plus its problems. Results are consumed in submission order, so staging,
household numbers and the report are the same as with one process.

The pool is shared by every import of the process and started with `spawn`: forking a process that
runs an event loop and other threads can copy a lock held by one of them. (As with any spawn pool, the
importing process's main module must be importable without side effects: `python -m registry`, pytest
and the `fupin` script are.)
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hmac
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fupin_kit.civil_time import china_today
from fupin_kit.pii import PiiCipher
from registry.imports import copytext
from registry.imports.chunking import Job
from registry.imports.documents import Stamps, read_places
from registry.imports.parsing import FileProblem, Row, csv_text_rows
from registry.imports.validation import Validator, group_rows

MAX_WORKERS = 4
# Chunks submitted ahead of the one being staged: enough to keep every worker busy.
IN_FLIGHT = MAX_WORKERS + 2
_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True)
class Context:
    """Everything about the import a worker needs besides the chunk (the same for all its chunks)."""

    actor_division: str
    actor: tuple[str, str]
    today: dt.date
    at: dt.datetime  # the import's instant: its rows' created_at, its history and events' time
    cipher_keys: tuple[bytes, bytes]  # the PII cipher's derived (encryption, blind index) keys
    places: str = ""  # the places of the villages it may import into (documents.places_text)
    correlation: str | None = None  # the upload's request id: its events' correlationid


@dataclass
class Result:
    households: bytes = b""  # COPY text for the households staging table
    members: bytes = b""
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, key, field, reason)
    rows: int = 0
    groups: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # this chunk's time per phase (phases.py)


def context(
    actor_division: str,
    actor: tuple[str, str],
    cipher: PiiCipher,
    at: dt.datetime | None = None,
    places: str = "",
    correlation: str | None = None,
) -> Context:
    # PiiCipher holds an AESGCM object, which cannot be pickled; its derived keys can, and the worker
    # rebuilds the same cipher from them (never the deployment's master key, which it does not keep).
    keys = (cipher._encryption_key, cipher._index_key)
    return Context(
        actor_division, actor, china_today(), at or dt.datetime.now(dt.UTC), keys, places, correlation
    )


def pool() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        # A pool whose worker died (killed, out of memory) refuses all work: start a new one.
        if _pool is None or getattr(_pool, "_broken", False):
            workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS))
            _pool = concurrent.futures.ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"))
        return _pool


def shutdown() -> None:
    """Stop the pool's processes with the service, not at interpreter exit (where the executor's
    finalizer runs after module teardown and prints an ignored-exception traceback)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


# ---- in the worker ------------------------------------------------------------------------------------

_validators: dict[Context, Validator] = {}


class _WorkerCipher(PiiCipher):
    def blind_index(self, value: str) -> bytes:
        # The same HMAC-SHA256 as PiiCipher's, through the one-shot C function instead of an HMAC object
        # per call (a member's blind index cost more than its encryption).
        return hmac.digest(self._index_key, value.encode(), "sha256")


def _cipher(keys: tuple[bytes, bytes]) -> PiiCipher:
    cipher = _WorkerCipher.__new__(_WorkerCipher)
    cipher._encryption_key, cipher._index_key = keys
    cipher._aead = AESGCM(keys[0])
    return cipher


def _validator(ctx: Context) -> Validator:
    validator = _validators.get(ctx)
    if validator is None:
        _validators.clear()  # one import at a time is the common case: keep only the latest
        validator = Validator(ctx.actor_division, _cipher(ctx.cipher_keys), ctx.actor, ctx.today, ctx.at)
        # The Validator renders every document with its Stamps, made of the instant alone: the import's
        # village places join them here, read once per import and worker.
        validator.stamps = Stamps.of(ctx.at, read_places(ctx.places), ctx.correlation)
        _validators[ctx] = validator
    return validator


def _rows(job: Job) -> list[Row]:
    if job.text is None:
        assert job.rows is not None
        return job.rows
    assert job.layout is not None
    try:
        return csv_text_rows(job.text, job.first_row, job.layout)
    except FileProblem:  # the importing process parsed the same text without error
        raise RuntimeError("a chunk failed to parse in the worker") from None


def run(job: Job, ctx: Context) -> Result:
    """Validate one chunk: COPY text of its households (a valid one, or where a rejected one is) and of
    the valid households' members, and the problems found."""
    began = time.perf_counter()
    validator = _validator(ctx)
    result = Result()
    households: list[str] = []
    members: list[str] = []
    line, household_line, member_line = copytext.line, copytext.household_line, copytext.member_line
    rows = _rows(job)
    parsed = time.perf_counter()
    for group in group_rows(rows, job.first_household):
        checked = validator.check(group)
        result.rows += len(group.rows)
        result.groups += 1
        if checked.staged is None:
            households.append(line(Validator.rejected_group(group)))
        else:
            households.append(household_line(checked.staged.household))
            members.extend(map(member_line, checked.staged.members))
        result.problems.extend((p.row, p.key, p.field, p.reason) for p in checked.problems)
    result.households = "".join(households).encode()
    result.members = "".join(members).encode()
    result.seconds = {"worker_parse": parsed - began, "worker_validate_render": time.perf_counter() - parsed}
    return result
