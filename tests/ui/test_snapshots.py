"""Snapshot tests of the main screens at fixed sizes (review the report before updating)."""

from __future__ import annotations

from curator_tui.config import Config
from curator_tui.ui.app import CuratorApp

from .conftest import settle


def app_for(engine) -> CuratorApp:  # type: ignore[no-untyped-def]
    # A fixed library name: the real path lives in a temporary folder.
    return CuratorApp(engine, Config(), library_name="library.db")


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


async def _ready_mechanisms(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)


async def _ready_help(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


def test_main_screen_120x40(seeded_library, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_for(seeded_library), terminal_size=(120, 40), run_before=_ready_mechanisms
    )


def test_main_screen_80x24(seeded_library, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_for(seeded_library), terminal_size=(80, 24), run_before=_ready_mechanisms
    )


def test_help_screen(seeded_library, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_for(seeded_library), terminal_size=(120, 40), run_before=_ready_help)


def test_empty_library(empty_library, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_for(empty_library), terminal_size=(100, 30), run_before=_ready)
