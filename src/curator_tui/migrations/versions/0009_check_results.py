"""The curation check's stored results: each claim's own problems, kept while it is unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

``claim_check`` (claim_id, problems): the problems ``cards.problems.check_card`` found in
a claim (retractions and duplicates aside: those are looked up on every check), as JSON.
A row lives only while the claim's stored rendering (``claim.markdown``, which holds every
part the check reads) is the one it was found in: the triggers below delete it whenever
the rendering is set, cleared (migration 0003's triggers clear it on any change to the
claim, its parts or a study it cites) or the claim is deleted. So a check of the whole
library reads these instead of checking every card again. No foreign key: a PostgreSQL
copy empties ``claim`` with TRUNCATE (a claim copied in afterwards has no row yet).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    """CREATE TRIGGER claim_check_stale AFTER UPDATE OF markdown ON claim BEGIN
        DELETE FROM claim_check WHERE claim_id = new.id;
    END""",
    """CREATE TRIGGER claim_check_delete AFTER DELETE ON claim BEGIN
        DELETE FROM claim_check WHERE claim_id = old.id;
    END""",
]
_PG = [
    """CREATE OR REPLACE FUNCTION claim_check_stale() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM claim_check WHERE claim_id = OLD.id;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER claim_check_stale AFTER UPDATE OF markdown OR DELETE ON claim
        FOR EACH ROW EXECUTE FUNCTION claim_check_stale()""",
]


def upgrade() -> None:
    op.create_table(
        "claim_check",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claim_check"),
    )
    dialect = op.get_bind().dialect.name
    for sql in _SQLITE if dialect == "sqlite" else _PG if dialect == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS claim_check_stale")
        op.execute("DROP TRIGGER IF EXISTS claim_check_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS claim_check_stale ON claim")
        op.execute("DROP FUNCTION IF EXISTS claim_check_stale()")
    op.drop_table("claim_check")
