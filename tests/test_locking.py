"""No silent overwrites: every edit the app sends is refused when the claim changed since.

The app wraps each edit in ``edits.Guarded`` with the version of the claim it shows
(issue 11, "No silent overwrites, anywhere"); a study record, shared by claims, is
guarded by the values the curator saw. Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Stance
from curator_tui.db import open_library, session_scope
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.services.errors import Conflict
from curator_tui.services.importing import import_paths
from curator_tui.services.rendered import iter_markdown

DATA = Path(__file__).resolve().parents[1] / "data"

Make = Callable[[ClaimDetail], edits.Edit]
mech = lambda d, n=0: d.mechanisms[n]  # noqa: E731
step = lambda d: d.mechanisms[0].steps[1]  # noqa: E731

# One of every edit the app sends on a claim it shows.
EVERY_EDIT: dict[str, Make] = {
    "edit claim": lambda d: edits.EditClaim(d.id, statement="Someone else's statement"),
    "delete claim": lambda d: edits.DeleteClaim(d.id),
    "add mechanism": lambda d: edits.AddMechanism(d.id, "A new alternative"),
    "edit mechanism": lambda d: edits.EditMechanism(mech(d).id, "New summary"),
    "delete mechanism": lambda d: edits.DeleteMechanism(mech(d, 1).id),
    "move mechanism": lambda d: edits.MoveMechanism(mech(d, 1).id, 1),
    "promote mechanism": lambda d: edits.PromoteMechanism(mech(d, 1).id),
    "add step": lambda d: edits.AddStep(mech(d).id, "A new step", 1),
    "edit step": lambda d: edits.EditStep(step(d).id, "My text for the step"),
    "delete step": lambda d: edits.DeleteStep(step(d).id),
    "move step": lambda d: edits.MoveStep(step(d).id, -1),
    "link study": lambda d: edits.LinkStudy(d.id, "10.1000/new.study", Stance.CONTRADICTING),
    "unlink study": lambda d: edits.UnlinkStudy(d.evidence[0].id),
    "flip stance": lambda d: edits.FlipStance(d.evidence[0].id),
    "set note": lambda d: edits.SetNote(d.evidence[0].id, "a note"),
    "add design": lambda d: edits.AddGold(d.id, "Randomised controlled trial", "12 weeks"),
    "edit design": lambda d: edits.EditGold(d.gold[0].id, "Crossover trial"),
    "delete design": lambda d: edits.DeleteGold(d.gold[0].id),
    "move design": lambda d: edits.MoveGold(d.gold[1].id, -1),
}


def detail_of(engine: Engine, claim_id: int) -> ClaimDetail:
    with session_scope(engine) as session:
        return load_claim(session, claim_id)


def export(engine: Engine) -> str:
    with session_scope(engine) as session:
        return "".join(text for _, _, text in iter_markdown(session))


def apply(engine: Engine, edit: edits.Edit) -> edits.Applied:
    with session_scope(engine) as session:
        return edits.apply(session, edit)


@pytest.fixture
def library(any_library: Engine) -> Engine:
    import_paths(any_library, [DATA])
    # Claim 1 with a part of every kind: three mechanisms, two steps, two designs.
    shown = detail_of(any_library, 1)
    if len(shown.mechanisms[0].steps) < 2:
        apply(any_library, edits.AddStep(shown.mechanisms[0].id, "A second step"))
    alternative = apply(any_library, edits.AddMechanism(1, "An alternative")).focus
    assert alternative is not None
    apply(any_library, edits.AddStep(alternative, "Its step"))
    apply(any_library, edits.AddMechanism(1, "A second alternative"))
    apply(any_library, edits.AddGold(1, "Crossover trial"))
    apply(any_library, edits.AddGold(1, "Cohort study"))
    return any_library


def test_the_sample_claim_has_what_every_edit_needs(library: Engine) -> None:
    shown = detail_of(library, 1)
    assert len(shown.mechanisms) >= 3 and len(shown.mechanisms[0].steps) >= 2
    assert shown.evidence and len(shown.gold) >= 2


@pytest.mark.parametrize("kind", list(EVERY_EDIT))
def test_an_edit_of_a_claim_changed_since_is_refused(library: Engine, kind: str) -> None:
    shown = detail_of(library, 1)
    # Someone else saves the claim (another app, a script) after this one showed it.
    apply(library, edits.EditClaim(1, synthesis="Changed elsewhere."))
    before, fresh = export(library), detail_of(library, 1)
    with pytest.raises(Conflict, match=r"changed elsewhere \(by \S+, .* UTC\) since you opened it"):
        apply(library, edits.Guarded(EVERY_EDIT[kind](shown), shown.id, shown.version))
    assert export(library) == before
    assert detail_of(library, 1) == fresh
    # Shown again (as the live update does), the same edit goes through.
    apply(library, edits.Guarded(EVERY_EDIT[kind](fresh), fresh.id, fresh.version))
    with session_scope(library) as session:
        assert kind == "delete claim" or load_claim(session, 1) != fresh


def test_a_study_record_changed_since_is_refused(library: Engine) -> None:
    shown = detail_of(library, 1)
    link = shown.evidence[0]
    seen = (("title", link.study.title),)
    apply(library, edits.EditStudy(link.study_id, (("title", "Their title"),)))
    with pytest.raises(Conflict, match="title of the study"):
        apply(library, edits.EditStudy(link.study_id, (("title", "My title"),), 1, expected=seen))
    assert detail_of(library, 1).evidence[0].study.title == "Their title"
    # The same values as the record has now: no conflict.
    now = (("title", "Their title"),)
    apply(library, edits.EditStudy(link.study_id, (("title", "My title"),), 1, expected=now))
    assert detail_of(library, 1).evidence[0].study.title == "My title"


def test_undo_after_a_change_elsewhere_is_refused(library: Engine) -> None:
    shown = detail_of(library, 1)
    applied = apply(library, edits.Guarded(EVERY_EDIT["edit step"](shown), 1, shown.version))
    apply(library, edits.EditClaim(1, statement="Changed elsewhere"))
    with pytest.raises(Conflict):
        apply(library, applied.inverse)
    assert detail_of(library, 1).statement == "Changed elsewhere"


def second_engine(library: Engine) -> Engine:
    """Another program on the same library: its own engine and connections."""
    url = library.url.render_as_string(hide_password=False)
    return open_library(url.removeprefix("sqlite:///"))


@pytest.mark.parametrize("kind", ["edit step", "edit claim", "move step"])
def test_two_saves_of_one_version_one_wins(library: Engine, kind: str) -> None:
    """Both read version v; the first commits while the second is saving: it must lose.

    The second save signals when it sends its first write, and only then does the first
    commit. Checking the version with a read before writing would pass both (the read
    happened before the commit); checking with the write itself cannot.
    """
    shown = detail_of(library, 1)
    other = second_engine(library)
    writing = threading.Event()

    def first_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writing.set()

    event.listen(other, "before_cursor_execute", first_write)
    outcome: list[BaseException | None] = []

    def second_save() -> None:
        try:
            apply(other, edits.Guarded(EVERY_EDIT[kind](shown), shown.id, shown.version))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    try:
        with session_scope(library) as session:
            edits.apply(session, edits.Guarded(EVERY_EDIT["set note"](shown), 1, shown.version))
            thread = threading.Thread(target=second_save)
            thread.start()
            assert writing.wait(60), "the second save never started writing"
        thread.join(60)
        assert not thread.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    finally:
        other.dispose()
    now = detail_of(library, 1)
    # The first save is there; nothing of the second.
    assert now.evidence[0].study.note == "a note"
    assert now.statement == shown.statement
    assert [s.text for s in now.mechanisms[0].steps] == [s.text for s in shown.mechanisms[0].steps]
