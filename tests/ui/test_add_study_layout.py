"""The add-study dialog keeps every pasted DOI and its keys on a small screen (80x24)."""

from __future__ import annotations

import socket
from pathlib import Path

from textual import events
from textual.widgets import Input

from curator_tui.config import Config
from curator_tui.services.crossref import CrossrefSettings
from curator_tui.ui.app import CuratorApp

from .conftest import wait_until
from .test_studies_by_doi import new_claim, open_dialog


def unreachable_url() -> str:
    """A local address nothing listens on: every lookup fails as offline does."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def screen_lines(app: CuratorApp) -> list[str]:
    """The lines of the screen as a terminal shows them."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_eight_dois_offline_fit_at_80x24(seeded_library) -> None:  # type: ignore[no-untyped-def]
    claim_id = new_claim(seeded_library)
    dois = [f"10.1000/m.{n}" for n in range(1, 9)]
    settings = CrossrefSettings(base_url=unreachable_url(), timeout=5, cache_dir=None, tries=1)
    app = CuratorApp(
        seeded_library,
        Config(),
        drafts=Path(str(seeded_library.url.database) + ".drafts"),
        crossref=settings,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, claim_id)
        dialog.query_one("#study-doi", Input).post_message(events.Paste("\n".join(dois)))
        await wait_until(pilot, lambda: len(dialog.problems) == 8, "eight failed lookups")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        for doi in dois:
            assert doi in shown
        assert "ctrl+s links 8 of them" in shown
        assert shown.count("cannot reach Crossref") == 1  # said once, not once per DOI
