"""The full-text index follows the claims table through creates, edits, deletes and imports."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card
from curator_tui.cards.text import clean
from curator_tui.cards.words import claim_words, matches, query_words, words
from curator_tui.db import make_engine, open_library, session_scope
from curator_tui.services import edits, evidence, mechanisms
from curator_tui.services.cards import create_many, iter_cards
from curator_tui.services.claims import (
    count_claims,
    create_claim,
    delete_claim,
    list_claims,
    update_claim,
)
from curator_tui.services.importing import import_paths
from curator_tui.services.search import LikeSearch, fts_query, unindexed_ids
from pg_server import BACKENDS

WORDS = [
    "creatine",
    "sleep",
    "tendon",
    "protein",
    "insulin",
    "vo2max",
    "ß-alanine",
    "Müller",
    "café",
]


def fts_ids(session, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        text("SELECT rowid FROM claim_fts WHERE claim_fts MATCH :q"), {"q": fts_query(word)}
    )
    return {row[0] for row in rows}


def like_ids(session, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from curator_tui.models import Claim

    return set(session.exec(LikeSearch().restrict(select(Claim.id), word)).all())


def test_index_equals_table_after_every_kind_of_change(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    rng = random.Random(3)
    with session_scope(engine) as session:
        ids = [
            create_claim(session, f"{rng.choice(WORDS)} and {rng.choice(WORDS)} claim {n}")
            for n in range(60)
        ]
        create_many(
            session, [Card(statement=f"{w} imported card", synthesis="café") for w in WORDS]
        )
    with session_scope(engine) as session:
        for claim_id in ids[:20]:
            update_claim(session, claim_id, statement=f"{rng.choice(WORDS)} edited {claim_id}")
        for claim_id in ids[20:30]:
            update_claim(session, claim_id, synthesis=f"now about {rng.choice(WORDS)}")
        for claim_id in ids[30:40]:
            delete_claim(session, claim_id)
    with session_scope(engine) as session:
        for word in WORDS:
            # Whole words: FTS (prefix tokens) and LIKE (substrings) agree on them.
            assert fts_ids(session, word) == like_ids(session, word), word
        integrity = session.execute(
            text("INSERT INTO claim_fts(claim_fts) VALUES ('integrity-check')")
        )
        del integrity


def test_search_through_the_service(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        a = create_claim(session, "Creatine improves sprint power", "in trained athletes")
        create_claim(session, "Sleep restriction impairs recovery")
        assert [r.id for r in list_claims(session, search="creat athl")] == [a]
        assert count_claims(session, search="sleep") == 1
        # Punctuation only: no FTS token, matched literally, never an FTS syntax error.
        assert count_claims(session, search='"*') == 0
        assert count_claims(session, search="AND OR NOT (") == 0


def test_claims_are_probed_one_by_one_only_for_prefixes_with_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 4-letter prefix has no FTS prefix index: probing per claim cost 0.4 s a page."""
    from sqlalchemy import event

    from curator_tui.services import search

    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        for n in range(20):
            create_claim(session, f"Insulin and sleep {n}")
    monkeypatch.setattr(search, "DENSE", {"statement": 0.0, "updated": 0.0})
    monkeypatch.setattr(search, "SPARSE", 0.0)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with session_scope(engine) as session:
        for typed, probes in (("ins", True), ("insu", False), ("in sl", True), ("in slee", False)):
            statements.clear()
            assert len(list_claims(session, typed, "statement", 0, 10)) == 10
            [page] = [s for s in statements if "INDEXED BY" in s]
            assert ("EXISTS" in page) is probes, typed


def generic_page(session, words: str, sort: str, offset: int) -> list[int]:  # type: ignore[no-untyped-def]
    """The page through the portable query (no per-database plan)."""
    from sqlmodel import select

    from curator_tui.models import Claim
    from curator_tui.services.claims import _ordered

    query = _ordered(LikeSearch().restrict(select(Claim.id), words), sort)  # type: ignore[arg-type]
    return list(session.exec(query.offset(offset).limit(25)).all()) if words else []


