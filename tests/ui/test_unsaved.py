"""Pilot tests: nothing typed is lost on the way out (quit, signals, escape, export).

Each quitting path (ctrl+q, the palette's Quit, SIGTERM) asks first when there is unsaved
text; a hang-up (SIGHUP) keeps the text as a draft that the next start restores; escape in
every editing dialog asks when its text changed; the export asks before replacing a file.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import events
from textual.widgets import Input

from curator_tui.db import session_scope
from curator_tui.models import Claim, Study
from curator_tui.services.cards import load_claim
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.drafts import drafts_path_for
from curator_tui.ui.screens.dialogs import ChoiceDialog, ConfirmDialog, StudyDialog, TextDialog
from curator_tui.ui.screens.main import MainScreen

from .conftest import settle, type_text


async def until(pilot, condition: Callable[[], object], what: str) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (bounded generously, ~60 s: a loaded
    machine is slow, and the bound only turns a hang into a clear failure)."""
    for _ in range(1200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def until_held(condition: Callable[[], object], what: str) -> None:
    """``until`` for while a screen is held busy on purpose: Pilot's pause would wait (and
    time out) for that screen to be idle; this only lets the event loop run."""
    for _ in range(1200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def deliver(sig: signal.Signals) -> None:
    """Send ``sig`` to this process, once the app's own handler is in place.

    Without it the signal would end pytest itself: this fails the test instead.
    """
    assert signal.getsignal(sig) not in (signal.SIG_DFL, signal.SIG_IGN, None), (
        f"no handler for {sig.name}"
    )
    os.kill(os.getpid(), sig)


def exited(app: CuratorApp) -> bool:
    return app.return_code is not None


def statement_of(engine: Engine, claim_id: int) -> str:
    with session_scope(engine) as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return claim.statement


def steps_of(engine: Engine, claim_id: int) -> list[str]:
    with session_scope(engine) as session:
        detail = load_claim(session, claim_id)
    return [s.text for m in detail.mechanisms for s in m.steps]


async def type_statement(pilot, text: str) -> int:  # type: ignore[no-untyped-def]
    """Open the claim pane and type ``text`` at the end of the statement; the claim's id."""
    await settle(pilot)
    claim_id: int = pilot.app.screen.detail.id
    await pilot.press("1")
    await type_text(pilot, text)
    assert pilot.app.screen.query_one("#statement").text.endswith(text)
    return claim_id


def quit_question(app: CuratorApp) -> bool:
    return isinstance(app.screen, ChoiceDialog) and "unsaved" in app.screen.question


async def test_ctrl_q_with_typed_statement_asks_cancel_keeps_and_save_saves(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " Typed")
        before = statement_of(seeded_library, claim_id)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: quit_question(app), "the quit question")
        assert not exited(app)
        assert f"claim {claim_id}" in app.screen.question and "Typed" in app.screen.question
        await pilot.press("c")  # cancel: back to the text, still unsaved
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        assert not exited(app)
        assert app.screen.query_one("#statement").text.endswith(" Typed")
        assert statement_of(seeded_library, claim_id) == before
        await pilot.press("ctrl+q")
        await until(pilot, lambda: quit_question(app), "the quit question again")
        await pilot.press("s")
        await until(pilot, lambda: exited(app), "the app to quit")
    assert statement_of(seeded_library, claim_id) == before + " Typed"


async def test_quitting_waits_for_the_save_to_be_shown_saved(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """The save's worker can be done before the main screen has handled its ``Edited``.

    Quitting must wait for that, not find the text still unsaved and stop with "could not
    be saved" (seen in tmux on a loaded machine: the app never quit). Here the main screen
    is held busy from the moment the quit's save starts until its worker is done.
    """
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        claim_id = await type_statement(pilot, " Held back")
        before = statement_of(seeded_library, claim_id)
        gate = asyncio.Event()

        async def busy() -> None:
            await gate.wait()

        main = app.main
        save = main.save_unsaved

        def save_while_busy() -> bool:
            main.call_later(busy)  # what the save posts to the main screen waits behind this
            return save()

        main.save_unsaved = save_while_busy  # type: ignore[method-assign]
        try:
            await pilot.press("ctrl+q")
            await until(pilot, lambda: quit_question(app), "the quit question")
            # The key as the terminal sends it (Pilot's press waits for every screen to be
            # idle, and the main one is held busy once the key has started the save).
            key = events.Key("s", "s")
            key.set_sender(app)
            assert app._driver is not None
            app._driver.send_message(key)
            # Waited on without Pilot's pause, which waits for the screens to be idle too.
            await until_held(
                lambda: statement_of(seeded_library, claim_id) == before + " Held back",
                "the save to commit",
            )
            await until_held(
                lambda: not any(w.group == "edit" and w.is_running for w in app.workers),
                "the save's worker to finish",
            )
            assert not exited(app)
        finally:
            gate.set()
        await until(pilot, lambda: exited(app), "the app to quit")
        notes = [str(n.message) for n in app._notifications]
        assert not [n for n in notes if n.startswith("Not quitting")], notes


async def test_ctrl_q_discard_quits_without_saving(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " Thrown away")
        before = statement_of(seeded_library, claim_id)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: quit_question(app), "the quit question")
        await pilot.press("d")
        await until(pilot, lambda: exited(app), "the app to quit")
    assert statement_of(seeded_library, claim_id) == before


async def test_ctrl_q_with_nothing_unsaved_quits_at_once(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: exited(app), "the app to quit")


async def test_palette_quit_asks_and_saves(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " From the palette")
        before = statement_of(seeded_library, claim_id)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen), "the palette")
        await type_text(pilot, "Quit")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: quit_question(app), "the quit question")
        assert not exited(app)
        await pilot.press("s")
        await until(pilot, lambda: exited(app), "the app to quit")
    assert statement_of(seeded_library, claim_id) == before + " From the palette"


