"""The floor under an import: SQLite alone storing rows an import already worked out.

    python bench/sqlite_floor.py IMPORTED.db EMPTY.db

Run by ``bench/import_speed.py --floor`` as a whole process, timed from spawn to exit
like the import and the export it is compared with. ``EMPTY.db`` gets IMPORTED.db's
schema (not timed: it is built before this process starts, by ``prepare``). Then, timed,
this process copies every row of the claims' tables from IMPORTED.db in one transaction
(``INSERT … SELECT``, in C: no Python per row, no parsing, no rendering), builds the
full-text index as the import does, commits, and closes (the WAL checkpoint).

Only the standard library's sqlite3 is imported: no SQLAlchemy, nothing of curator_tui.
What is left between this and the import is the part the code can change.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

# In the order foreign keys need; the full-text index is built after the claims.
TABLES = (
    "study",
    "claim",
    "mechanism",
    "mechanismstep",
    "evidence",
    "goldstandarditem",
    "claim_revision",
)


def prepare(imported: Path, empty: Path) -> None:
    """``empty``: a new library with ``imported``'s tables and indexes, no triggers."""
    for leftover in (empty, Path(f"{empty}-wal"), Path(f"{empty}-shm")):
        leftover.unlink(missing_ok=True)
    source = sqlite3.connect(imported)
    schema = source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type != 'trigger'"
        " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'claim_fts_%'"
        " ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid"
    ).fetchall()
    source.close()
    target = sqlite3.connect(empty)
    target.execute("PRAGMA journal_mode=WAL")
    for (sql,) in schema:
        target.execute(sql)
    target.commit()
    target.close()


def copy(imported: Path, empty: Path) -> int:
    """Copy the rows (timed by the caller, as a process); the number of claims."""
    db = sqlite3.connect(empty, isolation_level=None)
    db.execute("PRAGMA synchronous=NORMAL")  # as db.py opens a library
    db.execute("ATTACH ? AS src", (str(imported),))
    db.execute("BEGIN")
    for table in TABLES:
        db.execute(f'INSERT INTO main."{table}" SELECT * FROM src."{table}"')
    db.execute("INSERT INTO claim_fts(claim_fts, rank) VALUES ('hashsize', 16777216)")
    db.execute("INSERT INTO claim_fts(rowid, words) SELECT id, words FROM claim")
    db.execute("COMMIT")
    claims = int(db.execute("SELECT count(*) FROM claim").fetchone()[0])
    db.execute("DETACH src")
    db.close()
    return claims


if __name__ == "__main__":
    imported_db, empty_db = (Path(arg) for arg in sys.argv[1:3])
    print(copy(imported_db, empty_db))
