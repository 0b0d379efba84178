"""Pilot tests: what another program saves shows in the running app without a keypress.

"Another program" is a second engine on the same library (its own connections), as
another curator's app or a script would be. Each test runs on SQLite and PostgreSQL.
Nothing here waits a fixed time: each step waits for the app to show the change.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from curator_tui.db import open_library, session_scope
from curator_tui.services import edits
from curator_tui.services.sample import seed
from curator_tui.ui.widgets.claim_editor import ClaimEditor
from curator_tui.ui.widgets.claim_list import ClaimList

from .conftest import settle, type_at_end_of_statement, wait_until


@pytest.fixture
def library(new_library) -> Engine:  # type: ignore[no-untyped-def]
    engine = new_library()
    assert all(r.ok for r in seed(engine))
    return engine


@pytest.fixture
def elsewhere(library: Engine) -> Iterator[Engine]:
    """Another program on the same library."""
    url = library.url.render_as_string(hide_password=False)
    other = open_library(url.removeprefix("sqlite:///"))
    yield other
    other.dispose()


def save(engine: Engine, edit: edits.Edit) -> None:
    with session_scope(engine) as session:
        edits.apply(session, edit)


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def test_a_claim_saved_elsewhere_appears_in_the_list(library, elsewhere, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        before = claims.total
        shown = app.screen.detail.id
        save(elsewhere, edits.CreateClaim("Aaa a claim another curator added"))
        await wait_until(pilot, lambda: claims.total == before + 1, "the new claim in the list")
        assert app.screen.detail.id == shown  # the cursor stayed on its claim


async def test_the_claim_shown_changes_when_saved_elsewhere(library, elsewhere, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        save(elsewhere, edits.EditClaim(shown.id, synthesis="Their new synthesis."))
        await wait_until(
            pilot, lambda: app.screen.detail.synthesis == "Their new synthesis.", "their change"
        )
        editor = app.screen.query_one(ClaimEditor)
        await wait_until(
            pilot, lambda: editor.values[1] == "Their new synthesis.", "the claim pane updated"
        )


async def test_unsaved_text_is_kept_and_the_curator_is_told(library, elsewhere, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        shown = app.screen.detail
        editor = await type_at_end_of_statement(pilot, " MINE")
        save(elsewhere, edits.EditClaim(shown.id, synthesis="Their new synthesis."))
        await wait_until(
            pilot,
            lambda: any("changed elsewhere" in n for n in notices(app)),
            "the curator told",
        )
        await wait_until(
            pilot, lambda: app.screen.detail.synthesis == "Their new synthesis.", "their change"
        )
        assert editor.values[0] == shown.statement + " MINE"
        assert editor.dirty
