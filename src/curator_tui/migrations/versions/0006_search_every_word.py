"""The filter finds a claim by any word in it: each claim's words stored and indexed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

``claim.words`` holds the claim's words as ``curator_tui.cards.words`` defines them (its
statement, synthesis, mechanisms, steps, and its studies' titles, authors and DOIs), one
line of distinct words. Every claim gets them here, computed in Python; the services keep
them with the stored rendering from then on (services/rendered.py).

- SQLite: the full-text index ``claim_fts`` now indexes ``claim.words`` (was the
  statement and synthesis), with the ``ascii`` tokenizer: the words are already folded,
  and that tokenizer cuts them exactly at the spaces. Migration 0003's triggers, which
  clear a claim's stored rendering when anything in it changes, are made again to clear
  its words too (same names: ``db.suspended_triggers`` suspends them for bulk inserts).
- PostgreSQL: ``claim.words_vector``, the words as lexemes (``array_to_tsvector``: no
  parser, no dictionary), a generated column with a GIN index; migration 0003's trigger
  functions are replaced by ones that clear the words too.
- Both: a partial index finds the claims without words (search.py matches those in
  Python until the next commit through the services stores theirs).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WINDOW = 2000

# Children whose change clears their claim's rendering and words: how to reach the claim.
_CHILDREN = {
    "mechanism": "{row}.claim_id",
    "mechanismstep": "(SELECT claim_id FROM mechanism WHERE id = {row}.mechanism_id)",
    "evidence": "{row}.claim_id",
    "goldstandarditem": "{row}.claim_id",
}
_FTS_TRIGGERS = ("claim_fts_insert", "claim_fts_delete", "claim_fts_update")


def _stale_trigger_names() -> list[str]:
    names = ["claim_markdown_stale", "study_markdown_stale"]
    for table in _CHILDREN:
        names += [f"{table}_{e}_markdown_stale" for e in ("insert", "update", "delete", "moved")]
    return names


def _stale_triggers(clear: str, stored: str) -> list[str]:
    """Migration 0003's triggers, clearing ``clear`` where ``stored`` says there is any."""
    sql = [
        f"""CREATE TRIGGER claim_markdown_stale AFTER UPDATE OF statement, synthesis ON claim BEGIN
            UPDATE claim SET {clear} WHERE id = new.id AND ({stored});
        END""",
        f"""CREATE TRIGGER study_markdown_stale AFTER UPDATE ON study BEGIN
            UPDATE claim SET {clear}
            WHERE id IN (SELECT claim_id FROM evidence WHERE study_id = new.id) AND ({stored});
        END""",
    ]
    for table, claim in _CHILDREN.items():
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
            sql.append(
                f"""CREATE TRIGGER {table}_{event.lower()}_markdown_stale AFTER {event} ON {table} BEGIN
                    UPDATE claim SET {clear} WHERE id = {claim.format(row=row)} AND ({stored});
                END"""
            )
        # A row moved to another claim clears the old claim's too.
        sql.append(
            f"""CREATE TRIGGER {table}_moved_markdown_stale AFTER UPDATE ON {table} BEGIN
                UPDATE claim SET {clear} WHERE id = {claim.format(row="old")} AND ({stored});
            END"""
        )
    return sql


def _fts(columns: str, tokenize: str) -> list[str]:
    """The full-text table over ``columns`` of ``claim`` and the triggers that follow it."""
    new = ", ".join(f"new.{c}" for c in columns.split(", "))
    old = ", ".join(f"old.{c}" for c in columns.split(", "))
    return [
        f"""CREATE VIRTUAL TABLE claim_fts USING fts5(
            {columns}, content='claim', content_rowid='id',
            tokenize='{tokenize}', prefix='1 2 3')""",
        f"""CREATE TRIGGER claim_fts_insert AFTER INSERT ON claim BEGIN
            INSERT INTO claim_fts(rowid, {columns}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER claim_fts_delete AFTER DELETE ON claim BEGIN
            INSERT INTO claim_fts(claim_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER claim_fts_update AFTER UPDATE OF {columns} ON claim BEGIN
            INSERT INTO claim_fts(claim_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
            INSERT INTO claim_fts(rowid, {columns}) VALUES (new.id, {new});
        END""",
        "INSERT INTO claim_fts(claim_fts) VALUES ('rebuild')",
    ]


