"""A library browsed while read-only stays usable once it is writable again."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from curator_tui.db import open_library, session_scope
from curator_tui.services.claims import create_claim


def _library_held_open(path: Path) -> sqlite3.Connection:
    """A new library, and a connection that keeps its -wal and -shm files in place."""
    open_library(path).dispose()
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("SELECT count(*) FROM claim").fetchone()
    return holder


def test_journal_files_left_read_only_get_the_library_s_permissions(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    # As a session that browsed the library under `chmod 444` leaves them: SQLite made its
    # -wal and -shm with the library's permissions then, and could not remove them.
    holder = _library_held_open(path)
    sides = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
    assert all(side.exists() for side in sides)
    for side in sides:
        side.chmod(0o444)
    path.chmod(0o640)

    engine = open_library(path)
    try:
        for side in sides:
            assert stat.S_IMODE(side.stat().st_mode) == 0o640, side
        with session_scope(engine) as session:
            create_claim(session, "Writable again")
    finally:
        engine.dispose()
        holder.close()


def test_a_read_only_library_s_journal_files_are_left_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    holder = _library_held_open(path)
    shm = path.with_name(path.name + "-shm")
    shm.chmod(0o444)
    path.chmod(0o444)
    try:
        # (Root opens it writable, since it may write anything: still nothing to mend.)
        open_library(path, create=False).dispose()
        assert stat.S_IMODE(shm.stat().st_mode) == 0o444
    finally:
        holder.close()
        path.chmod(0o644)