def test_every_page_plan_gives_the_pages_of_the_portable_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorting the matches, walking the sort index, and probing per claim: same pages."""
    from curator_tui.generate import populate
    from curator_tui.services import search

    engine = open_library(tmp_path / "lib.db")
    populate(engine, 400, seed=5)
    with session_scope(engine) as session:
        # Same updated_at for several claims would make both orders depend on the id
        # tie-break: spread a few equal timestamps on purpose.
        session.execute(
            text("UPDATE claim SET updated_at = '2026-01-01 00:00:00' WHERE id % 7 = 0")
        )
    plans = {"sort matches": (1.1, 1.1), "walk": (0.0, 1.1), "probe": (0.0, 0.0)}
    # Short and long prefixes, one word and two, few matches and nearly all.
    words = ["with", "training", "improves", "sleep adults", "creatine", "w", "tr", "sl ad", "10.1"]
    # The probe plan runs for prefixes of any length here (by default only up to 3 letters).
    monkeypatch.setattr(search, "PREFIX_INDEX", 100)
    for plan, (sparse, dense) in plans.items():
        monkeypatch.setattr(search, "SPARSE", sparse)
        monkeypatch.setattr(search, "DENSE", {"statement": dense, "updated": dense})
        with session_scope(engine) as session:
            for word in words:
                for sort in ("statement", "updated"):
                    for offset in (0, 25, 150):
                        fts = search.Fts5Search()
                        matches = fts.count(session, word)
                        assert matches is not None
                        got = fts.page_ids(session, word, sort, offset, 25, matches)
                        expected = generic_page(session, word, sort, offset)
                        assert got == expected, (plan, word, sort, offset)
            # Deep pages are not all empty: the comparison compares something.
            assert count_claims(session, "with") == 400
            assert 150 < count_claims(session, "training") < 400
            assert 0 < count_claims(session, "sl ad") < 400


# --- every word of a claim, kept current (issue 11.4) -------------------------------------

DATA = Path(__file__).resolve().parent.parent / "data"


def found(engine: Engine, typed: str) -> list[int]:
    """The ids the filter shows for ``typed``, in id order."""
    with session_scope(engine) as session:
        return [row.id for row in list_claims(session, search=typed, sort="id")]


def hints(engine: Engine, typed: str) -> dict[int, str]:
    with session_scope(engine) as session:
        return {row.id: row.found_in or "" for row in list_claims(session, search=typed)}


def assert_words_current(engine: Engine) -> None:
    """Every claim stores exactly the words the rule gives it now; the index agrees."""
    with session_scope(engine) as session:
        expected = {claim_id: claim_words(card) for claim_id, card in iter_cards(session)}
        stored = dict(session.execute(text("SELECT id, words FROM claim")).all())
        assert stored == expected
        if engine.dialect.name == "sqlite":
            session.execute(
                text("INSERT INTO claim_fts(claim_fts, rank) VALUES ('integrity-check', 1)")
            )
        else:
            vectors = dict(session.execute(text("SELECT id, words_vector::text FROM claim")).all())
            assert vectors == {
                claim_id: " ".join(f"'{w}'" for w in sorted(set(words.split()), key=str.encode))
                for claim_id, words in expected.items()
            }


def study_id(engine: Engine, doi: str) -> int:
    with session_scope(engine) as session:
        return int(
            session.execute(text("SELECT id FROM study WHERE doi = :d"), {"d": doi}).scalar_one()
        )


def test_the_filter_finds_a_claim_by_any_part_and_says_where(any_library: Engine) -> None:
    engine = any_library
    import_paths(engine, [DATA])
    assert_words_current(engine)
    with session_scope(engine) as session:
        rows = {row.statement[:20]: row.id for row in list_claims(session)}
    assert len(rows) == 2
    both = sorted(rows.values())
    # mTOR is only in steps; Helms only among a study's authors; the DOI only in links.
    assert found(engine, "mTOR") == both
    assert found(engine, "helms") == both
    assert found(engine, "10.1080/02640414.2024.2321021") == both
    assert found(engine, "10.1080/0264") == both
    assert found(engine, "10.1080/9") == []
    assert found(engine, "wackerhage") == [rows["Over eight weeks, li"]]
    order, rir = rows["When performing resi"], rows["Over eight weeks, li"]
    assert hints(engine, "mtor") == {order: "step 4: …mTOR-mediated…", rir: "mechanism: …mTOR…"}
    assert hints(engine, "helms") == {order: "study: …Helms…", rir: "study: …Helms…"}
    assert hints(engine, "over eight") == {rir: ""}  # its statement shows it: no hint


def test_the_words_follow_every_change(any_library: Engine) -> None:
    engine = any_library
    with session_scope(engine) as session:
        a = create_claim(session, "Creatine improves sprint power")
        b = create_claim(session, "Sleep aids recovery")
    assert found(engine, "creatine") == [a]
    with session_scope(engine) as session:
        update_claim(session, a, statement="Beta-alanine improves sprint power")
        update_claim(session, b, synthesis="Growth hormone at night")
    assert (found(engine, "creatine"), found(engine, "beta alan"), found(engine, "hormo")) == (
        [],
        [a],
        [b],
    )
    with session_scope(engine) as session:
        mechanism = mechanisms.add_mechanism(session, a, "Buffering of protons")
        step = mechanisms.add_step(session, mechanism, "mTORC1-dependent signalling")
    assert (found(engine, "buffer"), found(engine, "mtorc1 dep")) == ([a], [a])
    with session_scope(engine) as session:
        mechanisms.edit_step(session, step, "AMPK activation")
        mechanisms.update_mechanism(session, mechanism, "Carnosine")
    assert (found(engine, "mtor"), found(engine, "ampk"), found(engine, "buffer")) == ([], [a], [])
    assert found(engine, "carno") == [a]
    with session_scope(engine) as session:
        mechanisms.delete_step(session, step)
    assert found(engine, "ampk") == []
    doi = "10.1152/japplphysiol.00132.2019"
    with session_scope(engine) as session:
        link = evidence.link_study(session, a, doi)
        evidence.link_study(session, b, doi)
    assert found(engine, "japplphysiol") == [a, b]
    # A study shared by both: its new title and authors find both, the old ones neither.
    with session_scope(engine) as session:
        evidence.update_study(
            session, study_id(engine, doi), title="Zebrafish sleep", authors="Müller K"
        )
    assert found(engine, "zebrafish") == found(engine, "muller") == [a, b]
    with session_scope(engine) as session:
        evidence.update_study(session, study_id(engine, doi), title="Mouse model")
    assert (found(engine, "zebrafish"), found(engine, "mouse")) == ([], [a, b])
    with session_scope(engine) as session:
        evidence.unlink_study(session, link)
    assert found(engine, "japplphysiol") == [b]
    assert_words_current(engine)
    # Deleted, then restored with its id (the history's undo): out of the index and back.
    with session_scope(engine) as session:
        undo = edits.apply(session, edits.DeleteClaim(b)).inverse
    assert found(engine, "mouse") == []
    with session_scope(engine) as session:
        edits.apply(session, undo)
    assert found(engine, "mouse") == [b]
    # An import: its steps and studies are searchable at once.
    import_paths(engine, [DATA])
    assert len(found(engine, "wackerhage")) == 1
    assert_words_current(engine)


def test_plain_sql_changes_are_found_at_once_and_stored_by_the_next_commit(
    any_library: Engine,
) -> None:
    engine = any_library
    import_paths(engine, [DATA])
    with session_scope(engine) as session:
        a = create_claim(session, "Creatine improves sprint power")
        session.flush()
        mechanism = mechanisms.add_mechanism(session, a, "")
        mechanisms.add_step(session, mechanism, "Phosphocreatine stores")
    with engine.begin() as connection:
        # Another tool, writing SQL: a step, a study's title, a new claim without words.
        connection.execute(
            text("UPDATE mechanismstep SET text = 'Zebrafish' WHERE text LIKE 'Phospho%'")
        )
        connection.execute(text("UPDATE study SET title = 'Okapi trial'"))
        connection.execute(
            text(
                "INSERT INTO claim (id, statement, synthesis, created_at, updated_at, version)"
                " VALUES (900, 'Quokka claim', '', '2026-01-01', '2026-01-01', 1)"
            )
        )
    assert found(engine, "zebrafish") == [a]
    assert found(engine, "phosphocreatine") == []
    assert len(found(engine, "okapi")) == 2
    assert found(engine, "quokka") == [900]
    with session_scope(engine) as session:
        assert count_claims(session, "okapi trial") == 2
        assert len(unindexed_ids(session)) == 4
    # Any commit through the services stores what is missing.
    with session_scope(engine) as session:
        update_claim(session, a, synthesis="Stored now")
    with session_scope(engine) as session:
        assert unindexed_ids(session) == []
    assert (found(engine, "zebrafish"), found(engine, "quokka")) == ([a], [900])
    assert_words_current(engine)


def make_revision_library(path: Path, revision: str) -> None:
    """A library at an older schema revision, with a claim, a step and a study."""
    from alembic import command

    from curator_tui.migrate import alembic_config
    from reliability.test_migrations import SEED_SQL

    engine = make_engine(path)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.executescript(SEED_SQL)


def test_an_older_library_gets_every_claims_words(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    make_revision_library(path, "0005")
    engine = open_library(path)
    assert_words_current(engine)
    # Mechanism summaries, steps and study authors were never indexed before.
    assert found(engine, "phosphocreatine") == [1]
    assert found(engine, "night step") == [2]
    assert found(engine, "author") == [1, 2]
    assert found(engine, "10.1000/abc") == [1, 2]
    # The triggers that clear a claim's rendering clear its words too.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE mechanismstep SET text = 'Zebrafish' WHERE id = 4")
        assert db.execute("SELECT markdown, words FROM claim WHERE id = 2").fetchone() == (
            None,
            None,
        )
    assert found(engine, "zebrafish") == [2]


@pytest.mark.postgresql
def test_an_older_postgresql_library_gets_every_claims_words(libraries: Any) -> None:
    from alembic import command

    from curator_tui.migrate import alembic_config
    from reliability.test_migrations import SEED_SQL

    target = libraries.target("postgresql")
    try:
        engine = make_engine(target)
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "0005")
            for statement in SEED_SQL.split(";"):
                if statement.strip():
                    connection.execute(text(statement))
            connection.commit()
        engine.dispose()
        engine = open_library(target)
        assert_words_current(engine)
        assert found(engine, "night step") == [2]
        assert found(engine, "author") == [1, 2]
        with engine.begin() as connection:
            connection.execute(text("UPDATE mechanismstep SET text = 'Zebrafish' WHERE id = 4"))
        assert found(engine, "zebrafish") == [2]
        engine.dispose()
    finally:
        libraries.drop(target)


# --- both backends: the same claims --------------------------------------------------------

QUERIES = [
    "mtor",
    "MTORC1-dep",
    "helms",
    "creat",
    "creatine monohydrate",
    "10.1152",
    "10.1152/gen.20",
    "sleep adults",
    "vo2",
    "VO₂max",
    "α",
    "β-alanine",
    "cafe",
    "Müller",
    "25(OH)D",
    "s",
    "in",
    "insu",
    # One- and two-letter words together and beside longer ones (PostgreSQL looks the
    # short ones up in claim.initials_vector, migration 0011).
    "c sl",
    "cr older",
    "older rats",
    "%",
    "zzz",
    # Letters and digits PostgreSQL's own text parser reads otherwise (a number sign of
    # Bengali, Cherokee, which it lower-cases): the stored words are never parsed.
    "a৶1",
    "ᏍᏆ",
    "Ꭴ",
]
# A claim holding those, in both libraries.
UNPARSED = "Sequoyah wrote Ꭴ-ᏍᏆᏂ in ratios of a৶1"


@contextlib.contextmanager
def utf8_locale_library(pg_server: Any) -> Iterator[Engine]:
    """A new PostgreSQL library whose database has a UTF-8 locale (C.UTF-8), not C.

    Under the C locale PostgreSQL's text parser keeps every non-ASCII character as it is;
    under a UTF-8 locale it splits and lower-cases some of them, which the stored words
    must never go through.
    """
    name = f"curator_test_utf8_{uuid.uuid4().hex[:12]}"
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'")
    engine = open_library(pg_server.url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        pg_server.drop_database(name)


@pytest.mark.postgresql
def test_both_backends_find_exactly_the_same_claims(tmp_path: Path, pg_server: Any) -> None:
    from curator_tui.generate import populate

    sqlite = open_library(tmp_path / "lib.db")
    populate(sqlite, 600, seed=7)
    with utf8_locale_library(pg_server) as server:
        populate(server, 600, seed=7)
        for engine in (sqlite, server):
            with session_scope(engine) as session:
                create_claim(session, UNPARSED)
        seen = 0
        for typed in QUERIES:
            answers = []
            for engine in (sqlite, server):
                with session_scope(engine) as session:
                    total = count_claims(session, typed)
                    rows = list_claims(session, typed, "id")
                    page = list_claims(session, typed, "updated", 40, 30, matches=total)
                    answers.append(
                        (
                            total,
                            [(r.id, r.found_in) for r in rows],
                            [r.id for r in page],
                        )
                    )
            assert answers[0] == answers[1], typed
            seen += answers[0][0] > 0
        assert seen >= len(QUERIES) - 3  # the comparison compares claims, not empty lists
    sqlite.dispose()


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_the_database_finds_what_the_rule_says(libraries: Any, backend_name: str) -> None:
    """Random texts and prefixes: SQL (FTS5 or tsvector) gives what ``matches`` gives."""
    with libraries.open(backend_name) as engine:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            texts=st.lists(st.text(max_size=30), min_size=1, max_size=6),
            picks=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30)), max_size=6),
            extra=st.lists(st.text(max_size=6), max_size=3),
        )
        def check(texts: list[str], picks: list[tuple[int, int]], extra: list[str]) -> None:
            with session_scope(engine) as session:
                session.execute(text("DELETE FROM claim"))
                ids = [create_claim(session, f"c{n} {t}") for n, t in enumerate(texts)]
            typed = [texts[i % len(texts)][:end] for i, end in picks] + extra
            for query in typed:
                # Nothing typed (or only spaces) is no filter at all.
                expected = [
                    claim_id
                    for n, (claim_id, t) in enumerate(zip(ids, texts, strict=True))
                    if not query.strip() or matches(query_words(query), words(clean(f"c{n} {t}")))
                ]
                assert found(engine, query) == expected, query

        check()


# --- curator list --search --------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 160])
def test_list_search_says_where_a_claim_matched(tmp_path: Path, run_cli: Any, columns: int) -> None:
    db = tmp_path / "lib.db"
    assert run_cli("import", DATA, db=db).returncode == 0
    env = {"COLUMNS": str(columns)}
    table = run_cli("list", "--search", "helms", "--no-pager", db=db, env=env).stdout
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(rows) == 2
    assert all(len(line) == columns for line in table.splitlines()[1:])
    assert all(" · study" in line for line in rows)
    if columns == 160:
        assert all(" · study: …Helms…" in line for line in rows)
    listed = json.loads(run_cli("list", "--search", "mtor", "--json", db=db).stdout)
    assert sorted(row["found_in"] for row in listed) == [
        "mechanism: …mTOR…",
        "step 4: …mTOR-mediated…",
    ]
    # The statement has the words: nothing to say; without --search, no such field.
    listed = json.loads(run_cli("list", "--search", "over eight", "--json", db=db).stdout)
    assert [row["found_in"] for row in listed] == [""]
    assert "found_in" not in json.loads(run_cli("list", "--json", db=db).stdout)[0]


def test_opening_a_library_stores_the_words_other_tools_left_out(
    tmp_path: Path, run_cli: Any
) -> None:
    db = tmp_path / "lib.db"
    assert run_cli("import", DATA, db=db).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO claim (statement, synthesis, created_at, updated_at, version)"
            " VALUES ('Quokka claim', '', '2026-01-01', '2026-01-01', 1)"
        )
        conn.execute("UPDATE mechanismstep SET text = 'Zebrafish' WHERE id = 1")
        assert conn.execute("SELECT count(*) FROM claim WHERE words IS NULL").fetchone() == (2,)
    listed = run_cli("list", "--search", "quokka", "--json", db=db)
    assert [row["statement"] for row in json.loads(listed.stdout)] == ["Quokka claim"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM claim WHERE words IS NULL").fetchone() == (0,)
    assert_words_current(open_library(db))


def test_the_first_page_and_its_count_are_those_of_the_list(any_library: Engine) -> None:
    """first_page (the filter's keystroke): the count and page list_claims gives; on a server
    the count runs on a connection of its own, beside the page."""
    from sqlalchemy import event

    from curator_tui.generate import populate
    from curator_tui.services.claims import first_page

    engine = any_library
    populate(engine, 120, seed=7)
    connections: dict[str, set[int]] = {"count": set(), "page": set()}

    def seen(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT COUNT"):
            connections["count"].add(id(conn.connection.dbapi_connection))
        elif "claim.statement" in statement:
            connections["page"].add(id(conn.connection.dbapi_connection))

    event.listen(engine, "before_cursor_execute", seen)
    for typed in ("w", "tr", "sleep adults", "creatine", "10.1", "zzzz", ""):
        for sort in ("statement", "updated", "id"):
            with session_scope(engine) as session:
                total = count_claims(session, typed)
                rows = list_claims(session, typed, sort, 0, 25, matches=total, found_in=False)
            connections["count"].clear()
            connections["page"].clear()
            assert first_page(engine, typed, sort, 25) == (total, rows if total else []), typed
            if typed.strip() and engine.dialect.name == "postgresql":
                assert connections["count"] and connections["page"]
                assert connections["count"].isdisjoint(connections["page"]), typed
    with session_scope(engine) as session:
        assert 0 < count_claims(session, "creatine") < 120  # the words compare something
