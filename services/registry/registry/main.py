"""The registry process: its API, outbox relay and consumers."""

import asyncio

from fastapi import FastAPI

from fupin_kit.consumer import ConsumerSpec
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings
from registry.divisions.loader import load_on_startup
from registry.divisions.router import router as divisions_router
from registry.exports.router import router as exports_router
from registry.handlers import identification_events
from registry.households.router import router as households_router
from registry.imports import workers as import_workers
from registry.imports.router import router as imports_router
from registry.models import idempotency_keys
from registry.standards.router import router as standards_router


async def _stop_import_workers(app: FastAPI) -> None:
    # Off the event loop: waiting for a worker's current chunk must not block the rest of the shutdown.
    await asyncio.to_thread(import_workers.shutdown)


async def _load_pii_cipher(app: FastAPI) -> None:
    # Built once at start-up (it reads the key file), so the per-request dependency is a plain lookup.
    app.state.pii_cipher = app.state.settings.pii_cipher()


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="registry",
        title="Fupin registry",
        description="Division tree, households and members (建档立卡), poverty standards, registration status and history, bulk import and exports.",
        # Households first: the router tries routers in order, and the household read is the busiest route
        # (the prefixes do not overlap, so the order changes nothing else).
        routers=[households_router, divisions_router, standards_router, exports_router, imports_router],
        on_startup=[_load_pii_cipher, load_on_startup],
        on_shutdown=[_stop_import_workers],
        read_pool=True,  # the household read (households.repository.read_current)
        idempotency_keys=idempotency_keys,
        consumers=[
            ConsumerSpec("registry", ["fupin.identification.events.v1"], identification_events.HANDLERS)
        ],
    )
    return create_service_app(spec, settings)
