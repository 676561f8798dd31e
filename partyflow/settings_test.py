"""Test settings: the real settings, with a fast password hasher (tests create many users)."""
from .settings import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
