"""The curation check's stored results: each claim's own problems, kept while it is unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

``claim_check`` (claim_id, digest, problems): the problems ``cards.problems.check_card``
found in a claim (retractions and duplicates aside: those are looked up on every check),
as JSON, with a digest of the claim's stored rendering (``claim.markdown``) they were found
in. The rendering holds every part the check reads, and any change clears it (migration
0003's triggers), so a row is used only while the digest of the claim's rendering matches:
a check of the whole library reads these instead of checking every card again. No foreign
key and no trigger: a row of a deleted claim is never matched (and a claim given its id
again has another rendering), and a PostgreSQL copy empties ``claim`` with TRUNCATE.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_check",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.BigInteger(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claim_check"),
    )


def downgrade() -> None:
    op.drop_table("claim_check")
