"""PostgreSQL keeps a claim's long texts out of its row, so counting matches reads less.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23

The filter counts the claims that match every keystroke. PostgreSQL 15 cannot count from
a GIN index alone: it visits each matching row in the table (the bitmap scan's skip of
all-visible pages was withdrawn in its minor releases). A claim's row held its Markdown,
its words and their vectors inline or compressed, 1.4 kB a claim: 17,365 pages at 100,000
claims, so counting the 52,126 claims with a word starting "cr" read 17,072 pages (86 ms)
and "cre" 10,280 pages (50 ms), over the 50 ms keystroke budget (bench/RESULTS.md).

``toast_tuple_target = 128`` (the least PostgreSQL takes) moves every long value of a new
or rewritten row out of line, except the statement (storage MAIN): the list sorts by it,
and a sort of matches that fetched each statement out of line took 139 ms for 12,050
claims, against 20 ms with it in the row. 3,854 pages at 100,000 claims, and the same
counts take 23 and 8 ms. The table is rewritten once here (CLUSTER, in the migration's transaction;
~1 minute at 100,000 claims) so an existing library gets narrow rows too. A filter that
matches nearly every claim must then go through the index, not read every row's vector
out of line: services/search.py counts with sequential scans off. Nothing to do on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE claim SET (toast_tuple_target = 128)")
    op.execute("ALTER TABLE claim ALTER COLUMN statement SET STORAGE MAIN")
    # Rows are narrowed when written: rewrite them all (CLUSTER runs inside a transaction,
    # VACUUM FULL does not). The ids' order is the order the claims were added.
    op.execute("CLUSTER claim USING pk_claim")
    op.execute("ANALYZE claim")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE claim ALTER COLUMN statement SET STORAGE EXTENDED")
    op.execute("ALTER TABLE claim RESET (toast_tuple_target)")
