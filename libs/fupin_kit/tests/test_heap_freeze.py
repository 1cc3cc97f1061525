"""A service process freezes its start-up heap out of garbage collection (a full collection walked it all
and stalled requests for 70-110 ms); apps built in-process, as tests build them, do not."""

from __future__ import annotations

import gc

from fupin_kit.sample import app as sample
from fupin_kit.service_app import FULL_COLLECTION_EVERY, ServiceSpec, create_service_app


async def _frozen_after_start(fupin_stack, **settings: object) -> int:
    database = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    app = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", database, role="api", **settings),
    )
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        async with app.router.lifespan_context(app):
            frozen = gc.get_freeze_count()
            if frozen:
                assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY
            else:
                assert gc.get_threshold() == thresholds
            return frozen
    finally:
        gc.unfreeze()  # the rest of the test session must stay collectable, as it was
        gc.set_threshold(*thresholds)


async def test_service_process_freezes_its_start_up_heap(fupin_stack):
    assert await _frozen_after_start(fupin_stack, gc_freeze_after_start=True) > 10_000


async def test_in_process_apps_do_not_freeze(fupin_stack):
    assert await _frozen_after_start(fupin_stack) == 0
