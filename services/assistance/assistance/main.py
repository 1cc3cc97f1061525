"""The assistance process: its API, outbox relay and registry consumer."""

from fastapi import FastAPI

from assistance.code_lists import router as code_lists_router
from assistance.helpers.router import router as helpers_router
from assistance.links.router import router as links_router
from assistance.loans.router import router as loans_router
from assistance.measures.router import router as measures_router
from assistance.models import idempotency_keys
from assistance.plans.router import router as plans_router
from assistance.readmodel import projects
from assistance.readmodel.handlers import HANDLERS
from assistance.summaries.router import router as summaries_router
from assistance.teams.router import router as teams_router
from assistance.visits.router import router as visits_router
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import domain_topic
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="assistance",
        title="Fupin assistance",
        description="Cadres, village teams, helper pairing, household plans and measures, industry projects, micro-credit and visit logs.",
        routers=[
            helpers_router,
            teams_router,
            plans_router,
            measures_router,
            visits_router,
            summaries_router,
            loans_router,
            links_router,
            code_lists_router,
        ],
        # Batched as identification's: a county's import is two registry events per household. funds'
        # project events (the project library links name) come through the same group, inbox and DLQ.
        consumers=[
            ConsumerSpec(
                "assistance",
                [domain_topic("registry"), domain_topic("funds")],
                {**HANDLERS, **projects.HANDLERS},
                batch=True,
            )
        ],
        idempotency_keys=idempotency_keys,
    )
    return create_service_app(spec, settings)
