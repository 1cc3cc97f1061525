"""One way to build every Fupin service process: API, relay and consumers under one lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from sqlalchemy import Table

from fupin_kit import openapi_doc
from fupin_kit.auth.revocations import RevokedSubjects
from fupin_kit.auth.tokens import JwkSet, TokenVerifier
from fupin_kit.body_limits import TooLargeAsProblem
from fupin_kit.consumer import ConsumerLoop, ConsumerSpec
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.head_requests import HeadAsGet
from fupin_kit.health import router as health_router
from fupin_kit.identity_router import router as identity_router
from fupin_kit.middleware import RequestIdMiddleware
from fupin_kit.problems import install_problem_handlers
from fupin_kit.query_params import RepeatedQueryMiddleware
from fupin_kit.read_pool import ReadPool
from fupin_kit.relay import OutboxRelay
from fupin_kit.server_spans import ServerSpanMiddleware
from fupin_kit.settings import KitSettings
from fupin_kit.telemetry import app_telemetry, instrument_engine, setup_tracing

log = logging.getLogger(__name__)
# Middle-generation collections between two full ones once the start-up heap is frozen (CPython: 10).
FULL_COLLECTION_EVERY = 100
STOP_TIMEOUT_S = 8.0


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    version: str = "1.0.0"
    # Extra start-up work after the database is reachable (e.g. seed reference data).
    on_startup: Sequence[Callable[[FastAPI], object]] = field(default_factory=list)
    on_shutdown: Sequence[Callable[[FastAPI], object]] = field(default_factory=list)
    # Poll the gateway's revoked subjects so tokens of disabled accounts are refused here too. Off only
    # for the gateway itself, whose access guard checks its own blocklist (no polling of itself).
    poll_revoked_subjects: bool = True
    # A plain asyncpg pool for the hottest read-only queries (fupin_kit.read_pool), as app.state.read_pool.
    read_pool: bool = False
    # HEAD answered for every GET route (fupin_kit.head_requests), innermost of the kit's middleware. Off
    # for the gateway, which installs it inside its proxy so that a proxied HEAD goes on as HEAD.
    head_as_get: bool = True
    # The service's Idempotency-Key table (fupin_kit.idempotency.table), which its relay purges after
    # FUPIN_IDEMPOTENCY_RETENTION_DAYS; None for a service that keeps none.
    idempotency_keys: Table | None = None
    # The process callers outside the platform reach (the gateway): their trace context is linked to,
    # not continued (fupin_kit.server_spans).
    edge: bool = False


def create_service_app(spec: ServiceSpec, settings: KitSettings | None = None) -> FastAPI:
    settings = settings or KitSettings(service=spec.name)
    if settings.service != spec.name:
        settings = settings.model_copy(update={"service": spec.name})
    setup_tracing(spec.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        instrument_engine(engine)
        sessionmaker = create_sessionmaker(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker
        jwks = JwkSet(settings.jwks_source)
        revoked = (
            RevokedSubjects(
                settings.revoked_subjects_source,
                settings.revoked_subjects_refresh_s,
                settings.revocation_key(),
            )
            if spec.poll_revoked_subjects
            else None
        )
        app.state.revoked_subjects = revoked
        app.state.token_verifier = TokenVerifier(
            jwks,
            settings.jwt_issuer,
            settings.jwt_audience,
            settings.jwt_leeway_s,
            revoked=revoked,
            max_lifetime_s=settings.token_lifetime_s,
        )
        app.state.consumers = []
        app.state.relay = None
        read_pool = ReadPool(settings) if spec.read_pool else None
        app.state.read_pool = read_pool
        if read_pool is not None:
            await read_pool.open()
        tasks: list[asyncio.Task[None]] = []
        await _run_hooks(spec.on_startup, app)
        await jwks.refresh()
        if revoked is not None:
            # Loaded before serving, so a restarted service does not admit a disabled account's token
            # for its first interval; a gateway that is down only delays this (a warning), never the start.
            await revoked.refresh()
            revoked.start()
        if settings.role in ("worker", "all"):
            relay = OutboxRelay(settings, engine, sessionmaker, idempotency_keys=spec.idempotency_keys)
            app.state.relay = relay
            tasks.append(asyncio.create_task(relay.run(), name=f"{spec.name}-relay"))
            for consumer_spec in spec.consumers:
                loop = ConsumerLoop(settings, consumer_spec, sessionmaker)
                app.state.consumers.append(loop)
                tasks.append(asyncio.create_task(loop.run(), name=f"consumer-{consumer_spec.group_id}"))
        if settings.gc_freeze_after_start:
            _freeze_startup_heap()
        try:
            yield
        finally:
            if revoked is not None:
                await revoked.stop()
            await _stop_workers(app, tasks)
            await _run_hooks(spec.on_shutdown, app)
            probe = getattr(app.state, "broker_probe", None)
            if probe is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(probe.stop(), 2.0)
            if read_pool is not None:
                await read_pool.close()
            await engine.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        root_path_in_servers=False,
        telemetry=app_telemetry(),
    )
    # Kept for tests that drive a process's consumers in-process (the jurisdiction matrix's event pump).
    app.state.service_spec = spec
    install_problem_handlers(app)
    openapi_doc.install(app)
    for router in spec.routers:
        # Routes that take more (an import's file, a department's list) declare their own max_body_size.
        app.include_router(router, max_body_size=settings.max_body_bytes)
    # After the service's own: the router tries its routes in order, and every domain request would
    # otherwise first be matched against the probes and /whoami (their paths overlap no service's).
    app.include_router(health_router)
    app.include_router(identity_router)
    if spec.head_as_get:
        app.add_middleware(HeadAsGet)
    # Before any route reads the query (FastAPI would keep a repeated parameter's last value).
    app.add_middleware(RepeatedQueryMiddleware)
    # Innermost of the user middleware: the request id and the span see the rewritten answer.
    app.add_middleware(TooLargeAsProblem)
    app.add_middleware(RequestIdMiddleware)
    # Added last: outermost of the user middleware, so the span covers everything the request does.
    app.add_middleware(ServerSpanMiddleware, edge=spec.edge)
    return app


def _freeze_startup_heap() -> None:
    """Keep what start-up built (modules, routes, schemas, caches: ~190,000 objects in the registry) out of
    every later garbage collection. A full collection walked all of them: 70–110 ms with the process
    stalled, which set the p99 of B3's reads. Garbage is collected first, so nothing collectable is frozen;
    what start-up built and later drops is still freed by reference counting."""
    gc.collect()
    gc.freeze()
    # With the start-up heap frozen, "long-lived" objects are few, and CPython's rule (a full collection
    # once survivors grow by a quarter) would run one every tenth middle-generation collection: about ten
    # a second under load, ~5% of the CPU. Full collections only find cycles that outlived two younger
    # collections, rare in request handling: every 100th is often enough.
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


async def _stop_workers(app: FastAPI, tasks: list[asyncio.Task[None]]) -> None:
    relay = app.state.relay
    if relay is not None:
        await relay.stop()
    for loop in app.state.consumers:
        await loop.stop()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
    for task in pending:
        task.cancel()
    if pending:
        # Said out loud: a worker that ignores stop() costs every shutdown the whole timeout.
        names = sorted(task.get_name() for task in pending)
        log.warning(
            "workers still running %.0fs after stop, cancelled at shutdown: %s", STOP_TIMEOUT_S, names
        )
        await asyncio.wait(pending, timeout=2.0)


async def _run_hooks(hooks: Sequence[Callable[[FastAPI], object]], app: FastAPI) -> None:
    for hook in hooks:
        result = hook(app)
        if asyncio.iscoroutine(result):
            await result