async def test_sigterm_asks_like_ctrl_q(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " Before SIGTERM")
        deliver(signal.SIGTERM)
        await until(pilot, lambda: quit_question(app), "the quit question")
        assert not exited(app)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        assert app.screen.query_one("#statement").text.endswith(" Before SIGTERM")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Nothing unsaved now: SIGTERM quits at once.
        deliver(signal.SIGTERM)
        await until(pilot, lambda: exited(app), "the app to quit")
    assert statement_of(seeded_library, claim_id).endswith(" Before SIGTERM")
    # The handlers leave with the app.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


async def test_add_step_dialog_with_text_asks_on_ctrl_q_and_save_adds_the_step(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        before = steps_of(seeded_library, claim_id)
        await pilot.press("2", "a")
        await until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
        await type_text(pilot, "A step typed before quitting")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: quit_question(app), "the quit question")
        assert "New step" in app.screen.question
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog again")
        assert app.screen.query_one("#dialog-text").text == "A step typed before quitting"
        await pilot.press("ctrl+q")
        await until(pilot, lambda: quit_question(app), "the quit question again")
        await pilot.press("s")
        await until(pilot, lambda: exited(app), "the app to quit")
    after = steps_of(seeded_library, claim_id)
    assert len(after) == len(before) + 1
    assert "A step typed before quitting" in after


