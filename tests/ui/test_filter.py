"""Pilot tests of filter-as-you-type: what typing remembers, when it forgets, long text."""

from __future__ import annotations

from sqlalchemy import event

from curator_tui.db import session_scope
from curator_tui.services.claims import list_claims
from curator_tui.ui.messages import HintsLoaded
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.ui.widgets.filter_input import FilterInput

from .conftest import settle, type_text, wait_until


def count_statements(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Every SQL statement run on ``engine`` from now on (the list is filled as they run)."""
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    return statements


async def test_erasing_a_letter_shows_the_earlier_list_without_a_query(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        await pilot.press("slash")
        await type_text(pilot, "muscle wa")
        await settle(pilot)
        assert claims.total == 1
        statements = count_statements(seeded_library)
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert claims.total == 2
        assert claims.border_title == "Claims (2) matching “muscle”"
        assert not [s for s in statements if "claim_fts" in s]
        # Text not typed before is looked up.
        await type_text(pilot, " g")
        await settle(pilot)
        assert [s for s in statements if "claim_fts" in s]


async def test_a_change_to_the_library_forgets_what_typing_found(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        await pilot.press("slash")
        await type_text(pilot, "muscle")
        await settle(pilot)
        assert claims.total == 2
        await pilot.press("enter")  # back to the list, the filter kept
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert claims.total == 1
        # Erasing and retyping must count again: the deleted claim must not come back.
        await pilot.press("slash")
        for _ in "muscle":
            await pilot.press("backspace")
        await settle(pilot)
        assert claims.total == 1
        await type_text(pilot, "muscle")
        await settle(pilot)
        assert claims.total == 1


async def test_a_space_typed_does_not_query_again(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "muscle")
        await settle(pilot)
        generation = app.screen.query_one(ClaimList).generation
        await pilot.press("space")
        await settle(pilot)
        assert app.screen.query_one(ClaimList).generation == generation


async def test_a_long_filter_scrolls_to_keep_the_cursor_in_view(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        text = "creatine supplementation in older adults who train twice a week"
        await type_text(pilot, text)
        await settle(pilot)
        box = app.screen.query_one(FilterInput)
        assert box.value == text
        assert len(text) > box.content_region.width  # it had to scroll
        assert box.scroll_offset.x > 0
        cursor_x = box.cursor_screen_offset.x
        # At the end of the text the cursor sits just past it, as in any Input.
        assert box.content_region.x <= cursor_x <= box.content_region.right
        assert app.screen.query_one(ClaimList).total == 0


async def test_where_rows_matched_is_worked_out_once_the_list_stands_still(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    # Each keystroke of the filter shows a page; working out its hints at once took the
    # cores the next keystroke needed. Pages shown in a row get one load, for the list
    # as it is then; a page of a list replaced since gets none.
    loads: list[tuple[int, int]] = []
    seen: set[int] = set()

    def hook(message: object) -> None:
        if isinstance(message, HintsLoaded) and id(message) not in seen:
            seen.add(id(message))
            loads.append((message.generation, message.offset))

    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "muscle")
        await wait_until(pilot, lambda: bool(loads), "the hints of the list typed")
        await settle(pilot)
        screen = app.screen
        claims = screen.query_one(ClaimList)
        loads.clear()
        seen.clear()
        with session_scope(seeded_library) as session:
            rows = list_claims(session, "muscle", "statement", 0, 50, found_in=False)
        current = claims.generation
        for generation in (current - 1, current, current):  # no await between: as keys come
            screen._want_hints(generation, 0, rows)
        await wait_until(pilot, lambda: bool(loads), "the hints")
        await settle(pilot)
    assert loads == [(current, 0)]
