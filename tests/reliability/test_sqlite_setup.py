"""Every pooled SQLite connection gets the pragmas, not just the first one."""

from __future__ import annotations

from pathlib import Path

from curator_tui.db import open_library


def test_pragmas_on_two_separate_pooled_connections(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    with engine.connect() as first, engine.connect() as second:
        assert first.connection.dbapi_connection is not second.connection.dbapi_connection
        for connection in (first, second):
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() >= 5000
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
