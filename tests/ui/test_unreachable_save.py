"""Pilot tests: a save that cannot reach the library says so, not that the library refused.

The edits go to a real PostgreSQL URL on a closed local port (the server is down: the
driver says "connection failed: ... Connection refused"), then to the same library file
opened read-only (a real refusal). What was typed stays, in the pane and in the dialog.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from curator_tui.db import make_engine
from curator_tui.ui.screens.dialogs import TextDialog
from curator_tui.ui.screens.main import MainScreen

from .conftest import settle, type_at_end_of_statement, type_text, wait_until

pytest.importorskip("psycopg")

SERVER_DOWN = "postgresql+psycopg://curator@127.0.0.1:9/library"


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def test_a_save_that_cannot_reach_the_library_says_so(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    down = make_engine(SERVER_DOWN)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        app.screen.edits.engine = down
        editor = await type_at_end_of_statement(pilot, " MINE")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = notices(app)[-1]
        assert said.startswith("Could not reach the library: connection failed"), said
        assert "Connection refused" in said and "\n" not in said
        assert "refused the change" not in said
        assert editor.values[0] == shown.statement + " MINE" and editor.dirty

        # A step's dialog comes back with its text and the same words in its error line.
        await pilot.press("escape")  # discard the statement (asks first)
        await wait_until(pilot, lambda: not isinstance(app.screen, MainScreen), "the question")
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("2")
        step = shown.mechanisms[0].steps[0]
        pane = app.screen.query_one("#mechanism-editor")
        pane.highlighted = [o.id for o in pane.options].index(f"step:{step.id}")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
        first = app.screen
        await pilot.press("ctrl+end")
        await type_text(pilot, " STEP")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TextDialog) and app.screen is not first,
            "the dialog again",
        )
        assert app.screen.fields()["dialog-text"] == step.text + " STEP"
        error = str(app.screen.query_one("#dialog-error").render())
        assert error.startswith("Could not reach the library: connection failed"), error
    down.dispose()


async def test_a_real_refusal_still_says_refused(seeded_library: Engine, make_app) -> None:  # type: ignore[no-untyped-def]
    file = Path(str(seeded_library.url.database)).resolve()
    refusing = make_engine(f"sqlite:///file:{file}?mode=ro&uri=true", read_only=True)
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        app.screen.edits.engine = refusing
        editor = await type_at_end_of_statement(pilot, " MINE")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = notices(app)[-1]
        assert said.startswith("The library refused the change: the library is read-only"), said
        assert editor.dirty
    refusing.dispose()
