"""Test settings: the real settings, with a fast password hasher (tests create many users)."""

import os

# Tests run with DEBUG off like production, so they need a key; the environment (and the Celery
# workers the tests start) gets one for this test run only.
os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)

from .settings import *  # noqa: E402,F401,F403
from .settings import PARTYFLOW  # noqa: E402

# Procedure tests move the clock by months between requests with one token: tokens do not expire
# in tests unless a test turns it on (tests/api/test_sessions.py).
PARTYFLOW = {**PARTYFLOW, "TOKEN_IDLE_SECONDS": None}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files: the pages link their unhashed names (no collectstatic before the tests); the test
# of the production command (tests/test_deployment.py) runs collectstatic and the hashed storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # no STATIC_ROOT in tests: whitenoise looks files up on request
