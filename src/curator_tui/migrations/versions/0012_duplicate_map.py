"""The curation check's library duplicate map, and each compared pair's verdict.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23

A check of the whole library finds duplicate statements by comparing the claims that share
a fingerprint key (migration 0008): ~99,000 pairs at 100,000 generated claims, most of a
warm check's time. What it found is kept here, while nothing it was found from changes:

``claim_pair`` (low_id, high_id, exact, similarity): the verdict on each pair compared
(``low_id`` < ``high_id``; ``similarity`` NULL when they are not duplicates). A verdict
depends on the two statements only; services/curation_check.py deletes a claim's
verdicts when it takes the claim off the fingerprint queue (its statement changed, or it
was added: an id SQLite reuses is queued like any new claim).

``claim_duplicate`` (claim_id, other, exact, similarity): each claim's duplicate as the
last complete library check found it, valid while ``claim_duplicate_state`` holds a row
marked ``valid``. A library check that begins with the queue empty adds a row (a token,
not yet valid); it stores its map and marks its token valid only if the token is still
there. The triggers below delete every row of ``claim_duplicate_state`` whenever what a
map is made of changes, by any client: a claim queued (added, or its statement changed),
a claim deleted, or (PostgreSQL) the claims emptied with TRUNCATE by a copy. So a token
that survives from before a check's reads to its store vouches for them. No foreign key:
a PostgreSQL copy empties ``claim`` with TRUNCATE.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    """CREATE TRIGGER claim_duplicate_queued AFTER INSERT ON claim_fingerprint_stale BEGIN
        DELETE FROM claim_duplicate_state;
    END""",
    """CREATE TRIGGER claim_duplicate_deleted AFTER DELETE ON claim BEGIN
        DELETE FROM claim_duplicate_state;
    END""",
]
# Statement triggers: one delete per statement, however many rows (an import's thousands).
# Each takes the advisory lock 0x64757073 ("dups", services/curation_check.py's _MAP_LOCK)
# shared until its transaction ends: a check adds its token holding it exclusively, so no
# change is half done (its token-deleting DELETE run, its queued claim not yet committed)
# when the check looks at the queue.
_PG = [
    """CREATE OR REPLACE FUNCTION claim_duplicate_stale() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(1685418099);
            DELETE FROM claim_duplicate_state;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER claim_duplicate_queued AFTER INSERT ON claim_fingerprint_stale
        FOR EACH STATEMENT EXECUTE FUNCTION claim_duplicate_stale()""",
    """CREATE TRIGGER claim_duplicate_deleted AFTER DELETE OR TRUNCATE ON claim
        FOR EACH STATEMENT EXECUTE FUNCTION claim_duplicate_stale()""",
]


def upgrade() -> None:
    op.create_table(
        "claim_pair",
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("low_id", "high_id", name="pk_claim_pair"),
    )
    op.create_index("ix_claim_pair_high_id", "claim_pair", ["high_id"])
    op.create_table(
        "claim_duplicate",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("other", sa.Integer(), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claim_duplicate"),
    )
    op.create_table(
        "claim_duplicate_state",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_claim_duplicate_state"),
    )
    dialect = op.get_bind().dialect.name
    for sql in _SQLITE if dialect == "sqlite" else _PG if dialect == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS claim_duplicate_queued")
        op.execute("DROP TRIGGER IF EXISTS claim_duplicate_deleted")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS claim_duplicate_queued ON claim_fingerprint_stale")
        op.execute("DROP TRIGGER IF EXISTS claim_duplicate_deleted ON claim")
        op.execute("DROP FUNCTION IF EXISTS claim_duplicate_stale()")
    op.drop_table("claim_duplicate_state")
    op.drop_table("claim_duplicate")
    op.drop_index("ix_claim_pair_high_id", "claim_pair")
    op.drop_table("claim_pair")
