"""The assistance process: its API, outbox relay and consumers."""

from fastapi import FastAPI

from fupin_kit.service_app import ServiceSpec, create_service_app


def create_app() -> FastAPI:
    spec = ServiceSpec(
        name="assistance",
        title="Fupin assistance",
        description="Cadres, village teams, helper pairing, household plans and measures, industry projects, micro-credit and visit logs.",
    )
    return create_service_app(spec)
