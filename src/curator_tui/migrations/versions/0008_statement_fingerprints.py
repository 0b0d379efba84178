"""The statement fingerprint index of the curation check (duplicate statements).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

``claim_fingerprint`` (claim_id, key): each claim's statement keys, as
``curator_tui.cards.problems.fingerprint`` makes them (one key for the normalised
statement, one per LSH band of its MinHash), indexed by key, so the claims sharing a key
with a statement are found by lookup (services/curation_check.py). No foreign key: a
PostgreSQL copy empties ``claim`` with TRUNCATE, which a referencing table would refuse.

``claim_fingerprint_stale`` (claim_id): the claims whose keys must be made again. The
triggers below queue a claim when it is added or its statement changes, by any client,
and drop its keys when it is deleted; the check stores the queued claims' keys first.
Existing claims are all queued here (the keys are computed in Python, by the first check).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = {
    "claim_fingerprint_insert": """CREATE TRIGGER claim_fingerprint_insert
        AFTER INSERT ON claim BEGIN
            INSERT OR IGNORE INTO claim_fingerprint_stale (claim_id) VALUES (new.id);
        END""",
    "claim_fingerprint_update": """CREATE TRIGGER claim_fingerprint_update
        AFTER UPDATE OF statement ON claim WHEN old.statement IS NOT new.statement BEGIN
            INSERT OR IGNORE INTO claim_fingerprint_stale (claim_id) VALUES (new.id);
        END""",
    "claim_fingerprint_delete": """CREATE TRIGGER claim_fingerprint_delete
        AFTER DELETE ON claim BEGIN
            DELETE FROM claim_fingerprint WHERE claim_id = old.id;
            DELETE FROM claim_fingerprint_stale WHERE claim_id = old.id;
        END""",
}

_PG = [
    """CREATE OR REPLACE FUNCTION claim_fingerprint_stale() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM claim_fingerprint WHERE claim_id = OLD.id;
                DELETE FROM claim_fingerprint_stale WHERE claim_id = OLD.id;
            ELSE
                INSERT INTO claim_fingerprint_stale (claim_id) VALUES (NEW.id)
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER claim_fingerprint_insert AFTER INSERT OR DELETE ON claim
        FOR EACH ROW EXECUTE FUNCTION claim_fingerprint_stale()""",
    """CREATE TRIGGER claim_fingerprint_update AFTER UPDATE OF statement ON claim
        FOR EACH ROW WHEN (OLD.statement IS DISTINCT FROM NEW.statement)
        EXECUTE FUNCTION claim_fingerprint_stale()""",
]


def upgrade() -> None:
    op.create_table(
        "claim_fingerprint",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", "key", name="pk_claim_fingerprint"),
    )
    op.create_index("ix_claim_fingerprint_key", "claim_fingerprint", ["key", "claim_id"])
    op.create_table(
        "claim_fingerprint_stale",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claim_fingerprint_stale"),
    )
    op.execute("INSERT INTO claim_fingerprint_stale (claim_id) SELECT id FROM claim")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for sql in _SQLITE_TRIGGERS.values():
            op.execute(sql)
    elif dialect == "postgresql":
        for sql in _PG:
            op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS claim_fingerprint_insert ON claim")
        op.execute("DROP TRIGGER IF EXISTS claim_fingerprint_update ON claim")
        op.execute("DROP FUNCTION IF EXISTS claim_fingerprint_stale()")
    op.drop_table("claim_fingerprint_stale")
    op.drop_index("ix_claim_fingerprint_key", "claim_fingerprint")
    op.drop_table("claim_fingerprint")
