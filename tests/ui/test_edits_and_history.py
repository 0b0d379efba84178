"""Pilot tests of edits as values in the app: undo names the edit and restores exact rows,
the History pane (entries, literal coloured diff, restore, undo of the restore), and how
the panes' cursors behave (no wrap, g/G, following added, moved and flipped items).
"""

from __future__ import annotations

import io

from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import select

from curator_tui.db import session_scope
from curator_tui.models import Claim, Evidence, GoldStandardItem, Mechanism, MechanismStep
from curator_tui.services.claims import create_claim, update_claim
from curator_tui.services.mechanisms import add_mechanism, add_step
from curator_tui.ui.screens.dialogs import ConfirmDialog, TextDialog
from curator_tui.ui.screens.main import MainScreen

from .conftest import settle, type_text, wait_until


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


def rows_of(engine: Engine, claim_id: int) -> dict[str, list[tuple[object, ...]]]:
    """Every row of a claim that an undo must bring back exactly: ids, positions, text."""
    with session_scope(engine) as session:
        claim = session.exec(
            select(Claim.id, Claim.statement, Claim.synthesis).where(Claim.id == claim_id)
        ).all()
        mechanisms = session.exec(
            select(Mechanism.id, Mechanism.rank, Mechanism.summary)
            .where(Mechanism.claim_id == claim_id)
            .order_by(Mechanism.id)
        ).all()
        steps = session.exec(
            select(
                MechanismStep.id,
                MechanismStep.mechanism_id,
                MechanismStep.position,
                MechanismStep.text,
            )
            .join(Mechanism)
            .where(Mechanism.claim_id == claim_id)
            .order_by(MechanismStep.id)
        ).all()
        links = session.exec(
            select(Evidence.id, Evidence.study_id, Evidence.stance, Evidence.position)
            .where(Evidence.claim_id == claim_id)
            .order_by(Evidence.id)
        ).all()
    return {
        "claim": [tuple(r) for r in claim],
        "mechanisms": [tuple(r) for r in mechanisms],
        "steps": [tuple(r) for r in steps],
        "evidence": [tuple(r) for r in links],
    }


async def to_synthesis_end(pilot) -> None:  # type: ignore[no-untyped-def]
    """The claim pane, the cursor at the end of the synthesis."""
    await pilot.press("1", "tab")
    area = pilot.app.screen.focused
    assert area.id == "synthesis"
    area.move_cursor(area.document.end)


def highlight(pane, key: str) -> None:  # type: ignore[no-untyped-def]
    pane.highlighted = [o.id for o in pane.options].index(key)