async def test_sighup_keeps_a_draft_and_the_next_start_restores_it(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    drafts = drafts_path_for(seeded_library)
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " Typed before the hang-up")
        statement = app.screen.query_one("#statement").text
        before = statement_of(seeded_library, claim_id)
        steps_before = steps_of(seeded_library, claim_id)
        # To the mechanisms pane (as a click on its tab would: "2" types into the statement).
        app.main.action_tab("mechanisms")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
        await type_text(pilot, "Step typed before the hang-up")
        deliver(signal.SIGHUP)
        await until(pilot, lambda: exited(app), "the app to quit")
    assert statement_of(seeded_library, claim_id) == before
    saved = json.loads(drafts.read_text(encoding="utf-8"))
    assert [d["where"] for d in saved["drafts"]] == ["claim", "dialog"]
    assert not list(drafts.parent.glob(f".{drafts.name}.*.tmp"))

    # The next start offers the text back; restoring puts it where it was typed.
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the restore offer")
        assert "Restore" in app.screen.question
        assert "Typed before the hang-up" in app.screen.question
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog back")
        assert app.screen.query_one("#dialog-text").text == "Step typed before the hang-up"
        assert app.main.query_one("#statement").text == statement
        assert app.main.detail.id == claim_id
        assert not drafts.exists()
        await pilot.press("ctrl+s")  # the step, into the mechanism it was typed for
        await settle(pilot)
        steps = steps_of(seeded_library, claim_id)
        assert len(steps) == len(steps_before) + 1
        assert "Step typed before the hang-up" in steps
        await pilot.press("ctrl+s")  # the statement (the claim pane has the focus back)
        await settle(pilot)
    assert statement_of(seeded_library, claim_id) == statement


async def test_a_draft_can_be_discarded(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    drafts = drafts_path_for(seeded_library)
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        claim_id = await type_statement(pilot, " Not wanted")
        deliver(signal.SIGHUP)
        await until(pilot, lambda: exited(app), "the app to quit")
    assert drafts.exists()
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the restore offer")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert not drafts.exists()
        assert not app.screen.query_one("#statement").text.endswith(" Not wanted")
    assert not statement_of(seeded_library, claim_id).endswith(" Not wanted")


async def open_study_dialog(pilot) -> StudyDialog:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("3", "e")
    await until(pilot, lambda: isinstance(pilot.app.screen, StudyDialog), "the study dialog")
    dialog: StudyDialog = pilot.app.screen
    return dialog


async def test_study_dialog_escape_asks_only_when_changed(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_study_dialog(pilot)
        await pilot.press("escape")  # unchanged: closes at once
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")

        dialog = await open_study_dialog(pilot)
        doi = dialog.study.doi
        await type_text(pilot, " (typed)")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the discard question")
        await pilot.press("n")  # keep editing
        await until(pilot, lambda: app.screen is dialog, "the study dialog again")
        assert dialog.query_one("#study-title").value.endswith(" (typed)")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the discard question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
        await settle(pilot)
    with session_scope(seeded_library) as session:
        titles = [s.title or "" for s in session.exec(select(Study)).all() if s.doi == doi]
    assert titles and not titles[0].endswith(" (typed)")


async def test_doi_prompt_escape_asks_when_typed(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "a")
        await until(pilot, lambda: not isinstance(app.screen, MainScreen), "the DOI prompt")
        await type_text(pilot, "10.1000/xyz")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the discard question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")


async def test_export_to_an_existing_file_asks_and_cancel_leaves_it(
    seeded_library, make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes.md"
    original = b"My notes\r\nwith \x00 odd bytes\n"
    notes.write_bytes(original)
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for answer in ("n", "y"):
            await pilot.press("x")
            await until(pilot, lambda: not isinstance(app.screen, MainScreen), "the prompt")
            app.screen.query_one("#prompt-input").value = str(notes)
            await pilot.press("enter")
            await until(
                pilot, lambda: isinstance(app.screen, ConfirmDialog), "the overwrite question"
            )
            assert str(notes) in app.screen.question
            await pilot.press(answer)
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
            await settle(pilot)
            if answer == "n":
                assert notes.read_bytes() == original
        assert notes.read_text(encoding="utf-8") == app.main.markdown()


async def test_tab_in_the_study_dialog_only_ever_lands_on_a_field(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    # Its fields scroll in a container that took focus too: shift+tab from the title (or
    # tab from the last field) landed there, and what was typed next went nowhere.
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_study_dialog(pilot)
        for key in ["shift+tab"] + ["tab"] * 10:
            await pilot.press(key)
            assert isinstance(app.focused, Input), (key, app.focused)
        assert dialog.is_current
