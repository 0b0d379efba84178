"""Pilot tests of the curation check in the app (issue 13): the list's error mark and its
legend, the Problems pane (7), Enter going to the step, fixing it, the mark going away, and
"Check the library" from the palette.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from textual.command import CommandList

from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import create_from_card
from curator_tui.ui.messages import ProblemsChecked
from curator_tui.ui.screens.dialogs import TextDialog
from curator_tui.ui.widgets.claim_list import ERROR_MARK
from curator_tui.ui.widgets.mechanisms import MechanismEditor
from curator_tui.ui.widgets.problems import ProblemList

from .conftest import settle, type_text, wait_until

DOI = "10.1152/japplphysiol.00001.2020"
UNLINKED = " 10.5555/unlinked"
GOOD = Card(
    statement="Sleep restriction lowers maximal strength in trained adults",
    synthesis=f"One trial found lower strength ({DOI}).",
    mechanisms=(Mechanism("Less sleep, less recovery.", (f"Sleep loss lowers drive ({DOI}).",)),),
    studies=(StudyRef(doi=DOI, stance=Stance.SUPPORTING, title="T", authors="A", year=2020),),
    gold=(GoldItem("Randomised controlled trial"),),
)
# Its second step cites a DOI that is not linked: an error, at "step 2".
BAD = replace(
    GOOD,
    statement="Caffeine improves endurance in [bold]trained[/bold] cyclists",
    mechanisms=(
        Mechanism("Adenosine.", (f"Blocks adenosine ({DOI}).", f"Less fatigue{UNLINKED}")),
    ),
)


def _library(tmp_path: Path) -> tuple[Engine, int, int]:
    engine = open_library(tmp_path / "library.db")
    with session_scope(engine) as session:
        good = create_from_card(session, GOOD)
        bad = create_from_card(session, BAD)
    return engine, good, bad


def _line(app, index: int) -> str:  # type: ignore[no-untyped-def]
    claims = app.screen.claim_list
    return "".join(
        segment.text for segment in claims.render_line(index - int(claims.scroll_offset.y))
    )


async def test_mark_pane_jump_fix_and_mark_gone(tmp_path: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    engine, good, bad = _library(tmp_path)
    app = make_app(engine)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.claim_list
        # The list's page was checked in a worker: the bad claim is marked, the good one not.
        await wait_until(pilot, lambda: claims.has_errors(bad), "the error mark")
        assert not claims.has_errors(good)
        lines = {_line(app, i).strip()[:1] for i in range(claims.total)}
        assert ERROR_MARK in lines
        assert f"{ERROR_MARK} has errors" in str(claims.border_subtitle)
        # The bad claim, its Problems pane.
        app.screen.select_claim(bad)
        await wait_until(
            pilot, lambda: app.screen.detail is not None and app.screen.detail.id == bad, "claim"
        )
        await pilot.press("7")
        problems = app.screen.query_one(ProblemList)
        await wait_until(
            pilot, lambda: any(p.code == "uncited-doi" for p in problems.problems), "problems"
        )
        shown = [str(o.prompt) for o in problems.options]
        assert any("step 2 of the most probable mechanism" in s for s in shown)
        # Enter goes to the step.
        index = next(i for i, p in enumerate(problems.problems) if p.code == "uncited-doi")
        problems.highlighted = index
        await pilot.press("enter")
        editor = app.screen.query_one(MechanismEditor)
        step_id = app.screen.detail.mechanisms[0].steps[1].id
        await wait_until(pilot, lambda: editor.has_focus, "the mechanisms pane")
        assert editor.highlighted_key == f"step:{step_id}"
        # Fixed as a curator would: the step edited, the stray DOI erased.
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog), "the step dialog")
        await pilot.press("ctrl+end", *["backspace"] * len(UNLINKED))
        await type_text(pilot, ".")
        await pilot.press("ctrl+s")
        main = app.main
        await wait_until(pilot, lambda: not main.claim_list.has_errors(bad), "the mark gone")
        await settle(pilot)
        assert "uncited-doi" not in {p.code for p in problems.problems}
        assert main.detail.mechanisms[0].steps[1].text == "Less fatigue."


async def test_check_the_library_from_the_palette(tmp_path: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    engine, _good, bad = _library(tmp_path)
    app = make_app(engine)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "Check the library")
        commands = app.screen.query_one(CommandList)

        def offered() -> bool:
            if not commands.option_count:
                return False
            top = commands.get_option_at_index(commands.highlighted or 0)
            return "Check the library" in str(top.prompt)

        # The palette's providers answer in their own time: Enter once it offers the command.
        await wait_until(pilot, offered, "the palette offering 'Check the library'")
        await pilot.press("enter")
        problems = app.main.query_one(ProblemList)
        await wait_until(pilot, lambda: problems.library and problems.problems, "library check")
        assert {p.claim for p in problems.problems} == {bad}
        assert problems.problems[0].code == "uncited-doi"  # errors first
        # In the library's list each problem names its claim.
        prompts = [str(o.prompt) for o in problems.options]
        assert prompts[0] == (
            f"{ERROR_MARK} claim {bad} · step 2 of the most probable mechanism: cites"
            " 10.5555/unlinked, which is not linked as a study  uncited-doi"
        )
        assert app.main.claim_list.has_errors(bad)


async def test_pages_shown_in_quick_succession_are_checked_once(tmp_path: Path, make_app) -> None:  # type: ignore[no-untyped-def]
    # Each keystroke of the filter shows a page; they are checked together once the list
    # stands still, not one check (and one keying of the queue) per keystroke.
    engine, good, bad = _library(tmp_path)
    checked: list[tuple[int, ...]] = []
    seen: set[int] = set()

    def hook(message: object) -> None:
        # Called for each node the message reaches (it bubbles): each message once.
        fresh = id(message) not in seen
        if isinstance(message, ProblemsChecked) and not message.library and fresh:
            seen.add(id(message))
            checked.append(message.claim_ids)

    app = make_app(engine)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await settle(pilot)
        main = app.screen
        await wait_until(pilot, lambda: main.claim_list.has_errors(bad), "the first page checked")
        await settle(pilot)
        checked.clear()
        seen.clear()
        for page in ((good,), (bad,), (good, bad)):
            main.checker.check_claims(page)  # no await between: as fast as keys can come
        await wait_until(pilot, lambda: bool(checked), "the pages checked")
        await settle(pilot)
    # One check of both claims. Their order is not the point: a page the list itself showed
    # just before (in its own order) can be among those gathered, as in CI's run.
    assert len(checked) == 1
    assert sorted(checked[0]) == sorted((good, bad))


async def test_a_pages_keying_skips_while_another_writer_holds_the_library(
    tmp_path: Path,
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    # The app keys queued claims for the duplicate index as a chore after each check. A
    # writer holding a SQLite library past the busy timeout (an import, `curator check`)
    # made that worker fail ("database is locked"); now it skips and the check stands.
    engine, good, bad = _library(tmp_path)
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.screen
        await wait_until(pilot, lambda: main.claim_list.has_errors(bad), "the first page checked")
        await settle(pilot)
        with session_scope(engine) as session:  # a change queues the claim to be keyed again
            session.execute(
                text("UPDATE claim SET statement = statement || '!' WHERE id = :c"), {"c": good}
            )
        holder = sqlite3.connect(tmp_path / "library.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held past the busy timeout
        try:
            main.checker.check_claims((good, bad))
            await wait_until(
                pilot,
                lambda: any(w.group == "check-page" for w in app.workers),
                "the page check started",
            )
            for worker in [w for w in app.workers if w.group == "check-page"]:
                await worker.wait()  # raises WorkerFailed if the keying failed
        finally:
            holder.rollback()
            holder.close()
        assert main.claim_list.has_errors(bad)