async def test_undo_notice_names_the_edit_it_undid(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await to_synthesis_end(pilot)
        await type_text(pilot, " More")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            assert session.get(Claim, claim_id).synthesis.endswith(" More")
        await pilot.press("escape")  # out of the text (where ctrl+z undoes typing)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "Undone: edited the synthesis" in notices(app), notices(app)
        with session_scope(seeded_library) as session:
            assert not session.get(Claim, claim_id).synthesis.endswith(" More")


async def test_undo_restores_exact_ids_and_positions(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        detail = app.screen.detail
        claim_id = detail.id
        original = rows_of(seeded_library, claim_id)
        editor = app.screen.query_one("#mechanism-editor")
        await pilot.press("2")
        # A step in the middle of the most probable mechanism.
        highlight(editor, f"step:{detail.mechanisms[0].steps[1].id}")
        await pilot.press("d")
        await settle(pilot)
        assert rows_of(seeded_library, claim_id) != original
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert rows_of(seeded_library, claim_id) == original
        # The alternative mechanism with its steps (asks first).
        highlight(editor, f"mechanism:{detail.mechanisms[1].id}")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await settle(pilot)
        assert len(rows_of(seeded_library, claim_id)["mechanisms"]) == 1
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert rows_of(seeded_library, claim_id) == original
        # The whole claim: it comes back with its id and every child's id.
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await settle(pilot)
        assert rows_of(seeded_library, claim_id)["claim"] == []
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert rows_of(seeded_library, claim_id) == original
        assert "Undone: deleted the claim" in notices(app)


async def test_history_pane_diff_restore_and_undo(empty_library, make_app) -> None:  # type: ignore[no-untyped-def]
    with session_scope(empty_library) as session:
        claim_id = create_claim(session, "A [bold]claim[/bold] about *sleep*", "Old [i]synthesis")
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await to_synthesis_end(pilot)
        await type_text(pilot, " [red]new[/red]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        edited = "Old [i]synthesis [red]new[/red]"
        with session_scope(empty_library) as session:
            assert session.get(Claim, claim_id).synthesis == edited
        await pilot.press("escape", "6")
        pane = app.screen.query_one("#history-pane")
        entries = app.screen.query_one("#history-list")
        await wait_until(pilot, lambda: len(entries.entries) == 2, "two history entries")
        assert app.screen.focused is entries
        newest, first = entries.entries
        assert newest.summary == "edited the synthesis" and newest.revision > first.revision
        shown = [str(o.prompt) for o in entries.options]
        assert "edited the synthesis" in shown[0] and newest.author in shown[0]
        # The older entry: its diff against now shows the change, brackets and all.
        await pilot.press("j")
        await wait_until(pilot, lambda: pane.shown == (claim_id, first.revision), "the diff")
        diff = pane.diff
        lines = diff.plain.splitlines()
        # The Markdown export escapes the brackets; the diff shows that text as it is.
        added, removed = r"+Old \[i\]synthesis \[red\]new\[/red\]", r"-Old \[i\]synthesis"
        assert added in lines and removed in lines, lines
        styles = {diff.plain[s.start : s.end]: str(s.style) for s in diff.spans}
        assert styles[added] == "green" and styles[removed] == "red"
        assert any(k.startswith("@@") and v == "cyan" for k, v in styles.items())
        # What is drawn is the text itself: read as markup, the backslashes would vanish.
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(pane.query_one("#history-diff").render())
        assert added in console.export_text()
        # r asks, then restores that revision; ctrl+z undoes the restore.
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await settle(pilot)
        with session_scope(empty_library) as session:
            assert session.get(Claim, claim_id).synthesis == "Old [i]synthesis"
        assert f"Restored revision {first.revision}." in notices(app)
        await wait_until(pilot, lambda: len(entries.entries) == 3, "the restore in the history")
        await pilot.press("ctrl+z")
        await settle(pilot)
        with session_scope(empty_library) as session:
            assert session.get(Claim, claim_id).synthesis == edited
        assert f"Undone: restored revision {first.revision}" in notices(app)


async def test_cursor_never_wraps_and_g_G_go_to_the_ends(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        editor = app.screen.query_one("#mechanism-editor")
        last = editor.option_count - 1
        await pilot.press("g")
        assert editor.highlighted == 0
        await pilot.press("k")
        assert editor.highlighted == 0
        await pilot.press("G")
        assert editor.highlighted == last
        await pilot.press("j")
        assert editor.highlighted == last
        await pilot.press("g", "j")
        assert editor.highlighted == 1


async def test_three_designs_added_in_a_row_keep_their_order(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("4")
        for design in ("First design", "Second design", "Third design"):
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, TextDialog), "the dialog")
            await type_text(pilot, design)
            await pilot.press("ctrl+s")
            await settle(pilot)
        with session_scope(seeded_library) as session:
            designs = session.exec(
                select(GoldStandardItem.design)
                .where(GoldStandardItem.claim_id == claim_id)
                .order_by(GoldStandardItem.position)
            ).all()
        assert designs == ["First design", "Second design", "Third design"]
        gold = app.screen.query_one("#gold-list")
        assert gold.highlighted == 2


async def test_flip_keeps_the_cursor_on_the_study(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        supporting = app.screen.query_one("#supporting")
        assert app.screen.focused is supporting
        key = supporting.highlighted_key
        assert key is not None and key.startswith("evidence:")
        await pilot.press("s")
        await settle(pilot)
        contradicting = app.screen.query_one("#contradicting")
        assert app.screen.focused is contradicting
        assert contradicting.highlighted_key == key
        # And back again: s on the same study flips it back, the cursor still on it.
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.focused is supporting and supporting.highlighted_key == key


async def test_moved_step_keeps_the_cursor(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        step = app.screen.detail.mechanisms[0].steps[0]
        await pilot.press("2")
        editor = app.screen.query_one("#mechanism-editor")
        highlight(editor, f"step:{step.id}")
        await pilot.press("J")
        await settle(pilot)
        assert editor.highlighted_key == f"step:{step.id}"
        assert app.screen.detail.mechanisms[0].steps[1].id == step.id


async def test_a_wrapped_step_hangs_under_its_number(empty_library, make_app) -> None:  # type: ignore[no-untyped-def]
    long = " ".join(f"word{n}" for n in range(40))
    with session_scope(empty_library) as session:
        claim_id = create_claim(session, "A claim with a long step")
        mechanism_id = add_mechanism(session, claim_id, "Summary")
        add_step(session, mechanism_id, long)
        update_claim(session, claim_id, synthesis="")
    app = make_app(empty_library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        editor = app.screen.query_one("#mechanism-editor")
        prompt = editor.options[-1].prompt
        console = Console(width=40, record=True, file=io.StringIO())
        console.print(prompt)
        lines = console.export_text().rstrip("\n").splitlines()
        assert len(lines) > 2 and lines[0].startswith(" 1. word0")
        assert all(line.startswith("    word") for line in lines[1:]), lines


async def test_typing_after_a_save_goes_on_at_the_end(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """The save trims a trailing space and reloads the field: the cursor stays at the end
    (it went to the start, and the next key typed landed before the statement)."""
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("1")
        area = app.screen.focused
        assert area.id == "statement"
        await pilot.press("end")
        await type_text(pilot, " TRAIL ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            saved = session.get(Claim, claim_id).statement
        assert saved.endswith(" TRAIL"), saved
        await type_text(pilot, "Z")
        assert area.text == saved + "Z"
        # The synthesis is saved (and reloaded) the same way.
        await pilot.press("tab")
        assert app.screen.focused.id == "synthesis"
        synthesis = app.screen.focused
        synthesis.move_cursor(synthesis.document.end)
        await type_text(pilot, " MORE ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_text(pilot, "Y")
        with session_scope(seeded_library) as session:
            assert synthesis.text == session.get(Claim, claim_id).synthesis + "Y"
