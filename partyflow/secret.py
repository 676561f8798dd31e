"""The demo's SECRET_KEY: generated once and kept in the data directory, so sessions and signed
values survive restarts of `make demo`. Production passes SECRET_KEY in the environment; the
settings never read this file (see partyflow/settings.py)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILENAME = "secret_key"


def ensure_secret_key(data_dir: Path) -> str:
    """The key stored in `data_dir`, created (readable by the owner only) on first use."""
    path = Path(data_dir) / FILENAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
