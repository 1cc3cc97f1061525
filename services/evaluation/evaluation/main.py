"""The evaluation process: its API, outbox relay and registry consumer."""

from fastapi import FastAPI

from evaluation.assessments.router import router as assessments_router
from evaluation.code_lists import router as code_lists_router
from evaluation.models import idempotency_keys
from evaluation.readmodel.handlers import HANDLERS
from evaluation.rectifications.router import router as rectifications_router
from evaluation.rounds.router import router as rounds_router
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import domain_topic
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="evaluation",
        title="Fupin evaluation",
        description="Indicators per tier and period, assessments, third-party sampling evaluation, cadre performance and rectification tasks.",
        routers=[rounds_router, assessments_router, rectifications_router, code_lists_router],
        # Batched as assistance's: a county's import is two registry events per household.
        consumers=[ConsumerSpec("evaluation", [domain_topic("registry")], HANDLERS, batch=True)],
        idempotency_keys=idempotency_keys,
    )
    return create_service_app(spec, settings)
