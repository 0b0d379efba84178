"""Pilot tests: a library the curator may not change says so from the start.

As root a chmod 444 file is still writable, so the library is opened the way
``db.open_library`` opens a read-only one: a ``mode=ro`` SQLite URI, ``read_only=True``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from curator_tui.db import is_read_only, make_engine

from .conftest import settle, type_at_end_of_statement

NOTICE = "This library is read-only: you may browse and export, not change it."


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


def header_text(app) -> str:  # type: ignore[no-untyped-def]
    """The header's line as the terminal shows it."""
    return "".join(strip.text for strip in app.screen._compositor.render_strips()[:1])


def read_only_engine(seeded_library: Engine) -> Engine:
    file = Path(str(seeded_library.url.database))
    seeded_library.dispose()
    engine = make_engine(f"sqlite:///file:{file.resolve()}?mode=ro&uri=true", read_only=True)
    assert is_read_only(engine)
    return engine


async def test_a_read_only_library_says_so_on_opening(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """It gave no sign until a save was refused (after a whole statement was typed)."""
    engine = read_only_engine(seeded_library)
    app = make_app(engine)
    # At 80 columns too: the header cuts the library's long path short, not the mark.
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert notices(app) == [NOTICE]
        assert "curator-tui (read-only)" in header_text(app)
        assert app.screen.detail is not None
        # Still there on another claim and after a refused save; the notice is not repeated.
        await pilot.press("down")
        await settle(pilot)
        await type_at_end_of_statement(pilot, " MINE")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "read-only" in header_text(app)
        assert notices(app).count(NOTICE) == 1
    engine.dispose()


async def test_a_writable_library_is_not_called_read_only(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert app.screen.detail is not None
        assert "read-only" not in header_text(app)
        assert NOTICE not in notices(app)
