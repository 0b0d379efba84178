"""The pane tabs all show on the tab bar, and the empty list says what to do, at 80 columns."""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

from curator_tui.config import Config
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.main import TAB_LABELS
from curator_tui.ui.widgets.claim_list import ClaimList

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


async def test_the_tab_labels_follow_the_terminal_both_ways(seeded_library) -> None:  # type: ignore[no-untyped-def]
    """Narrowed, the tabs take their short labels; widened again, their full ones."""
    app = CuratorApp(seeded_library, Config())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        for size, short in (((80, 24), True), ((160, 50), False), ((80, 24), True)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            labels = [tabs.get_tab(pane_id).label.plain for pane_id in TAB_LABELS]
            assert labels == [pair[1 if short else 0] for pair in TAB_LABELS.values()], size
            assert tabs.has_class("-compact") is short


async def test_the_empty_lists_message_wraps_at_80_columns(empty_library) -> None:  # type: ignore[no-untyped-def]
    # The list is 24 columns wide there: "Press n to create a cla" was all it showed.
    app = CuratorApp(empty_library, Config())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        shown = [claims.render_line(y).text.strip() for y in range(claims.size.height)]
        width = claims.size.width
    text = " ".join(line for line in shown if line)
    assert (
        "Press n to create a claim, or i to import card files (.txt or .md, or a folder)." in text
    )
    assert all(len(line) < width for line in shown), (shown, width)
