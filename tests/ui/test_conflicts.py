"""Pilot tests: an edit of a claim someone else saved since is refused, and no text is lost.

"Someone else" is the services on the same library file, as another app or a script
would save (issue 11: no silent overwrites, anywhere).
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine

from curator_tui.authors import with_author
from curator_tui.db import session_scope
from curator_tui.services import edits
from curator_tui.services.cards import ClaimDetail, load_claim
from curator_tui.ui.screens.add_study import AddStudyDialog
from curator_tui.ui.screens.dialogs import ConfirmDialog, StudyDialog, TextDialog

from .conftest import settle, type_at_end_of_statement, type_text, wait_until


def claim(engine: Engine, claim_id: int) -> ClaimDetail:
    with session_scope(engine) as session:
        return load_claim(session, claim_id)


def save_elsewhere(engine: Engine, edit: edits.Edit) -> None:
    with session_scope(engine) as session:
        edits.apply(session, edit)


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


def highlight(pane, key: str) -> None:  # type: ignore[no-untyped-def]
    pane.highlighted = [o.id for o in pane.options].index(key)


async def type_into_first_step(pilot, text: str):  # type: ignore[no-untyped-def]
    """Open the dialog of the shown claim's first step and type ``text`` at its end."""
    app = pilot.app
    await settle(pilot)
    shown = app.screen.detail
    step = shown.mechanisms[0].steps[0]
    await pilot.press("2")
    highlight(app.screen.query_one("#mechanism-editor"), f"step:{step.id}")
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
    await pilot.press("ctrl+end")
    await type_text(pilot, text)
    return shown, step


async def test_a_step_saved_elsewhere_asks_and_keeps_the_text(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        shown, step = await type_into_first_step(pilot, " MINE")
        # Meanwhile another curator saves the same step.
        save_elsewhere(seeded_library, edits.EditStep(step.id, "Their text for the step."))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the conflict")
        assert claim(seeded_library, shown.id).mechanisms[0].steps[0].text == (
            "Their text for the step."
        )
        await pilot.press("n")  # back to my text
        mine = step.text + " MINE"
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, TextDialog) and app.screen.fields()["dialog-text"] == mine
            ),
            "the dialog again, with my text",
        )
        # The panes show the saved claim meanwhile; saving now applies on top of it.
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, (ConfirmDialog, TextDialog))
        assert claim(seeded_library, shown.id).mechanisms[0].steps[0].text == step.text + " MINE"


async def test_save_mine_overwrites_only_that_step(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        shown, step = await type_into_first_step(pilot, " MINE")
        save_elsewhere(seeded_library, edits.EditClaim(shown.id, synthesis="Their synthesis."))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the conflict")
        await pilot.press("y")  # save mine
        await settle(pilot)
        now = claim(seeded_library, shown.id)
        assert now.mechanisms[0].steps[0].text == step.text + " MINE"
        assert now.synthesis == "Their synthesis."


async def test_a_key_edit_on_a_claim_changed_elsewhere_changes_nothing(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        step = shown.mechanisms[0].steps[1]
        await pilot.press("2")
        highlight(app.screen.query_one("#mechanism-editor"), f"step:{step.id}")
        save_elsewhere(seeded_library, edits.EditClaim(shown.id, synthesis="Their synthesis."))
        before = claim(seeded_library, shown.id)
        await pilot.press("K")
        await settle(pilot)
        assert claim(seeded_library, shown.id) == before
        assert any("changed elsewhere" in n for n in notices(app))
        # The claim is shown again as saved: the same key now moves the step.
        await wait_until(pilot, lambda: app.screen.detail == before, "the claim reloaded")
        highlight(app.screen.query_one("#mechanism-editor"), f"step:{step.id}")
        await pilot.press("K")
        await settle(pilot)
        assert claim(seeded_library, shown.id).mechanisms[0].steps[0].id == step.id


async def test_a_study_record_changed_elsewhere_keeps_my_fields(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        link = shown.evidence[0]
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyDialog), "the study dialog")
        field = next(k for k, v in app.screen.fields().items() if v == link.study.title)
        app.screen.query_one(f"#{field}").value = "My title"
        save_elsewhere(seeded_library, edits.EditStudy(link.study_id, (("title", "Their title"),)))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the conflict")
        assert "title of the study" in str(app.screen.question)
        await pilot.press("n")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, StudyDialog) and app.screen.fields()[field] == "My title"
            ),
            "the dialog again, with my fields",
        )
        assert claim(seeded_library, shown.id).evidence[0].study.title == "Their title"


async def test_a_refused_dialog_save_comes_back_with_the_text(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """Refused for another reason than a conflict: the dialog opens again with the text.

    (The add-study dialog itself refuses a DOI already linked; the library refuses a
    year it cannot hold.)"""
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        doi = "10.5555/refused.1"
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AddStudyDialog), "the DOI prompt")
        await type_text(pilot, doi)
        app.screen.query_one("#study-year").focus()
        await type_text(pilot, "1500")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, AddStudyDialog)
                and app.screen.fields().get("study-doi") == doi
                and app.screen.fields().get("study-year") == "1500"
                and any("year must be between" in n for n in notices(app))
            ),
            "the dialog again with the DOI and year typed, and why",
        )


