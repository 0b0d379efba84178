"""Two programs at once: the app and a headless import; two editors of one claim."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select
from textual.widgets import TextArea

from curator_tui.config import Config
from curator_tui.db import open_library, session_scope
from curator_tui.models import Claim, MechanismStep
from curator_tui.services.sample import seed
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.dialogs import ConfirmDialog, TextDialog
from curator_tui.ui.screens.main import MainScreen

from .helpers import settle


async def test_app_and_headless_import_at_the_same_time(
    tmp_path: Path, card_files, gated_import
) -> None:  # type: ignore[no-untyped-def]
    """The app edits while `curator import` runs: seen running before and after each edit.

    The import is held at two gates (see ``GatedImport``): the app edits once while it
    waits at the first (with part of the cards committed), keeps editing after it goes on
    until it has reported more cards, and edits once more at the second gate.
    """
    library = tmp_path / "lib.db"
    engine = open_library(library)
    seed(engine)
    parts = [
        card_files.write(tmp_path / "a", range(300)),
        card_files.write(tmp_path / "b", range(300, 600)),
    ]
    app = CuratorApp(engine, Config())
    edits: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")

        async def edit() -> None:
            """Add a step through the app; it is shown once the library holds it."""
            text = f"App edit {len(edits) + 1}"
            await pilot.press("a")
            await wait(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
            app.screen.query_one("#dialog-text", TextArea).text = text
            await pilot.press("ctrl+s")
            await wait(
                pilot,
                lambda: (
                    isinstance(app.screen, MainScreen)
                    and text in [s.text for m in app.screen.detail.mechanisms for s in m.steps]
                ),
                f"{text!r} on screen",
            )
            edits.append(text)

        run = gated_import(library, parts, [tmp_path / "gate-a.md", tmp_path / "gate-b.md"])
        await wait(pilot, lambda: run.at_gate(0) or not run.running(), "the first gate")
        assert run.running(), "the importer ended before the app edited"
        await wait(pilot, lambda: run.imported() > 0, "the cards it committed before the gate")
        committed = run.imported()
        await edit()
        assert run.running() and run.at_gate(0)
        run.open_gate(0, card_files.text(1000))
        # Edit on while the importer writes, until it has reported more than at the gate.
        while run.imported() <= committed:
            assert run.running() and len(edits) < 200, "the importer reported nothing more"
            await edit()
        await wait(pilot, lambda: run.at_gate(1) or not run.running(), "the second gate")
        assert run.running(), "the importer ended before the app's last edit"
        await edit()
        assert run.running() and run.at_gate(1)
        run.open_gate(1, card_files.text(1001))
        status, out, err = run.finish()
        assert status == 0, err
        assert "locked" not in err + out
        assert "602 file(s): 602 claim(s) imported or replaced, 0 failed" in out
    with session_scope(engine) as session:
        assert len(session.exec(select(Claim.id)).all()) == 2 + 602
        steps = set(session.exec(select(MechanismStep.text)).all())
    assert len(edits) >= 3
    assert set(edits) <= steps


async def wait(pilot, predicate, what: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (no fixed delay) until ``predicate()``; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause()


async def test_second_save_detects_the_conflict_and_keeps_the_text(tmp_path: Path) -> None:
    library = tmp_path / "lib.db"
    engine = open_library(library)
    seed(engine)
    app = CuratorApp(engine, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("1")
        for char in " mine":
            await pilot.press(char if char != " " else "space")
        # Meanwhile another program saves the same claim.
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from curator_tui.db import open_library, session_scope;"
                "from curator_tui.services.claims import update_claim;"
                "e = open_library(sys.argv[1]);"
                "s = session_scope(e).__enter__();"
                "update_claim(s, int(sys.argv[2]), statement='Theirs'); s.commit()",
                str(library),
                str(claim_id),
            ],
            capture_output=True,
            text=True,
        )
        assert other.returncode == 0, other.stderr
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep my text on screen, do not overwrite
        await settle(pilot)
        assert app.screen.query_one("#statement").text.endswith(" mine")
        with session_scope(engine) as session:
            assert session.get(Claim, claim_id).statement == "Theirs"
        # Now overwrite on purpose.
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        with session_scope(engine) as session:
            assert session.get(Claim, claim_id).statement.endswith(" mine")
