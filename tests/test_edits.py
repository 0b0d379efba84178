"""Edits as values: every edit's inverse puts back the same rows, ids and positions.

The stateful test applies a few hundred random edits of every kind, then undoes them all:
the library must hold exactly what it held at the start, and export the same bytes.
Everything runs on a SQLite file and on a PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import text

from curator_tui.cards.model import Stance
from curator_tui.db import open_library, session_scope
from curator_tui.services import edits, history
from curator_tui.services.errors import ServiceError
from curator_tui.services.importing import import_paths
from curator_tui.services.rendered import iter_markdown
from curator_tui.undo import InverseStack
from pg_server import BACKENDS

DATA = Path(__file__).resolve().parents[1] / "data"
TABLES = {
    "claim": "id, statement, synthesis, created_at",
    "mechanism": "id, claim_id, rank, summary",
    "mechanismstep": "id, mechanism_id, position, text",
    "evidence": "id, claim_id, study_id, stance, note, position",
    "goldstandarditem": "id, claim_id, position, design, description",
    "study": "id, doi, title, authors, journal, year, volume, issue, pages, pmid",
}


def dump(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that makes up the library's claims (not versions or timestamps of edits)."""
    with engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(text(f"SELECT {cols} FROM {table} ORDER BY id"))
            ]
            for table, cols in TABLES.items()
        }


def export_all(engine: Any) -> str:
    with session_scope(engine) as session:
        return "".join(markdown for _, _, markdown in iter_markdown(session))


def ids(engine: Any, table: str) -> list[int]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(f"SELECT id FROM {table} ORDER BY id"))]


def run(engine: Any, edit: edits.Edit) -> edits.Applied:
    with session_scope(engine) as session:
        return edits.apply(session, edit)


@pytest.fixture
def library(any_library: Any) -> Any:
    import_paths(any_library, [DATA])
    return any_library


