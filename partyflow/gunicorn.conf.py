"""gunicorn's settings for partyflow (README "Deployment"):

    gunicorn partyflow.wsgi -c partyflow/gunicorn.conf.py

Each value comes from the environment with the default given here; a command-line flag overrides
the file (`-b 127.0.0.1:8001`). gunicorn reads this file itself: it imports nothing from Django.
"""

import multiprocessing
import os

bind = os.environ.get("PARTYFLOW_BIND", "0.0.0.0:8000")

# Sync workers: one request at a time each. Default 2 × cores + 1 (gunicorn's rule of thumb); each
# holds at most one database connection (CONN_MAX_AGE 60 s), so workers × processes must stay under
# PostgreSQL's max_connections with the Celery workers.
workers = int(os.environ.get("PARTYFLOW_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))

# A worker silent for longer is killed and restarted. Sized for the longest legitimate request: a
# national onboarding workbook (30,000 members took ≈ 240 s, README "Onboarding") and a year's
# compliance report; every other request answers in well under a second, and a wait on a lock or a
# runaway statement is cut off sooner by PostgreSQL (PARTYFLOW_LOCK_TIMEOUT_MS 5 s,
# PARTYFLOW_STATEMENT_TIMEOUT_MS 120 s) and answered with a 503.
timeout = int(os.environ.get("PARTYFLOW_GUNICORN_TIMEOUT", "300"))
graceful_timeout = 30
keepalive = 5

# Request limits before Django sees the request (a slow or hostile client): the request line (the
# longest URL, with a case search's filters, is well under 4 KB), the number of headers, and
# the size of each header (session and CSRF cookies, an Authorization token).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# A worker is replaced after this many requests (with jitter, so they do not all restart at once):
# memory a long-lived process accumulates is returned.
max_requests = int(os.environ.get("PARTYFLOW_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# Logs on the console (the service manager collects them).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PARTYFLOW_GUNICORN_LOGLEVEL", "info")
# The proxy in front (PARTYFLOW_TLS=1) is on this host; its X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:
    """Each worker, once it has loaded the application: its views imported and everything it keeps
    for life frozen out of the garbage collector's full collections (partyflow.startup); the rare
    one a worker meets then walks ≈ 11,000 objects (2 ms) instead of ≈ 165,000 (65 ms)."""
    # Imported here, in the worker: any `partyflow.*` import runs partyflow/__init__, which makes
    # the Celery app; the master process, which reads this file, has no use for it.
    from partyflow.startup import web_worker_started

    web_worker_started()
