"""Pilot tests: the claim the curator goes to stays shown whatever arrives meanwhile.

A claim chosen from the palette (``select_claim``) is loaded, and the list reloaded to put
its cursor on it, in two workers. Other things land between the call and their answers: a
live update (the app's own check workers write to the library, which counts as a change),
an announcement of the row the cursor was on. Each test puts the competing message in the
screen's queue at once, before any worker has started, so it is handled first on every
machine.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.message import Message

from curator_tui.config import Config
from curator_tui.db import session_scope
from curator_tui.services import edits
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.live import LibraryChanged
from curator_tui.ui.messages import PageLoaded
from curator_tui.ui.screens.library import LibraryScreen
from curator_tui.ui.widgets.claim_list import ClaimList

from .conftest import settle


def new_claim(engine: Engine, statement: str) -> int:
    with session_scope(engine) as session:
        applied = edits.apply(session, edits.CreateClaim(statement))
    assert applied.claim_id is not None
    return applied.claim_id


def on_claim(screen: LibraryScreen) -> tuple[int | None, int | None]:
    """(the claim shown, the claim under the list's cursor)."""
    current = screen.claim_list.current
    return (screen.detail.id if screen.detail else None, current.id if current else None)


async def test_a_library_change_while_a_claim_is_selected_keeps_that_claim(
    seeded_library,
) -> None:  # type: ignore[no-untyped-def]
    """The CI flake of test_studies_by_doi: a live update took the curator back.

    The reload it started used the cursor of the list about to be replaced, and being
    newer it dropped the selection's list: the cursor went back, and the detail with it.
    """
    claim_id = new_claim(seeded_library, "Studies are added by DOI")
    app = CuratorApp(seeded_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main
        left, _ = on_claim(screen)
        assert left is not None and left != claim_id
        screen.select_claim(claim_id)
        screen.post_message(LibraryChanged())  # as the live thread posts it
        await settle(pilot)
        assert on_claim(screen) == (claim_id, claim_id)
        assert screen.sub_title.endswith(f"claim {claim_id}")


async def test_the_claim_the_cursor_comes_back_to_is_shown(seeded_library) -> None:  # type: ignore[no-untyped-def]
    """Down and back up before the claim below arrives: the claim back under the cursor is
    shown, not the one on its way (it was skipped as "shown already")."""
    app = CuratorApp(seeded_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main
        back, _ = on_claim(screen)
        assert back is not None and on_claim(screen) == (back, back)
        below = screen.claim_list.row_at(screen.claim_list.cursor + 1)
        assert below is not None
        screen.load_detail(below.id)  # what the cursor's move down started
        # Back up: the list announces the claim under the cursor again.
        row = screen.claim_list.current
        assert row is not None
        screen.post_message(ClaimList.Highlighted(row))
        await settle(pilot)
        assert on_claim(screen) == (back, back)


async def test_a_selection_reads_the_cursor_page_once(seeded_library) -> None:  # type: ignore[no-untyped-def]
    """The list's load brings the cursor's page: the request the reset made while it had
    no rows is not read again (a second read announced the cursor's row again and set the
    page's check going again)."""
    claim_id = new_claim(seeded_library, "Studies are added by DOI")
    pages: list[PageLoaded] = []

    def hook(message: Message) -> None:
        if isinstance(message, PageLoaded):
            pages.append(message)

    app = CuratorApp(seeded_library, Config())
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        screen = app.main
        pages.clear()
        screen.select_claim(claim_id)
        await settle(pilot)
        assert on_claim(screen) == (claim_id, claim_id)
        assert pages == []
