"""Fixtures for the TUI tests: a real library file and the app driven by Pilot."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.worker import WorkerCancelled

from curator_tui.config import Config
from curator_tui.db import open_library
from curator_tui.services.sample import sample_dir, seed
from curator_tui.ui.app import CuratorApp

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# No test reaches the internet: a DOI lookup goes to a closed local port (refused at once)
# unless a test passes its own fake Crossref; and no answer is cached between tests.
os.environ.setdefault("CURATOR_CROSSREF_URL", "http://127.0.0.1:9")
os.environ.setdefault("CURATOR_CROSSREF_CACHE", "")


@pytest.fixture
def empty_library(tmp_path: Path) -> Engine:
    """A new, empty library file."""
    return open_library(tmp_path / "library.db")


@pytest.fixture
def seeded_library(tmp_path: Path) -> Engine:
    """A library holding the bundled sample cards."""
    engine = open_library(tmp_path / "library.db")
    assert all(r.ok for r in seed(engine))
    return engine


@pytest.fixture
def make_app() -> Callable[[Engine], CuratorApp]:
    """An app on a library, with the default keys (no user config)."""

    def make(engine: Engine, keys: dict[str, str] | None = None) -> CuratorApp:
        return CuratorApp(engine, Config(keys=keys or {}))

    return make


@pytest.fixture
def sample_cards() -> Path:
    """The bundled sample cards folder."""
    return sample_dir()


async def workers_done(app) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker; one cancelled by a newer one of its group is done too.

    (``wait_for_complete`` raises WorkerCancelled for it: superseding an older load or
    check is what exclusive workers are for. A worker that failed still raises.)
    """
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


def waiting_on_typing(app) -> bool:  # type: ignore[no-untyped-def]
    """Is the screen's work that waits for typing to pause still to come?

    The claim's load, the row hints and the problem check of the page each start only
    once the keys stop; a test that settled before they fire would see the screen of a
    fast machine before them and of a slow one after (CI was fast enough to miss them).
    """
    waiting = getattr(app.screen, "waiting_on_typing", None)
    return bool(waiting and waiting())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the typing timers have fired, every worker is done and the screen has
    caught up."""
    for _ in range(5):
        await workers_done(pilot.app)
        await pilot.pause()
    await wait_until(pilot, lambda: not waiting_on_typing(pilot.app), "the typing timers")
    for _ in range(3):
        await workers_done(pilot.app)
        await pilot.pause()
    await workers_done(pilot.app)


async def wait_until(
    pilot, predicate: Callable[[], object], what: str, timeout: float = 60
) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (``pilot.pause()``, no fixed delay) until ``predicate()`` is true.

    The bound is generous and only there so a broken app fails with ``what`` instead of
    hanging the suite; a passing test waits exactly as long as the condition takes.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause()


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` key by key, as a curator would."""
    for char in text:
        await pilot.press(char if char != " " else "space")


async def type_at_end_of_statement(pilot, text: str):  # type: ignore[no-untyped-def]
    """Open the claim pane and type ``text`` at the end of the statement; the editor."""
    await pilot.press("1")
    editor = pilot.app.screen.query_one("#claim-editor")
    editor.statement.move_cursor(editor.statement.document.end)
    await type_text(pilot, text)
    return editor
