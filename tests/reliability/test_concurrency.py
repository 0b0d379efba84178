"""Two programs at once: the app and a headless import; two editors of one claim."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from curator_tui.config import Config
from curator_tui.db import open_library, session_scope
from curator_tui.models import Claim
from curator_tui.services.sample import seed
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.dialogs import ConfirmDialog

from .helpers import settle
from .test_crash import write_cards


async def test_app_and_headless_import_at_the_same_time(tmp_path: Path) -> None:
    library = tmp_path / "lib.db"
    engine = open_library(library)
    seed(engine)
    write_cards(tmp_path / "cards", 150)
    app = CuratorApp(engine, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        importer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "curator_tui.cli",
                "--db",
                str(library),
                "import",
                str(tmp_path / "cards"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Edit away in the app while the import writes.
        await pilot.press("2")
        for _ in range(15):
            await pilot.press("shift+down")
            await settle(pilot)
        await pilot.press("slash", "c", "l", "a", "i", "m")
        await settle(pilot)
        out, err = importer.communicate(timeout=180)
        assert importer.returncode == 0, err
        assert "locked" not in err + out
        assert "150 claim(s) imported" in out
    with session_scope(engine) as session:
        assert len(session.exec(select(Claim.id)).all()) == 152


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
