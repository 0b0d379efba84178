"""Pilot tests of the filter's hints: a row that matched outside its statement says where.

The list is shown as soon as the matches are counted and paged; where each row matched is
worked out after, in a worker of its own, and drawn into the rows when it arrives.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from curator_tui.db import session_scope
from curator_tui.services import claims as claim_service
from curator_tui.services import mechanisms
from curator_tui.services.claims import create_claim
from curator_tui.ui.widgets.claim_list import ClaimList

from .conftest import settle, type_text, wait_until


def lines(claims: ClaimList) -> dict[int, str]:
    """Each loaded row on screen: claim id -> the line drawn."""
    top = int(claims.scroll_offset.y)
    shown = {}
    for y in range(claims.scrollable_content_region.height):
        row = claims.row_at(top + y)
        if row is not None:
            shown[row.id] = claims.render_line(y).text
    return shown


@pytest.fixture
def hint_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The hints wait while the gate is closed (the list itself does not)."""
    gate = threading.Event()
    gate.set()
    where_found = claim_service.where_found

    def gated(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert gate.wait(timeout=60), "the hint gate was never opened"
        return where_found(*args, **kwargs)

    monkeypatch.setattr(claim_service, "where_found", gated)
    yield gate
    gate.set()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_a_row_found_outside_its_statement_says_where(
    seeded_library: Engine, make_app, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        await pilot.press("slash")
        await type_text(pilot, "mtor")
        await settle(pilot)
        shown = lines(claims)
        assert claims.total == len(shown) == 2
        width = claims.scrollable_content_region.width
        for claim_id, line in shown.items():
            assert len(line) == width
            assert line.rstrip().endswith(f" {claim_id}")
            # mTOR is in a step of one sample claim and the mechanism of the other; at 80
            # columns the list is narrow and the hint is cut, but it says where.
            hint = line.partition(" · ")[2]
            assert hint[:5] in ("step ", "mecha"), line
            if size == (160, 50):
                assert hint.startswith(("step 4: …mTOR-mediated…", "mechanism: …mTOR…"))
        # Where the statement has every word: no hint (the other claim cites a study
        # with "eight weeks" in its title).
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "eight weeks")
        await settle(pilot)
        hinted = [line for line in lines(claims).values() if " · " in line]
        assert claims.total == 2 and len(hinted) == 1
        assert " · study" in hinted[0]


async def test_the_list_does_not_wait_for_the_hints(
    seeded_library: Engine, make_app, hint_gate: threading.Event
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        hint_gate.clear()
        await pilot.press("slash")
        await type_text(pilot, "helms")
        await wait_until(pilot, lambda: claims.total == 2 and len(lines(claims)) == 2, "the list")
        assert all(" · " not in line for line in lines(claims).values())
        hint_gate.set()
        await settle(pilot)
        assert all(" · study: …Helms…" in line for line in lines(claims).values())
        # Erasing back to it shows the hints at once (remembered with the rows).
        hint_gate.clear()
        await type_text(pilot, "x")
        await wait_until(pilot, lambda: claims.total == 0, "no match")
        await pilot.press("backspace")
        await wait_until(pilot, lambda: claims.total == 2, "the list again")
        await pilot.pause()
        assert all(" · study: …Helms…" in line for line in lines(claims).values())
        hint_gate.set()


async def test_a_hint_is_data_not_markup(empty_library: Engine, make_app) -> None:  # type: ignore[no-untyped-def]
    with session_scope(empty_library) as session:
        claim = create_claim(session, "A plain claim")
        mechanism = mechanisms.add_mechanism(session, claim, "")
        mechanisms.add_step(session, mechanism, "Zebrafish [bold]model[/] \x1b[31m of 筋肥大")
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        await pilot.press("slash")
        await type_text(pilot, "zebra")
        await settle(pilot)
        [line] = lines(claims).values()
        assert "A plain claim · step 1: Zebrafish…" in line
        await pilot.press(*["backspace"] * 5)
        await type_text(pilot, "model")
        await settle(pilot)
        [line] = lines(claims).values()
        assert "· step 1: …[bold]model" in line  # the brackets shown, nothing bold
        assert claims.render_line(0).cell_length == claims.scrollable_content_region.width
