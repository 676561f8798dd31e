"""What a long-lived partyflow process does once it has loaded everything, before its first
request or task: move the objects it will keep for its whole life out of the garbage collector's
reach (`gc.freeze`, Python's "gc — Garbage Collector interface"; Instagram's "Dismissing Python
Garbage Collection at Instagram", 2017). Django, DRF, SpiffWorkflow, the procedures and the views
are ≈ 155,000–190,000 tracked objects; a full collection walks them all (65 ms on the bench
machine at load 1.5, ≈ 100 ms at load 4–6), a frozen process's only what came after (a web worker
after 200 inbox pages: ≈ 11,000 objects, 2 ms).

A Celery worker meets full collections a few times a batch of timers (partyflow.celery). A web
worker meets one rarely. CPython 3.11 makes a full pass only when the objects moved into the oldest
generation since the last one outnumber a quarter of what that pass kept; the count is the one the
collection before `gc.freeze` took (≈ 155,000 here), which the freeze leaves as it is, so ≈ 39,000
must come first, and an inbox page leaves ≈ 5 there. A gunicorn worker met none in 400 inbox pages,
frozen or not (bench/README.md, "Tasks at national volume"): the freeze makes the one that comes
(after heavy pages, an import) cheap."""

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
