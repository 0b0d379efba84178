"""The pane tabs all show on the tab bar, at 80 columns as at 160."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from curator_tui.config import Config
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.main import TAB_LABELS

from .conftest import settle


@pytest.mark.parametrize(("size", "short"), [((80, 24), True), ((160, 50), False)])
async def test_every_pane_tab_is_on_the_tab_bar(seeded_library, size, short) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(seeded_library, Config())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        for pane_id, (full, compact) in TAB_LABELS.items():
            tab = tabs.get_tab(pane_id)
            assert tab.label.plain == (compact if short else full)
            # Inside the bar, not scrolled off its right end ("7 Problems" was, at 80).
            assert tab.region.right <= tabs.region.right, pane_id
