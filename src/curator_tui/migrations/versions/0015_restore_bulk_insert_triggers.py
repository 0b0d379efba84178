"""Put back the triggers an import of an earlier version could leave dropped (SQLite).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24

A bulk import suspends five triggers while its batch goes in (``db.BULK_INSERT_TRIGGERS``):
the full-text index's on a new claim, and the four that clear a claim's stored rendering
and words when a part is added. Before ``db.begin_write``, the drop could be committed in
a transaction of its own: two imports at once, or a process killed mid-batch, left some of
them dropped for good. Claims added after that were missing from the filter, and a part
added by another tool left its claim's rendering stale.

Here each missing one is made again (the SQL of migration 0006, the last to change them).
If the index's was missing, the index is rebuilt from the stored words; if a rendering's
was, every stored rendering is cleared, to be made again when it is read, as after a
change of the export format. The words are kept: every change made through curator-tui
stores them afresh, and clearing them all would make the filter read every claim's parts
until they were stored again. A library that has all five is left exactly as it was.
PostgreSQL's triggers are never dropped (a bulk insert sets a transaction-local setting).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_INSERT = "claim_fts_insert"
# Each child table of a claim, and how its new row reaches the claim (migration 0006).
_CHILDREN = {
    "mechanism": "new.claim_id",
    "mechanismstep": "(SELECT claim_id FROM mechanism WHERE id = new.mechanism_id)",
    "evidence": "new.claim_id",
    "goldstandarditem": "new.claim_id",
}


def _expected() -> dict[str, str]:
    """The five triggers by name, each with the SQL migration 0006 made it with."""
    triggers = {
        _FTS_INSERT: """CREATE TRIGGER claim_fts_insert AFTER INSERT ON claim BEGIN
            INSERT INTO claim_fts(rowid, words) VALUES (new.id, new.words);
        END"""
    }
    for table, claim in _CHILDREN.items():
        triggers[f"{table}_insert_markdown_stale"] = (
            f"""CREATE TRIGGER {table}_insert_markdown_stale AFTER INSERT ON {table} BEGIN
                    UPDATE claim SET markdown = NULL, words = NULL WHERE id = {claim} AND """
            """(markdown IS NOT NULL OR words IS NOT NULL);
                END"""
        )
    return triggers


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    present = set(
        connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .scalars()
        .all()
    )
    missing = {name: sql for name, sql in _expected().items() if name not in present}
    for sql in missing.values():
        op.execute(sql)
    if _FTS_INSERT in missing:
        op.execute("INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')")
    if set(missing) - {_FTS_INSERT}:
        # No trigger fires on the rendering itself (0003's fire on the claim's parts).
        op.execute("UPDATE claim SET markdown = NULL")


def downgrade() -> None:
    pass  # Nothing to undo: the triggers belong to migration 0006's schema.