class EditsAndUndo(RuleBasedStateMachine):
    """Random edits of every kind; at the end, undo them all."""

    # A new library for each run: a file by default (the PostgreSQL run sets its own).
    new_target: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        target = type(self).new_target
        self.engine = open_library(target() if target else self.folder / "lib.db")
        # The PostgreSQL run must not quietly fall back to a file.
        assert type(self) is EditsAndUndo or self.engine.dialect.name == "postgresql"
        import_paths(self.engine, [DATA])
        self.start = dump(self.engine)
        self.start_export = export_all(self.engine)
        self.undo = InverseStack(depth=10_000)
        self.counter = 0

    def pick(self, table: str, n: int) -> int | None:
        found = ids(self.engine, table)
        return found[n % len(found)] if found else None

    def do(self, edit: edits.Edit | None) -> None:
        if edit is None:
            return
        try:
            applied = run(self.engine, edit)
        except ServiceError:
            return  # refused (e.g. an empty text): nothing changed
        self.undo.push(applied)

    def text(self, what: str) -> str:
        self.counter += 1
        return f"{what} {self.counter} [*x*] `y` #z"

    @rule()
    def create_claim(self) -> None:
        self.do(edits.CreateClaim(self.text("Claim"), "syn"))

    @rule(n=st.integers(0, 99), which=st.sampled_from(["statement", "synthesis", "both"]))
    def edit_claim(self, n: int, which: str) -> None:
        claim = self.pick("claim", n)
        if claim is not None:
            statement = self.text("Statement") if which != "synthesis" else None
            synthesis = self.text("Synthesis") if which != "statement" else None
            self.do(edits.EditClaim(claim, statement, synthesis))

    @rule(n=st.integers(0, 99))
    def delete_claim(self, n: int) -> None:
        claim = self.pick("claim", n)
        if claim is not None and len(ids(self.engine, "claim")) > 1:
            self.do(edits.DeleteClaim(claim))

    @rule(n=st.integers(0, 99), rank=st.none() | st.integers(0, 3))
    def add_mechanism(self, n: int, rank: int | None) -> None:
        claim = self.pick("claim", n)
        if claim is not None:
            self.do(edits.AddMechanism(claim, self.text("Mechanism"), rank))

    @rule(n=st.integers(0, 99))
    def edit_mechanism(self, n: int) -> None:
        mechanism = self.pick("mechanism", n)
        if mechanism is not None:
            self.do(edits.EditMechanism(mechanism, self.text("Summary")))

    @rule(n=st.integers(0, 99))
    def delete_mechanism(self, n: int) -> None:
        mechanism = self.pick("mechanism", n)
        if mechanism is not None:
            self.do(edits.DeleteMechanism(mechanism))

    @rule(n=st.integers(0, 99), offset=st.sampled_from([-2, -1, 1, 2]))
    def move_mechanism(self, n: int, offset: int) -> None:
        mechanism = self.pick("mechanism", n)
        if mechanism is not None:
            self.do(edits.MoveMechanism(mechanism, offset))

    @rule(n=st.integers(0, 99))
    def promote_mechanism(self, n: int) -> None:
        mechanism = self.pick("mechanism", n)
        if mechanism is not None:
            self.do(edits.PromoteMechanism(mechanism))

    @rule(n=st.integers(0, 99), position=st.none() | st.integers(0, 9))
    def add_step(self, n: int, position: int | None) -> None:
        mechanism = self.pick("mechanism", n)
        if mechanism is not None:
            self.do(edits.AddStep(mechanism, self.text("Step 10.1000/x"), position))

    @rule(n=st.integers(0, 99))
    def edit_step(self, n: int) -> None:
        step = self.pick("mechanismstep", n)
        if step is not None:
            self.do(edits.EditStep(step, self.text("Edited step")))

    @rule(n=st.integers(0, 99))
    def delete_step(self, n: int) -> None:
        step = self.pick("mechanismstep", n)
        if step is not None:
            self.do(edits.DeleteStep(step))

    @rule(n=st.integers(0, 99), offset=st.sampled_from([-3, -1, 1, 3]))
    def move_step(self, n: int, offset: int) -> None:
        step = self.pick("mechanismstep", n)
        if step is not None:
            self.do(edits.MoveStep(step, offset))

    @rule(n=st.integers(0, 99), new=st.booleans(), stance=st.sampled_from(list(Stance)))
    def link_study(self, n: int, new: bool, stance: Stance) -> None:
        claim = self.pick("claim", n)
        if claim is None:
            return
        if new:
            self.counter += 1
            doi = f"10.5555/new.{self.counter}"
            record = (("title", self.text("Title")), ("year", 2020))
            self.do(edits.LinkStudy(claim, doi, stance, record))
        else:
            with self.engine.connect() as connection:
                dois = [r[0] for r in connection.execute(text("SELECT doi FROM study"))]
            if dois:
                self.do(edits.LinkStudy(claim, dois[n % len(dois)], stance))

    @rule(
        n=st.integers(0, 99),
        new=st.integers(0, 3),
        old=st.integers(0, 2),
        stance=st.sampled_from(list(Stance)),
    )
    def link_studies(self, n: int, new: int, old: int, stance: Stance) -> None:
        """A paste of several DOIs: new studies (with a record) and the library's."""
        claim = self.pick("claim", n)
        if claim is None:
            return
        studies: list[tuple[str, tuple[tuple[str, object], ...]]] = []
        for _ in range(new):
            self.counter += 1
            doi = f"10.5555/pasted.{self.counter}"
            studies.append((doi, (("title", self.text("Pasted")), ("year", 2021))))
        with self.engine.connect() as connection:
            dois = [r[0] for r in connection.execute(text("SELECT doi FROM study"))]
        studies += [(dois[(n + i) % len(dois)], ()) for i in range(min(old, len(dois)))]
        if studies:
            self.do(edits.LinkStudies(claim, tuple(studies), stance))

    @rule(n=st.integers(0, 99))
    def unlink_study(self, n: int) -> None:
        link = self.pick("evidence", n)
        if link is not None:
            self.do(edits.UnlinkStudy(link))

    @rule(n=st.integers(0, 99))
    def flip_stance(self, n: int) -> None:
        link = self.pick("evidence", n)
        if link is not None:
            self.do(edits.FlipStance(link))

    @rule(n=st.integers(0, 99))
    def set_note(self, n: int) -> None:
        link = self.pick("evidence", n)
        if link is not None:
            self.do(edits.SetNote(link, self.text("Note")))

    @rule(n=st.integers(0, 99))
    def edit_study(self, n: int) -> None:
        study = self.pick("study", n)
        if study is not None:
            values = (
                ("title", self.text("Title")),
                ("authors", "Doe J; Roe R"),
                ("year", 2001),
                ("design", "RCT"),
                ("sample_size", 40),
            )
            self.do(edits.EditStudy(study, values))

    @rule(n=st.integers(0, 99), position=st.none() | st.integers(0, 5))
    def add_gold(self, n: int, position: int | None) -> None:
        claim = self.pick("claim", n)
        if claim is not None:
            self.do(edits.AddGold(claim, self.text("RCT"), "12 weeks", position))

    @rule(n=st.integers(0, 99))
    def edit_gold(self, n: int) -> None:
        item = self.pick("goldstandarditem", n)
        if item is not None:
            self.do(edits.EditGold(item, self.text("Crossover"), "desc"))

    @rule(n=st.integers(0, 99))
    def delete_gold(self, n: int) -> None:
        item = self.pick("goldstandarditem", n)
        if item is not None:
            self.do(edits.DeleteGold(item))

    @rule(n=st.integers(0, 99), offset=st.sampled_from([-1, 1, 2]))
    def move_gold(self, n: int, offset: int) -> None:
        item = self.pick("goldstandarditem", n)
        if item is not None:
            self.do(edits.MoveGold(item, offset))

    @rule(n=st.integers(0, 99), back=st.integers(1, 5))
    def restore_revision(self, n: int, back: int) -> None:
        claim = self.pick("claim", n)
        if claim is None:
            return
        with session_scope(self.engine) as session:
            entries = history.revisions(session, claim)
        target = entries[min(back, len(entries) - 1)].revision
        self.do(edits.RestoreRevision(claim, target))

    @precondition(lambda self: len(self.undo) > 0)
    @rule()
    def undo_one(self) -> None:
        self.undo_last()

    def undo_last(self) -> None:
        entry = self.undo.pop()
        assert entry is not None
        self.undo.undone(run(self.engine, entry[1]))

    @invariant()
    def positions_are_contiguous(self) -> None:
        with self.engine.connect() as connection:
            for table, parent, order in (
                ("mechanism", "claim_id", "rank"),
                ("mechanismstep", "mechanism_id", "position"),
                ("evidence", "claim_id", "position"),
                ("goldstandarditem", "claim_id", "position"),
            ):
                groups: dict[int, list[int]] = {}
                query = f"SELECT {parent}, {order} FROM {table} ORDER BY {parent}, {order}"
                for owner, number in connection.execute(text(query)):
                    groups.setdefault(owner, []).append(number)
                for values in groups.values():
                    assert values == list(range(len(values))), (table, values)

    def teardown(self) -> None:
        try:
            while len(self.undo):
                self.undo_last()
            assert dump(self.engine) == self.start
            assert export_all(self.engine) == self.start_export
        finally:
            self.engine.dispose()
            shutil.rmtree(self.folder, ignore_errors=True)