async def test_a_refused_dialog_comes_back_with_the_cursor_in_the_field_it_had(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    """Seen in tmux: after the library refused a year, the study dialog came back with the
    cursor in the title, all of it selected, and "2024" typed to fix the year replaced it."""
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("3", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyDialog), "the study dialog")
        title = app.screen.fields()["study-title"]
        assert title
        app.screen.query_one("#study-year").focus()
        app.screen.query_one("#study-year").value = "99999"
        first = app.screen
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, StudyDialog)
                and app.screen is not first
                and any("year must be between" in n for n in notices(app))
            ),
            "the dialog again, and why",
        )
        await wait_until(
            pilot, lambda: app.focused is not None and app.focused.id is not None, "a field"
        )
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "study-year"
        # Why, in the dialog itself (the notice sat over the dialog's keys and went away).
        said = str(app.screen.query_one("#dialog-error").render())
        assert "year must be between 1600" in said
        await type_text(pilot, "2024")  # the year's text is selected: typing replaces it
        assert app.screen.fields()["study-year"] == "2024"
        assert app.screen.fields()["study-title"] == title


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_statement_conflict_names_who_when_and_their_text(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    """The statement's question said only "changed elsewhere"; the step's named who and
    when. Now it does too, and shows what they saved (their brackets as typed)."""
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        editor = await type_at_end_of_statement(pilot, " MINE")
        theirs = "Their [bold]statement[/bold] now."
        save_elsewhere(
            with_author(seeded_library, "Alice Curator"),
            edits.EditClaim(shown.id, statement=theirs),
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the conflict")
        question = str(app.screen.question)
        assert question.startswith(f"Claim {shown.id} was changed elsewhere (by Alice Curator, "), (
            question
        )
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\) since you opened it", question)
        assert f"Their statement now: {theirs}" in question
        await pilot.pause()
        assert "[bold]statement[/bold]" in screen_text(app)
        await pilot.press("n")  # keep my text here
        await settle(pilot)
        assert editor.values[0] == shown.statement + " MINE"
        assert claim(seeded_library, shown.id).statement == theirs


async def test_a_refused_undo_says_where_to_bring_back_a_revision(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """An undo refused because someone saved the claim since said why and stopped there;
    it now names the History pane by its key as the bindings (and the keymap) give it."""
    app = make_app(seeded_library, keys={"tabs.history": "h"})
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        step = shown.mechanisms[0].steps[0]
        await pilot.press("2")
        highlight(app.screen.query_one("#mechanism-editor"), f"step:{step.id}")
        await pilot.press("J")
        await settle(pilot)
        save_elsewhere(
            with_author(seeded_library, "Bob Reviewer"),
            edits.EditClaim(shown.id, synthesis="Their synthesis."),
        )
        await pilot.press("ctrl+z")
        await settle(pilot)
        refused = [n for n in notices(app) if n.startswith("Cannot undo")]
        assert len(refused) == 1, notices(app)
        assert "changed elsewhere (by Bob Reviewer" in refused[0]
        assert refused[0].endswith(
            ". Press h for the History pane: r there restores an earlier revision."
        ), refused[0]
        # The key it names does open the History pane.
        await pilot.press("h")
        await settle(pilot)
        assert app.screen.query_one("#tabs").active == "history"


async def test_a_statement_saved_on_a_claim_deleted_elsewhere_can_bring_it_back(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    """The save said only "claim N does not exist", and the notice had promised a question:
    the typed text could not be saved anywhere. Now the curator is asked, and may bring the
    claim back as it was with their text in it."""
    from curator_tui.services.history import revisions

    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        editor = await type_at_end_of_statement(pilot, " MINE")
        save_elsewhere(with_author(seeded_library, "Alice Curator"), edits.DeleteClaim(shown.id))
        for answer in ("n", "y"):
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
            question = str(app.screen.question)
            assert question.startswith(
                f"Claim {shown.id} was deleted elsewhere (by Alice Curator, "
            ), question
            assert question.endswith("Bring it back as it was, with your text saved in it?")
            await pilot.press(answer)
            await settle(pilot)
            if answer == "n":  # back to the text: still there, the claim still deleted
                assert editor.values[0] == shown.statement + " MINE"
                with session_scope(seeded_library) as session:
                    assert revisions(session, shown.id)[0].kind == "deleted"
    now = claim(seeded_library, shown.id)
    assert now.statement == shown.statement + " MINE"
    assert [len(m.steps) for m in now.mechanisms] == [len(m.steps) for m in shown.mechanisms]
    assert len(now.evidence) == len(shown.evidence)
    with session_scope(seeded_library) as session:
        newest = revisions(session, shown.id)[0]
    assert newest.summary == "brought the deleted claim back and edited the statement"
