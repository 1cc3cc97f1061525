"""The funds process: its API, outbox relay and consumers."""

from fastapi import FastAPI

from fupin_kit.service_app import ServiceSpec, create_service_app


def create_app() -> FastAPI:
    spec = ServiceSpec(
        name="funds",
        title="Fupin funds",
        description="Fund sources and allocations, the project library lifecycle, disbursements, supervision findings and disclosures.",
    )
    return create_service_app(spec)
