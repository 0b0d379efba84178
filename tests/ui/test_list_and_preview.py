"""Pilot tests of the claim list's rows (ids, narrow widths) and of the preview's renders.

The preview renders in a worker; a quick run of keys must end on the last claim with the
renders the curator moved past dropped, not queued.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.message import Message

import curator_tui.ui.widgets.preview as preview_module
from curator_tui.cards.render import render_markdown
from curator_tui.config import Config
from curator_tui.db import open_library, session_scope
from curator_tui.generate import populate
from curator_tui.services.cards import load_card
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.ui.widgets.preview import Preview

from .conftest import settle, wait_until


@pytest.fixture
def generated_library(tmp_path: Path) -> Engine:
    """300 generated claims: statements that start alike, ids up to three digits."""
    engine = open_library(tmp_path / "library.db")
    assert populate(engine, 300, seed=1) == 300
    return engine


def markdown_of(engine: Engine, claim_id: int) -> str:
    with session_scope(engine) as session:
        return render_markdown(load_card(session, claim_id))


def shown_id(app: CuratorApp) -> int | None:
    """The claim the panes show."""
    detail = getattr(app.screen, "detail", None)
    return None if detail is None else int(detail.id)


def visible_rows(claims: ClaimList) -> list[tuple[int, str]]:
    """(claim id, the line drawn) for each row on screen."""
    top = int(claims.scroll_offset.y)
    rows = []
    for y in range(claims.scrollable_content_region.height):
        row = claims.row_at(top + y)
        if row is not None:
            rows.append((row.id, claims.render_line(y).text))
    return rows


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_rows_show_the_id_and_the_legend_fits(generated_library, size) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        width = claims.scrollable_content_region.width
        rows = visible_rows(claims)
        assert len(rows) >= 10
        for claim_id, line in rows:
            assert len(line) == width
            # The id at the right, after the statement's first words.
            assert line.rstrip().endswith(f" {claim_id}")
            with session_scope(generated_library) as session:
                statement = load_card(session, claim_id).statement
            assert line[2:12] == statement[:10]
        # Rows whose statements start alike still read differently.
        assert len({line for _, line in rows}) == len(rows)
        legend = str(claims.border_subtitle)
        assert legend.startswith("sort: statement")
        assert len(legend) <= claims.size.width - 2
        if size == (160, 50):
            # The check's error mark is explained too once the list marks a claim.
            errors = " · ✗ errors" if claims.marks_errors else ""
            assert legend == "sort: statement · ▸ steps ▪ studies · ! cut off" + errors
            assert all("▸" in line and "▪" in line for _, line in rows)


async def test_markup_and_wide_text_keep_the_columns(empty_library) -> None:  # type: ignore[no-untyped-def]
    from curator_tui.services.claims import create_claim

    with session_scope(empty_library) as session:
        create_claim(session, "A plain claim")
        create_claim(session, "[bold]Claims[/] about 筋肥大 and 睡眠 in older adults, at length")
    app = CuratorApp(empty_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        width = claims.scrollable_content_region.width
        for y in range(2):
            row = claims.row_at(y)
            assert row is not None
            strip = claims.render_line(y)
            assert strip.cell_length == width
            # The id ends in the same column (before a space) whatever the characters.
            assert strip.crop(width - 2, width).text == f"{row.id} "
        assert "[bold]Claims[/] about 筋肥大" in claims.render_line(1).text


@pytest.fixture
def render_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Renders wait while the gate is closed (the real render runs once it opens)."""
    gate = threading.Event()
    gate.set()
    render = preview_module.markdown_lines

    def gated(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert gate.wait(timeout=60), "the render gate was never opened"
        return render(*args, **kwargs)

    monkeypatch.setattr(preview_module, "markdown_lines", gated)
    yield gate
    gate.set()  # never leave a worker thread waiting


async def test_stale_renders_are_dropped(generated_library, render_gate) -> None:  # type: ignore[no-untyped-def]
    posted: list[Preview.Rendered] = []

    def hook(message: Message) -> None:
        if isinstance(message, Preview.Rendered):
            posted.append(message)

    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("5", "escape")  # the preview shown, the list focused
        preview = app.screen.query_one(Preview)
        claims = app.screen.query_one(ClaimList)
        await wait_until(pilot, lambda: preview.shown_source != "", "the first preview")
        await settle(pilot)
        requested, applied, messages = preview.requested, preview.applied, len(posted)

        render_gate.clear()  # renders are slower than the keys from here on
        # Four keys (each gated render holds one of the worker threads meanwhile).
        for _ in range(4):
            await pilot.press("j")
            # Each claim reaches the panes, so each asks for its render.
            await wait_until(
                pilot, lambda: shown_id(app) == claims.current.id, "the claim in the panes"
            )
        final = claims.current
        assert final is not None
        assert preview.source == markdown_of(generated_library, final.id)
        assert preview.requested - requested == 4
        render_gate.set()

        await wait_until(
            pilot, lambda: preview.shown_source == preview.source, "the last claim's render"
        )
        await settle(pilot)
        # One render reached the screen, the last one; the three before it were dropped.
        assert preview.applied - applied == 1
        assert len(posted) - messages == 1
        assert posted[-1].request == preview.requested
        shown = "\n".join(line.text for line in preview._lines)
        assert final.statement[:30] in " ".join(shown.split())


async def test_quick_keys_end_on_the_last_claim(generated_library) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5", "escape")
        preview = app.screen.query_one(Preview)
        claims = app.screen.query_one(ClaimList)
        await pilot.press(*["j"] * 12)
        final = claims.current
        assert final is not None and claims.cursor == 12
        expected = markdown_of(generated_library, final.id)
        await wait_until(pilot, lambda: preview.shown_source == expected, "the last claim")
        assert preview.applied <= preview.requested


async def test_no_render_while_the_preview_is_hidden(generated_library) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        preview = app.screen.query_one(Preview)
        claims = app.screen.query_one(ClaimList)
        await wait_until(pilot, lambda: preview.shown_source != "", "the preview")
        await pilot.press("2", "escape", "j", "j")  # the Mechanisms pane, the list
        await settle(pilot)
        requested, applied = preview.requested, preview.applied
        preview.show_markdown("# Asked for while hidden\n")
        await settle(pilot)
        assert (preview.requested, preview.applied) == (requested, applied)
        await pilot.press("5")
        current = claims.current
        assert current is not None
        expected = markdown_of(generated_library, current.id)
        await wait_until(pilot, lambda: preview.shown_source == expected, "the preview shown")
        await settle(pilot)
        assert preview.applied == applied + 1


async def test_a_narrower_pane_lays_the_preview_out_again(generated_library) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        preview = app.screen.query_one(Preview)
        await wait_until(pilot, lambda: preview.shown_source != "", "the preview")
        wide = max(line.cell_length for line in preview._lines)
        await pilot.resize_terminal(80, 24)
        narrow = preview.scrollable_content_region.width
        assert narrow < wide
        await wait_until(
            pilot,
            lambda: max(line.cell_length for line in preview._lines) <= narrow,
            "the preview laid out at the new width",
        )


async def test_a_new_theme_lays_the_preview_out_again(generated_library) -> None:  # type: ignore[no-untyped-def]
    app = CuratorApp(generated_library, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        preview = app.screen.query_one(Preview)
        await wait_until(pilot, lambda: preview.shown_source != "", "the preview")
        await settle(pilot)
        applied = preview.applied
        app.theme = "textual-light"
        await wait_until(pilot, lambda: preview.applied == applied + 1, "the preview again")
