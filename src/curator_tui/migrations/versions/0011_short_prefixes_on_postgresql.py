"""PostgreSQL finds one- and two-letter prefixes by an exact lookup, as SQLite's FTS5 does.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

The filter matches a claim when every typed word starts a word of the claim. On PostgreSQL
``words_vector @@ 'c':*`` for a short prefix merges the postings of every word that starts
with it, or reads every claim's stored vector (1.9 kB each, detoasted): counting the
matches of "c" at 100,000 claims took 535 ms, ten times the keystroke budget
(bench/RESULTS.md). SQLite's FTS5 has prefix indexes for this (migration 0006).

``claim.initials_vector``: the distinct first one and two letters of each stored word,
as lexemes (a generated column through an immutable function, with its own GIN index).
A typed word of one or two letters is then one exact lexeme in a small vector; longer
words still go through ``words_vector``. Nothing to do on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """CREATE OR REPLACE FUNCTION curator_initials(words text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT array_to_tsvector(ARRAY(
                SELECT DISTINCT left(word, length)
                FROM unnest(string_to_array(words, ' ')) AS word,
                     (VALUES (1), (2)) AS lengths (length)
                WHERE word <> ''
            ))
        $$"""
    )
    op.execute(
        "ALTER TABLE claim ADD COLUMN initials_vector tsvector"
        " GENERATED ALWAYS AS (curator_initials(words)) STORED"
    )
    op.execute("CREATE INDEX ix_claim_initials_vector ON claim USING gin (initials_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_claim_initials_vector")
    op.execute("ALTER TABLE claim DROP COLUMN IF EXISTS initials_vector")
    op.execute("DROP FUNCTION IF EXISTS curator_initials(text)")