EditsAndUndo.TestCase.settings = settings(
    max_examples=6,
    stateful_step_count=60,
    deadline=None,
    # Shrinking a failing run of 60 edits takes many minutes; the unshrunk steps are printed.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
test_every_edit_undone_gives_back_the_library = EditsAndUndo.TestCase


class EditsAndUndoOnPostgres(EditsAndUndo):
    """The same runs on a PostgreSQL database (fewer of them: each makes a database)."""


@pytest.fixture
def postgres_targets(request: pytest.FixtureRequest, libraries: Any) -> Iterator[None]:
    made: list[str] = []

    def target() -> str:
        made.append(libraries.target("postgresql", library=True))
        return made[-1]

    EditsAndUndoOnPostgres.new_target = staticmethod(target)
    yield
    EditsAndUndoOnPostgres.new_target = None
    for url in made:
        libraries.drop(url)


EditsAndUndoOnPostgres.TestCase.settings = settings(EditsAndUndo.TestCase.settings, max_examples=3)
test_every_edit_undone_gives_back_the_library_on_postgresql = pytest.mark.postgresql(
    pytest.mark.usefixtures("postgres_targets")(EditsAndUndoOnPostgres.TestCase)
)


def test_undoing_an_unlink_puts_the_study_back_in_its_place(library: Any) -> None:
    claim = ids(library, "claim")[0]
    for n in range(3):
        run(library, edits.LinkStudy(claim, f"10.5555/s.{n}"))
    before = dump(library)
    middle = [row for row in before["evidence"] if row[1] == claim][1]
    applied = run(library, edits.UnlinkStudy(middle[0]))
    run(library, applied.inverse)
    assert dump(library) == before  # same id, same position (was re-appended at the end)


def test_undoing_a_deleted_mechanism_or_claim_brings_back_the_same_ids(library: Any) -> None:
    before = dump(library)
    mechanism, claim = before["mechanism"][0][:2]
    stack = InverseStack()
    stack.push(run(library, edits.DeleteMechanism(mechanism)))
    stack.push(run(library, edits.DeleteClaim(claim)))
    assert claim not in ids(library, "claim")
    while (entry := stack.pop()) is not None:
        stack.undone(run(library, entry[1]))  # the older entry still finds its rows
    assert dump(library) == before


def test_a_claim_deleted_elsewhere_comes_back_with_the_text_saved_in_it(library: Any) -> None:
    claim = ids(library, "claim")[0]
    before = export_all(library)
    run(library, edits.DeleteClaim(claim))
    with session_scope(library) as session:
        deletion = history.newest(session, claim)
    assert deletion is not None and deletion.kind == "deleted"
    mine = edits.EditClaim(claim, statement="My statement, typed while it was deleted")
    applied = run(library, edits.Revived(claim, deletion.revision, mine))
    assert applied.summary == "brought the deleted claim back and edited the statement"
    assert ids(library, "claim")[0] == claim
    with session_scope(library) as session:
        assert history.newest(session, claim).kind == "restored"  # type: ignore[union-attr]
    assert export_all(library).count("My statement, typed while it was deleted") == 1
    # Undone, it is deleted again; brought back as it was, the library reads as before.
    run(library, applied.inverse)
    assert claim not in ids(library, "claim")
    run(library, edits.RestoreRevision(claim, deletion.revision))
    assert export_all(library) == before


def test_an_undo_never_overwrites_a_change_made_elsewhere(library: Any) -> None:
    claim = dump(library)["claim"][0][0]
    undo = run(library, edits.EditClaim(claim, synthesis="Mine")).inverse
    run(library, edits.EditClaim(claim, synthesis="Someone else's"))
    with pytest.raises(ServiceError, match="changed elsewhere"):
        run(library, undo)
    assert "Someone else's" in export_all(library)


def test_summaries_say_what_was_done(library: Any) -> None:
    rows = dump(library)
    step = next(r for r in rows["mechanismstep"] if r[2] == 2)[0]
    assert run(library, edits.MoveStep(step, -1)).summary == (
        "moved step 3 of the most probable mechanism up"
    )


def random_edit(engine: Any, kind: str, n: int) -> edits.Edit:
    """One edit of ``kind`` on the sample claim's rows (``n`` picks which)."""
    claim = ids(engine, "claim")[0]
    steps = ids(engine, "mechanismstep")
    links = ids(engine, "evidence")
    if kind == "synthesis":
        return edits.EditClaim(claim, synthesis=f"Synthesis {n} with [brackets]")
    if kind == "step" and steps:
        return edits.EditStep(steps[n % len(steps)], f"Step {n} 10.1000/{n}")
    if kind == "move" and steps:
        return edits.MoveStep(steps[n % len(steps)], 1 if n % 2 else -1)
    if kind == "delete" and len(steps) > 1:
        return edits.DeleteStep(steps[n % len(steps)])
    if kind == "link":
        return edits.LinkStudy(claim, f"10.5555/{n}", Stance.CONTRADICTING, (("title", f"T{n}"),))
    if kind == "flip" and links:
        return edits.FlipStance(links[n % len(links)])
    return edits.AddGold(claim, f"Design {n}", "8 weeks", n % 3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(["synthesis", "step", "move", "delete", "link", "flip", "gold"]),
            st.integers(0, 50),
        ),
        min_size=1,
        max_size=8,
    ),
    pick=st.integers(0, 100),
    delete_at_end=st.booleans(),
)
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_restoring_any_revision_gives_that_revisions_export(
    libraries: Any,
    backend_name: str,
    changes: list[tuple[str, int]],
    pick: int,
    delete_at_end: bool,
) -> None:
    with libraries.open(backend_name) as engine:
        import_paths(engine, [DATA / "card-rir-vs-failure.txt"])
        claim = ids(engine, "claim")[0]
        for kind, n in changes:
            with contextlib.suppress(ServiceError):
                run(engine, random_edit(engine, kind, n))
        if delete_at_end:
            run(engine, edits.DeleteClaim(claim))
        with session_scope(engine) as session:
            entries = [e for e in history.revisions(session, claim) if e.kind != "deleted"]
            revision = entries[pick % len(entries)].revision
            expected = history.text_at(session, claim, revision)
        run(engine, edits.RestoreRevision(claim, revision))
        assert export_all(engine) == expected
        with session_scope(engine) as session:
            newest = history.revisions(session, claim)[0]
            assert (newest.kind, newest.summary) == ("restored", f"restored revision {revision}")
            assert history.text_at(session, claim, newest.revision) == expected
