"""The copy key against a real X clipboard (Xvfb + xclip), and against a stale DISPLAY."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from curator_tui.cards.render import render_markdown
from curator_tui.config import Config
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import load_card
from curator_tui.services.sample import seed
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.main import MainScreen

from .conftest import display_alive, free_display, settle


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Engine]:
    engine = open_library(tmp_path / "library.db")
    assert all(r.ok for r in seed(engine))
    yield engine
    engine.dispose()


def read_clipboard() -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["xclip", "-selection", "clipboard", "-o"], capture_output=True, timeout=10, check=False
    )


def expected_markdown(engine: Engine, screen: MainScreen) -> str:
    assert screen.detail is not None, "no claim highlighted"
    with session_scope(engine) as session:
        return render_markdown(load_card(session, screen.detail.id))


async def test_copy_reaches_the_x_clipboard(xvfb: str, seeded: Engine) -> None:
    # Something else on the clipboard first, so a copy that does nothing cannot pass.
    subprocess.run(
        ["xclip", "-selection", "clipboard"],
        input=b"before",
        timeout=10,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert read_clipboard().stdout == b"before"
    app = CuratorApp(seeded, Config())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        expected = expected_markdown(seeded, screen)
        await pilot.press("c")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
    pasted = read_clipboard()
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.decode("utf-8") == expected
    assert app.clipboard == expected  # kept in the app too
    assert any("system clipboard (xclip)" in m for m in messages), messages


@pytest.fixture
def stale_display(monkeypatch: pytest.MonkeyPatch) -> str:
    """DISPLAY set to a display where no X server listens (:99 unless something does)."""
    display = ":99" if not display_alive(":99") else free_display(100)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", display)
    return display


async def test_stale_display_falls_back_to_osc52(stale_display: str, seeded: Engine) -> None:
    app = CuratorApp(seeded, Config())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        expected = expected_markdown(seeded, screen)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is screen and app.is_running  # no crash, no error screen
        messages = [str(n.message) for n in app._notifications]
    assert os.environ["DISPLAY"] == stale_display
    assert app.clipboard == expected
    assert any("OSC 52" in m for m in messages), messages
    assert not any("system clipboard" in m for m in messages), messages
