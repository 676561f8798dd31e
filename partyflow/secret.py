"""The demo's SECRET_KEY: generated once and kept in the data directory, so sessions and signed
values survive restarts of `make demo`. Production passes SECRET_KEY in the environment; the
settings never read this file (see partyflow/settings.py)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

FILENAME = "secret_key"


def ensure_secret_key(data_dir: Path) -> str:
    """The key stored in `data_dir`, created (readable by the owner only) on first use.

    Processes starting at once (web, worker, beat of `make demo`) all get the same key: each writes
    its own candidate to a temporary file and links it into place; the link is atomic and fails
    when the key exists, so the file is never seen half-written and the losers read the winner's."""
    path = Path(data_dir) / FILENAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{FILENAME}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
                f.flush()
                os.fsync(f.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: theirs is the key
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
