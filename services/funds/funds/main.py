"""The funds process: its API and outbox relay."""

from fastapi import FastAPI

from funds.code_lists import router as code_lists_router
from funds.models import idempotency_keys
from funds.projects.router import public_router as project_notices_router
from funds.projects.router import router as projects_router
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="funds",
        title="Fupin funds",
        description="Fund sources and allocations, the project library lifecycle, disbursements, supervision findings and disclosures.",
        routers=[projects_router, project_notices_router, code_lists_router],
        idempotency_keys=idempotency_keys,
    )
    return create_service_app(spec, settings)