# The transaction-local setting a bulk insert turns on (db.suspended_triggers) on PostgreSQL.
_PG_BULK_SETTING = "curator.bulk_insert"


def _pg_trigger_functions(clear: str, stored: str) -> list[str]:
    """Migration 0003's PL/pgSQL trigger functions, clearing ``clear`` (same triggers)."""

    def clearing(claim: str) -> str:
        return f"UPDATE claim SET {clear} WHERE id = {claim} AND ({stored});"

    bulk = f"current_setting('{_PG_BULK_SETTING}', true) = 'on'"
    sql = [
        f"""CREATE OR REPLACE FUNCTION claim_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {clearing("NEW.id")} RETURN NULL; END $$""",
        f"""CREATE OR REPLACE FUNCTION study_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE claim SET {clear}
                WHERE id IN (SELECT claim_id FROM evidence WHERE study_id = NEW.id)
                AND ({stored});
                RETURN NULL;
            END $$""",
    ]
    for table, claim in _CHILDREN.items():
        sql.append(
            f"""CREATE OR REPLACE FUNCTION {table}_markdown_stale() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' AND {bulk} THEN RETURN NULL; END IF;
                IF TG_OP <> 'INSERT' THEN {clearing(claim.format(row="OLD"))} END IF;
                IF TG_OP <> 'DELETE' THEN {clearing(claim.format(row="NEW"))} END IF;
                RETURN NULL;
            END $$"""
        )
    return sql


def _drop_sqlite_search() -> None:
    for name in (*_FTS_TRIGGERS, *_stale_trigger_names()):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS claim_fts")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Dropped first: the backfill below must not re-index claims row by row.
        _drop_sqlite_search()
    op.add_column("claim", sa.Column("words", sa.Text(), nullable=True))
    _backfill(op.get_bind())
    op.create_index(
        "ix_claim_words_missing",
        "claim",
        ["id"],
        sqlite_where=sa.text("words IS NULL"),
        postgresql_where=sa.text("words IS NULL"),
    )
    if sqlite:
        for statement in _fts("words", "ascii"):
            op.execute(statement)
        for statement in _stale_triggers(
            "markdown = NULL, words = NULL", "markdown IS NOT NULL OR words IS NOT NULL"
        ):
            op.execute(statement)
    elif op.get_bind().dialect.name == "postgresql":
        # Stored, not an expression index: a plan that reads many claims would otherwise
        # build each one's tsvector again (50 µs a claim).
        op.execute(
            "ALTER TABLE claim ADD COLUMN words_vector tsvector"
            " GENERATED ALWAYS AS (array_to_tsvector(string_to_array(words, ' '))) STORED"
        )
        op.execute("CREATE INDEX ix_claim_words_vector ON claim USING gin (words_vector)")
        for statement in _pg_trigger_functions(
            "markdown = NULL, words = NULL", "markdown IS NOT NULL OR words IS NOT NULL"
        ):
            op.execute(statement)


def _backfill(connection: sa.Connection) -> None:
    """Every claim's words, computed by the rule in Python, a window of claims at a time."""
    # Imported here: only a library with claims needs them.
    from sqlmodel import Session

    from curator_tui.cards.words import claim_words
    from curator_tui.services.cards import iter_cards

    store = sa.text("UPDATE claim SET words = :words WHERE id = :claim_id")
    session = Session(bind=connection)
    last = 0
    while True:
        ids = list(
            connection.execute(
                sa.text("SELECT id FROM claim WHERE id > :last ORDER BY id LIMIT :n"),
                {"last": last, "n": _WINDOW},
            ).scalars()
        )
        if not ids:
            break
        last = ids[-1]
        rows = [
            {"claim_id": claim_id, "words": claim_words(card)}
            for claim_id, card in iter_cards(session, ids)
        ]
        connection.execute(store, rows)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_search()
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim DROP COLUMN IF EXISTS words_vector")
        for statement in _pg_trigger_functions("markdown = NULL", "markdown IS NOT NULL"):
            op.execute(statement)
    op.drop_index("ix_claim_words_missing", "claim")
    with op.batch_alter_table("claim") as batch_op:
        batch_op.drop_column("words")
    if sqlite:
        for statement in _fts("statement, synthesis", "unicode61 remove_diacritics 2"):
            op.execute(statement)
        for statement in _stale_triggers("markdown = NULL", "markdown IS NOT NULL"):
            op.execute(statement)
