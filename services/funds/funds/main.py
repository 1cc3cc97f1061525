"""The funds process: its API, outbox relay and registry consumer."""

from fastapi import FastAPI

from funds.allocations.router import router as allocations_router
from funds.code_lists import router as code_lists_router
from funds.fund_evaluations.router import router as fund_evaluations_router
from funds.inspections.router import public_router as public_inspections_router
from funds.inspections.router import router as inspections_router
from funds.models import idempotency_keys
from funds.payments.router import public_router as benefit_lists_router
from funds.payments.router import router as payments_router
from funds.projects.router import public_router as project_notices_router
from funds.projects.router import router as projects_router
from funds.readmodel.handlers import HANDLERS
from funds.supervision.router import router as supervision_router
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import domain_topic
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="funds",
        title="Fupin funds",
        description="Fund sources and allocations, the project library lifecycle, disbursements, supervision findings, joint inspections, evaluations and disclosures.",
        routers=[
            allocations_router,
            projects_router,
            project_notices_router,
            payments_router,
            supervision_router,
            inspections_router,
            fund_evaluations_router,
            benefit_lists_router,
            public_inspections_router,
            code_lists_router,
        ],
        # Batched as assistance's: a county's import is two registry events per household.
        consumers=[ConsumerSpec("funds", [domain_topic("registry")], HANDLERS, batch=True)],
        idempotency_keys=idempotency_keys,
    )
    return create_service_app(spec, settings)
