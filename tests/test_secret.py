"""The demo's SECRET_KEY file: processes starting together (web, worker, beat) end with one key."""

import stat
import threading
from pathlib import Path

from partyflow import secret
from partyflow.secret import FILENAME, ensure_secret_key


def test_two_starting_at_once_both_get_the_key_the_first_wrote(tmp_path, monkeypatch):
    """Both threads see no key file, then both create one (the barrier holds the first until the
    second has looked too): the second must read the first's key, not fail or write its own."""
    both_looked = threading.Barrier(2, timeout=10)
    real_exists = Path.exists

    def exists_then_wait(self, *args, **kwargs):
        found = real_exists(self, *args, **kwargs)
        if self.name == FILENAME:
            both_looked.wait()
        return found

    monkeypatch.setattr(secret.Path, "exists", exists_then_wait)
    keys, errors = [], []

    def start():
        try:
            keys.append(ensure_secret_key(tmp_path))
        except Exception as exc:  # the bug: FileExistsError in the second process
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == []
    key = (tmp_path / FILENAME).read_text().strip()
    assert len(key) >= 60 and keys == [key, key]
    assert stat.S_IMODE((tmp_path / FILENAME).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILENAME]  # no temporary file left


def test_a_key_once_written_is_kept(tmp_path):
    first = ensure_secret_key(tmp_path / "var")
    assert ensure_secret_key(tmp_path / "var") == first
