"""Checks on statement and stance; the full-text index of claims (SQLite FTS5).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Adding a CHECK constraint on SQLite rebuilds the table (batch mode). For ``claim`` that
means DROP TABLE claim, which with foreign keys ON would cascade-delete every mechanism,
step, evidence link and gold-standard item: curator_tui.migrate runs this with them OFF.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_SQL = [
    """CREATE VIRTUAL TABLE claim_fts USING fts5(
        statement, synthesis, content='claim', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER claim_fts_insert AFTER INSERT ON claim BEGIN
        INSERT INTO claim_fts(rowid, statement, synthesis) VALUES (new.id, new.statement, new.synthesis);
    END""",
    """CREATE TRIGGER claim_fts_delete AFTER DELETE ON claim BEGIN
        INSERT INTO claim_fts(claim_fts, rowid, statement, synthesis)
        VALUES ('delete', old.id, old.statement, old.synthesis);
    END""",
    """CREATE TRIGGER claim_fts_update AFTER UPDATE OF statement, synthesis ON claim BEGIN
        INSERT INTO claim_fts(claim_fts, rowid, statement, synthesis)
        VALUES ('delete', old.id, old.statement, old.synthesis);
        INSERT INTO claim_fts(rowid, statement, synthesis) VALUES (new.id, new.statement, new.synthesis);
    END""",
    "INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch_op:
        batch_op.create_check_constraint("statement_not_empty", "length(statement) > 0")
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.create_check_constraint("stance", "stance IN ('supporting', 'contradicting')")
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("claim_fts_insert", "claim_fts_delete", "claim_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS claim_fts")
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.drop_constraint("ck_evidence_stance", type_="check")
    with op.batch_alter_table("claim") as batch_op:
        batch_op.drop_constraint("ck_claim_statement_not_empty", type_="check")
