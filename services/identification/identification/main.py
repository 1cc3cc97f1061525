"""The identification process: its API, outbox relay, registry consumer and notice timer."""

from fastapi import FastAPI

from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import domain_topic
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.settings import KitSettings
from identification import clock, timers
from identification.admin.router import clock_router
from identification.admin.router import router as admin_router
from identification.batches.router import router as batches_router
from identification.cases.router import router as cases_router
from identification.code_lists import router as code_lists_router
from identification.comparisons.router import router as comparisons_router
from identification.division_exits.router import designations_router as poor_divisions_router
from identification.division_exits.router import public_router as public_division_exits_router
from identification.division_exits.router import router as division_exits_router
from identification.exits.router import router as exits_router
from identification.models import idempotency_keys
from identification.notices.router import public_router as public_notices_router
from identification.notices.router import router as notices_router
from identification.objections.router import public_router as public_objections_router
from identification.objections.router import router as objections_router
from identification.quotas.router import router as quotas_router
from identification.readmodel.handlers import HANDLERS


def create_app(settings: KitSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="identification",
        title="Fupin identification",
        description="Quotas, applications and their review workflow, public notices and objections, department comparison, exit, monitoring and return to poverty.",
        routers=[
            cases_router,
            exits_router,
            quotas_router,
            notices_router,
            public_notices_router,
            objections_router,
            public_objections_router,
            batches_router,
            comparisons_router,
            poor_divisions_router,
            division_exits_router,
            public_division_exits_router,
            admin_router,
            code_lists_router,
        ],
        # Batched: identification reads every registry event, so a county's import (two events per
        # household) reached it at one WAL flush per event and kept it tens of thousands behind (QA8).
        # The evaluation's topic for its closed third-party evaluations (a county's exit is verified
        # against one): created with every domain topic before the service starts (deploy/topics.yaml).
        consumers=[
            ConsumerSpec(
                "identification", [domain_topic("registry"), domain_topic("evaluation")], HANDLERS, batch=True
            )
        ],
        on_startup=[timers.start],
        idempotency_keys=idempotency_keys,
        on_shutdown=[timers.stop],
    )
    if clock.test_clock_enabled():
        spec.routers = [*spec.routers, clock_router]
    return create_service_app(spec, settings)
