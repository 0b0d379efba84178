"""Bulk writes (import): the same rows as one by one, triggers back after, read-ahead in order."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from curator_tui.cards.model import Card, Mechanism, Stance, StudyRef
from curator_tui.cards.render import render_markdown
from curator_tui.db import BULK_INSERT_TRIGGERS, open_library, session_scope
from curator_tui.generate import generate_cards
from curator_tui.readahead import map_ahead
from curator_tui.services.cards import create_from_card, create_many
from curator_tui.services.claims import create_claim
from curator_tui.services.importing import _prepare, _prepare_many
from curator_tui.services.rendered import iter_markdown


def triggers(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return dict(rows.all())


def test_triggers_are_back_and_work_after_a_bulk_insert(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        before = triggers(session)
        ids = create_many(session, list(generate_cards(30, seed=2)))
    with session_scope(engine) as session:
        assert triggers(session) == before
        # The triggers a bulk insert suspends were there, and are back (the same SQL).
        assert set(BULK_INSERT_TRIGGERS) <= set(before)
        session.execute(text("INSERT INTO claim_fts(claim_fts) VALUES ('integrity-check')"))
        # Each claim went in rendered; a part added by another tool clears it.
        stored = session.execute(text("SELECT count(*) FROM claim WHERE markdown IS NULL"))
        assert stored.scalar_one() == 0
        mechanism = session.execute(
            text("SELECT id FROM mechanism WHERE claim_id = :c LIMIT 1"), {"c": ids[3]}
        ).scalar_one_or_none()
        if mechanism is None:
            session.execute(
                text("INSERT INTO mechanism (claim_id, rank, summary) VALUES (:c, 0, '')"),
                {"c": ids[3]},
            )
        else:
            session.execute(
                text(
                    "INSERT INTO mechanismstep (mechanism_id, position, text) VALUES (:m, 99, 'x')"
                ),
                {"m": mechanism},
            )
        cleared = session.execute(text("SELECT markdown FROM claim WHERE id = :c"), {"c": ids[3]})
        assert cleared.scalar_one() is None


def test_a_bulk_insert_leaves_the_index_s_settings_as_they_were(tmp_path: Path) -> None:
    # index_new_claims gives FTS5 room for a whole batch of new terms; that setting is
    # stored with the index, so it must be back at the default (1 MB) afterwards, and
    # the index must hold exactly the claims' words.
    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        create_many(session, list(generate_cards(40, seed=3)))
    with session_scope(engine) as session:
        session.execute(
            text("INSERT INTO claim_fts(claim_fts, rank) VALUES ('integrity-check', 1)")
        )
        stored = session.execute(text("SELECT v FROM claim_fts_config WHERE k = 'hashsize'"))
        assert stored.scalar_one_or_none() in (None, 1024 * 1024)
        found = session.execute(text("SELECT count(*) FROM claim_fts WHERE claim_fts MATCH 'the*'"))
        assert found.scalar_one() > 0


def test_a_refused_bulk_insert_leaves_the_triggers_and_no_rows(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    with session_scope(engine) as session:
        before = triggers(session)
    good = Card(statement="A good claim", mechanisms=(Mechanism("m", ("one",)),))
    twice = StudyRef(doi="10.5555/twice", stance=Stance.SUPPORTING)
    # Refused late, at its evidence (one study cited twice): after claims and index went in.
    bad = Card(statement="A bad claim", studies=(twice, twice))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        create_many(session, [good, bad])
    with session_scope(engine) as session:
        assert triggers(session) == before
        assert session.execute(text("SELECT count(*) FROM claim")).scalar_one() == 0
        assert session.execute(text("SELECT count(*) FROM claim_fts")).scalar_one() == 0


def test_bulk_rows_are_stored_like_rows_written_one_at_a_time(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    card = Card(
        statement="Bulk and single agree",
        synthesis="Same text",
        mechanisms=(Mechanism("how", ("a", "b")),),
        studies=(StudyRef(doi="10.5555/x.1", stance=Stance.CONTRADICTING, title="T"),),
    )
    with session_scope(engine) as session:
        [bulk] = create_many(session, [card])
        single = create_claim(session, "Written alone")
    with session_scope(engine) as session:
        dates = dict(
            session.execute(
                text("SELECT id, updated_at FROM claim WHERE id IN (:a, :b)"),
                {"a": bulk, "b": single},
            ).all()
        )
        stance = session.execute(text("SELECT stance FROM evidence")).scalar_one()
        exported = {i: md for i, _, md in iter_markdown(session, [bulk])}
    # SQLAlchemy's text form of a datetime, both ways: sorting by date compares like with like.
    form = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")
    assert form.match(dates[bulk]) and form.match(dates[single]), dates
    assert stance == Stance.CONTRADICTING.value
    assert exported[bulk] == render_markdown(card)


def test_reading_ahead_in_other_processes_keeps_the_files_in_order(tmp_path: Path) -> None:
    paths: list[Path | str] = []
    for n, card in enumerate(generate_cards(23, seed=4)):
        path = tmp_path / f"{n:02d}.md"
        path.write_text(render_markdown(card), encoding="utf-8")
        paths.append(path)
    (tmp_path / "broken.md").write_text("# \n", encoding="utf-8")
    paths[7:7] = [tmp_path / "broken.md", str(tmp_path / "missing.md")]
    serial = [_prepare(p) for p in paths]
    ahead = list(map_ahead(_prepare_many, paths, chunk=2, local=3, ahead=2, parallel_from=0))
    assert repr(ahead) == repr(serial)
    assert "failed" in repr(ahead[7]) and "failed" in repr(ahead[8])


def test_while_the_worker_is_behind_this_process_reads_ahead_itself(tmp_path: Path) -> None:
    """Chunks the worker has not got to are read here, and every result keeps its place."""
    sys.path.insert(0, str(Path(__file__).parent))
    from readahead_probe import gated

    gate = str(tmp_path / "gate")
    items = [(gate, number, number == 4) for number in range(5)]
    found = list(map_ahead(gated, items, chunk=1, local=1, ahead=2, parallel_from=0))
    # 0 here before the worker starts; 1 and 2 sent to the worker, which waits at the gate;
    # 3 and 4 read here meanwhile (4 opens the gate), then taken in order.
    assert found == [(0, "here"), (1, "worker"), (2, "worker"), (3, "here"), (4, "here")]


def test_create_from_card_still_works_alone(tmp_path: Path) -> None:
    engine = open_library(tmp_path / "lib.db")
    card = next(iter(generate_cards(1, seed=9)))
    with session_scope(engine) as session:
        claim_id = create_from_card(session, card)
    with session_scope(engine) as session:
        assert {i: md for i, _, md in iter_markdown(session, [claim_id])}[
            claim_id
        ] == render_markdown(card)


def test_a_read_ahead_worker_loads_no_database_code(tmp_path: Path) -> None:
    # A worker that imported the services (SQLAlchemy, the tables) would start ~0.5 s later.
    card = tmp_path / "card.md"
    card.write_text(render_markdown(next(iter(generate_cards(1, seed=5)))), encoding="utf-8")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from curator_tui.readahead import map_ahead\n"
        "from readahead_probe import loaded\n"
        "print(list(map_ahead(loaded, [sys.argv[2]] * 4, chunk=1, local=1, parallel_from=0)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent), str(card)],
        capture_output=True,
        text=True,
        check=True,
    )
    # The first chunk ran in this process; the others in the worker, with nothing heavy.
    assert done.stdout.strip() == str([[]] * 4), done.stdout


def _triggers_seen_by_another_connection(path: Path) -> int:
    import sqlite3

    other = sqlite3.connect(path)
    try:
        found = other.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
        return int(found.fetchone()[0])
    finally:
        other.close()


def test_no_other_connection_sees_the_triggers_suspended(tmp_path: Path) -> None:
    """A batch whose studies are all known writes nothing before the triggers are dropped:
    the drop must still be inside the batch's transaction (tmux/CLI trial: the driver
    committed it on its own, so a second import saw them gone, took the same claim ids,
    and a killed import left them dropped for good)."""
    from curator_tui.db import suspended_triggers

    path = tmp_path / "lib.db"
    engine = open_library(path)
    before = _triggers_seen_by_another_connection(path)
    with session_scope(engine) as session:
        connection = session.connection()
        connection.exec_driver_sql("SELECT count(*) FROM claim").all()  # a read: no transaction
        with suspended_triggers(connection, BULK_INSERT_TRIGGERS) as suspended:
            assert suspended  # they were dropped, in here
            assert _triggers_seen_by_another_connection(path) == before
        session.rollback()  # as a killed process would: nothing of it remains
    assert _triggers_seen_by_another_connection(path) == before


def test_two_imports_at_once_both_finish_whole(tmp_path: Path) -> None:
    """Two processes import into one library at the same moment: every card once, under
    its own id, and the triggers all there after (before the fix: UNIQUE failures on
    claim.id, lost triggers, duplicated claims)."""
    library = tmp_path / "lib.db"
    open_library(library).dispose()
    folders = []
    for name, seed in (("a", 11), ("b", 12)):
        folder = tmp_path / name
        folder.mkdir()
        for number, card in enumerate(generate_cards(1500, seed=seed)):
            markdown = render_markdown(replace(card, statement=f"{name} {number} {card.statement}"))
            (folder / f"{number:04d}.md").write_text(markdown, encoding="utf-8")
        folders.append(folder)
    before = _triggers_seen_by_another_connection(library)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "curator_tui.cli", "--db", str(library), "import", "-q", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    for run in runs:
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
    engine = open_library(library)
    with session_scope(engine) as session:
        claims = session.execute(text("SELECT count(*), count(DISTINCT statement) FROM claim"))
        assert tuple(claims.one()) == (3000, 3000)
        session.execute(text("INSERT INTO claim_fts(claim_fts) VALUES ('integrity-check')"))
    assert _triggers_seen_by_another_connection(library) == before
