"""What a long-lived partyflow process does once it has loaded everything, before its first
request or task: move the objects it will keep for its whole life out of the garbage collector's
reach (`gc.freeze`, Python's "gc — Garbage Collector interface"; Instagram's "Dismissing Python
Garbage Collection at Instagram", 2017). Django, DRF, SpiffWorkflow, the procedures and the views
are ≈ 190,000 tracked objects; a full collection walks them all (≈ 100 ms of CPU on the shared
bench machine) and comes every few dozen requests or a few times a batch of timers, so it was the
tail of the web inbox (bench/README.md, "Tasks at national volume") and a third of a timer batch."""

from __future__ import annotations

import gc


def freeze_start_up_objects() -> None:
    """Collect what start-up left as garbage, then freeze the rest (Celery's worker_process_init,
    gunicorn's post_worker_init)."""
    gc.collect()
    gc.freeze()


def web_worker_started() -> None:
    """A gunicorn worker has loaded the WSGI application (Django set up, no view yet): import the
    URLconf, and through it every view module, as the first request would, then freeze."""
    # Django is set up by now (the worker imported partyflow.wsgi); gunicorn.conf.py imports this
    # module without Django.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the property imports the URLconf)
    freeze_start_up_objects()
