"""Pilot tests: the curator's daily workflows, pressed key by key, checked in the database."""

from __future__ import annotations

import io

from rich.console import Console
from sqlmodel import select
from textual.command import CommandList, CommandPalette
from textual.widgets import TextArea

from curator_tui.cards.render import render_markdown
from curator_tui.db import session_scope
from curator_tui.models import Claim, Evidence, GoldStandardItem, Mechanism, Study
from curator_tui.services.cards import load_card, load_claim
from curator_tui.ui.screens.dialogs import TextDialog
from curator_tui.ui.screens.main import MainScreen
from curator_tui.ui.widgets.claim_list import ClaimList
from curator_tui.undo import UNDO_DEPTH

from .conftest import settle, type_text, wait_until


def palette_choice(app) -> str:  # type: ignore[no-untyped-def]
    """The text of the command palette's highlighted choice ("" while there is none)."""
    if not isinstance(app.screen, CommandPalette):
        return ""
    choices = app.screen.query_one(CommandList)
    option = choices.highlighted_option
    return "" if option is None else str(getattr(option.prompt, "plain", option.prompt))


def steps_of(engine, claim_id: int) -> list[list[str]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        detail = load_claim(session, claim_id)
    return [[s.text for s in m.steps] for m in detail.mechanisms]


async def test_create_claim_from_nothing_and_write_three_steps(empty_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(ClaimList).total == 0
        await pilot.press("n")
        await type_text(pilot, "Creatine improves strength")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(empty_library) as session:
            claims = session.exec(select(Claim)).all()
        assert [c.statement for c in claims] == ["Creatine improves strength"]
        claim_id = claims[0].id
        # The most probable mechanism, then three steps, each after the cursor.
        await pilot.press("A")
        await type_text(pilot, "More phosphocreatine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        for text in ("First step", "Second step", "Third step"):
            await pilot.press("a")
            await type_text(pilot, text)
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert steps_of(empty_library, claim_id) == [["First step", "Second step", "Third step"]]
        # Move the third step up once: it becomes second.
        await pilot.press("shift+up")
        await settle(pilot)
        assert steps_of(empty_library, claim_id) == [["First step", "Third step", "Second step"]]


async def test_empty_step_is_refused_and_text_is_kept(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        before = steps_of(seeded_library, claim_id)
        await pilot.press("2", "a")
        await type_text(pilot, "   ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The dialog stays open with an error and the text as typed; nothing was written.
        assert isinstance(app.screen, TextDialog)
        assert "cannot be empty" in str(app.screen.query_one("#dialog-error").render())
        assert app.screen.query_one("#dialog-text", TextArea).text == "   "
        assert steps_of(seeded_library, claim_id) == before
        # The kept text goes on from there: what is typed next is added to it and saved.
        await type_text(pilot, "Kept")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        after = [t.strip() for m in steps_of(seeded_library, claim_id) for t in m]
        assert sorted(after) == sorted([*(t for m in before for t in m), "Kept"])


async def test_promote_alternative(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        detail = app.screen.detail
        assert len(detail.mechanisms) == 2
        old_first, alternative = detail.mechanisms
        editor = app.screen.query_one("#mechanism-editor")
        await pilot.press("2")
        editor.highlighted = [o.id for o in editor.options].index(f"mechanism:{alternative.id}")
        await pilot.press("p")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            ranks = dict(
                session.exec(
                    select(Mechanism.id, Mechanism.rank).where(Mechanism.claim_id == detail.id)
                ).all()
            )
        assert ranks == {alternative.id: 0, old_first.id: 1}


async def test_add_study_by_doi_and_flip_to_contradicting(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("3", "a")
        # A malformed DOI is refused in the dialog, the text stays to be fixed.
        await type_text(pilot, "10.12/bad")
        await pilot.press("enter")
        await settle(pilot)
        assert "not a DOI" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press(*["backspace"] * 9)
        await type_text(pilot, "https://doi.org/10.1234/ABC.5")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            links = session.exec(
                select(Study.doi, Evidence.stance).join(Study).where(Evidence.claim_id == claim_id)
            ).all()
        assert ("10.1234/abc.5", "supporting") in links
        supporting = app.screen.query_one("#supporting")
        supporting.focus()
        supporting.highlighted = [o.id for o in supporting.options].index(
            next(
                f"evidence:{e.id}"
                for e in app.screen.detail.evidence
                if e.study.doi == "10.1234/abc.5"
            )
        )
        await pilot.press("s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            stance = session.exec(
                select(Evidence.stance)
                .join(Study)
                .where(Evidence.claim_id == claim_id, Study.doi == "10.1234/abc.5")
            ).one()
        assert stance == "contradicting"
        assert app.screen.query_one("#contradicting").border_title == "Contradicting (1)"


async def test_add_gold_standard_item(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("4", "a")
        await type_text(pilot, "Randomised controlled trial -- 12 weeks, 100 adults")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            items = session.exec(
                select(GoldStandardItem.design, GoldStandardItem.description).where(
                    GoldStandardItem.claim_id == claim_id
                )
            ).all()
        assert items == [("Randomised controlled trial", "12 weeks, 100 adults")]


async def test_copy_puts_the_export_on_the_clipboard(seeded_library, make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DISPLAY", raising=False)  # no system clipboard here: OSC 52
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("c")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            expected = render_markdown(load_card(session, claim_id))
        assert app.clipboard == expected
        assert any("OSC 52" in str(n.message) for n in app._notifications)


async def test_undo_a_step_delete(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        before = steps_of(seeded_library, claim_id)
        editor = app.screen.query_one("#mechanism-editor")
        await pilot.press("2")
        first_step = app.screen.detail.mechanisms[0].steps[1]
        editor.highlighted = [o.id for o in editor.options].index(f"step:{first_step.id}")
        await pilot.press("d")
        await settle(pilot)
        after = steps_of(seeded_library, claim_id)
        assert after[0] == before[0][:1] + before[0][2:]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert steps_of(seeded_library, claim_id) == before


async def test_undo_is_a_hundred_deep(empty_library, make_app) -> None:  # type: ignore[no-untyped-def]
    """UNDO_DEPTH + 3 distinct moves: ctrl+z reverses the newest UNDO_DEPTH, never the oldest 3.

    One step walks down a long mechanism, one place per edit: after k edits it sits at
    position k, so the library says exactly how many edits are left after the undos.
    """
    from curator_tui.services.claims import create_claim
    from curator_tui.services.mechanisms import add_mechanism, add_step

    assert UNDO_DEPTH == 100  # what the README and the ctrl+z tooltip promise
    extra = 3
    moves = UNDO_DEPTH + extra
    with session_scope(empty_library) as session:
        claim_id = create_claim(session, "A claim with a long mechanism")
        mechanism_id = add_mechanism(session, claim_id, "Many small steps")
        for n in range(moves + 2):
            add_step(session, mechanism_id, f"Step {n}")
    original = steps_of(empty_library, claim_id)[0]
    walker = original[0]

    def walker_on_screen() -> int:
        return [s.text for s in app.screen.detail.mechanisms[0].steps].index(walker)

    app = make_app(empty_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("2")
        editor = app.screen.query_one("#mechanism-editor")
        first = app.screen.detail.mechanisms[0].steps[0]
        editor.highlighted = [o.id for o in editor.options].index(f"step:{first.id}")
        for n in range(1, moves + 1):
            await pilot.press("shift+down")
            await wait_until(pilot, lambda n=n: walker_on_screen() == n, f"move {n} on screen")
            await app.workers.wait_for_complete()
        assert steps_of(empty_library, claim_id)[0].index(walker) == moves
        for undone in range(1, UNDO_DEPTH + 1):
            await pilot.press("ctrl+z")
            await wait_until(
                pilot,
                lambda undone=undone: walker_on_screen() == moves - undone,
                f"undo {undone} on screen",
            )
            await app.workers.wait_for_complete()
        # Exactly UNDO_DEPTH edits were undone: the three oldest moves are still in the library.
        after = steps_of(empty_library, claim_id)[0]
        assert after.index(walker) == extra
        assert [t for t in after if t != walker] == original[1:]
        # One more ctrl+z finds nothing left to undo and changes nothing.
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert steps_of(empty_library, claim_id)[0] == after
        assert any("Nothing to undo" in str(n.message) for n in app._notifications)


async def test_edit_statement_in_place_and_escape_asks(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claim_id = app.screen.detail.id
        await pilot.press("1")
        await type_text(pilot, " Edited")
        await pilot.press("escape")
        await settle(pilot)
        # A confirmation: "n" keeps editing, the text is still there.
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#statement").text.endswith(" Edited")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            assert session.get(Claim, claim_id).statement.endswith(" Edited")


async def test_preview_equals_export(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        with session_scope(seeded_library) as session:
            expected = render_markdown(load_card(session, screen.detail.id))
        assert screen.query_one("#preview-pane").source == expected


async def test_markup_in_text_is_shown_literally(empty_library, make_app) -> None:  # type: ignore[no-untyped-def]
    from curator_tui.services.claims import create_claim
    from curator_tui.services.mechanisms import add_mechanism, add_step

    with session_scope(empty_library) as session:
        claim_id = create_claim(session, "[bold]Claims[/] with *stars* and [link=x]links[/link]")
        mechanism_id = add_mechanism(session, claim_id, "[red]summary[/red]")
        add_step(session, mechanism_id, "[/] closing tag first \x1b[31m red")
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        editor = app.screen.query_one("#mechanism-editor")
        prompts = [str(o.prompt) for o in editor.options]
        assert "[red]summary[/red]" in prompts
        assert any("[/] closing tag first" in p for p in prompts)
        row = app.screen.query_one(ClaimList).current
        assert row is not None and row.statement.startswith("[bold]Claims[/]")


async def test_filter_as_you_type(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one(ClaimList)
        assert claims.total == 2
        await pilot.press("slash")
        await type_text(pilot, "muscle")
        await settle(pilot)
        assert claims.total == 2  # both statements speak of muscle
        await type_text(pilot, " wackerhage")  # in a step of one of them
        await settle(pilot)
        assert claims.total == 1
        await pilot.press("escape")
        await settle(pilot)
        assert claims.total == 2


async def test_help_lists_every_binding(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    from textual.binding import Binding

    from curator_tui.ui.screens.help import HelpScreen, binding_groups

    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=140, record=True, file=io.StringIO())
        console.print(app.screen.table)
        shown = console.export_text()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    for _, bindings in binding_groups():
        for binding in bindings:
            assert isinstance(binding, Binding)
            assert binding.id, f"binding {binding.key} has no id"
            assert binding.description, f"binding {binding.key} has no description"
            assert binding.description in shown, f"{binding.description} missing from help"


def test_help_leaves_room_for_what_each_key_does_at_80_columns() -> None:
    from curator_tui.ui.screens.help import binding_groups, help_table

    # The dialog's width at 80 columns. A pane's heading once sat in the key column and
    # made it 33 wide: "Leave curator-tui (asks first when ...)" took five lines.
    console = Console(width=68, record=True, file=io.StringIO())
    console.print(help_table(binding_groups(), {}))
    lines = console.export_text().splitlines()
    [quit_line] = [line for line in lines if line.lstrip().startswith("ctrl+q ")]
    assert quit_line.index("Quit") < 16, quit_line
    assert "Leave curator-tui (asks first" in quit_line


async def test_keys_can_be_remapped(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library, keys={"claims.new": "ctrl+n"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # The default key no longer creates a claim (nor opens anything).
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert len(app.screen_stack) == 2  # the default screen and the main screen only
        # The new key runs exactly "new claim": its dialog, and saving creates the claim.
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, TextDialog), "a dialog")
        assert app.screen.title_text == "New claim: the statement"
        await type_text(pilot, "Remapped keys create claims")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    with session_scope(seeded_library) as session:
        statements = [c.statement for c in session.exec(select(Claim)).all()]
    assert len(statements) == 3
    assert "Remapped keys create claims" in statements


async def test_import_and_export_from_the_app(
    empty_library, make_app, sample_cards, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("i")
        prompt = app.screen.query_one("#prompt-input")
        prompt.value = str(sample_cards)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(ClaimList).total == 2
        assert any("Imported 2 claim(s)" in str(n.message) for n in app._notifications)
        # A bad file: the app says which file and line, and keeps running.
        bad = tmp_path / "bad.txt"
        bad.write_text("Just a sentence\n", encoding="utf-8")
        await pilot.press("i")
        app.screen.query_one("#prompt-input").value = str(bad)
        await pilot.press("enter")
        await settle(pilot)
        assert any(f"{bad}:1:" in str(n.message) for n in app._notifications)
        assert app.screen.query_one(ClaimList).total == 2
        # Export the current claim to a file: the same bytes as `curator export`.
        await pilot.press("x")
        target = tmp_path / "out.md"
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        with session_scope(empty_library) as session:
            expected = render_markdown(load_card(session, app.screen.detail.id))
        assert target.read_text(encoding="utf-8") == expected


async def test_palette_jumps_to_a_claim_and_runs_actions(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.screen.detail.id
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "vastus lateralis")
        # The statement is cut short in the palette; the hit names the claim by its id.
        with session_scope(seeded_library) as session:
            target = session.exec(
                select(Claim.id).where(Claim.statement.contains("vastus lateralis"))
            ).one()
        assert target != first
        await wait_until(
            pilot,
            lambda: palette_choice(app).endswith(f"Go to claim {target}"),
            f"claim {target} highlighted in the palette",
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and app.screen.detail.id == target,
            f"claim {target} on screen",
        )
        await settle(pilot)
        assert app.screen.detail.id != first
        assert "vastus lateralis" in app.screen.detail.statement
        # An action by name: "Preview" switches to the preview pane.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await type_text(pilot, "Preview")
        await wait_until(
            pilot, lambda: palette_choice(app).startswith("Preview"), "Preview in the palette"
        )
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, MainScreen)
                and app.screen.query_one("#tabs").active == "preview"
            ),
            "the preview pane",
        )


async def test_edit_study_metadata(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "e")
        await settle(pilot)
        app.screen.query_one("#study-year").value = "twenty"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "whole number" in str(app.screen.query_one("#dialog-error").render())
        app.screen.query_one("#study-year").value = "2025"
        app.screen.query_one("#study-journal").value = "J [Sports] *Sci*"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            study = session.exec(
                select(Study).where(Study.doi == "10.1080/02640414.2024.2321021")
            ).one()
        assert (study.year, study.journal) == (2025, "J [Sports] *Sci*")
        # Every claim citing the study shows the change; undo restores the record.
        await pilot.press("ctrl+z")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            study = session.exec(
                select(Study).where(Study.doi == "10.1080/02640414.2024.2321021")
            ).one()
        assert (study.year, study.journal) == (2024, "Journal of Sports Sciences")


async def test_delete_a_claim_and_undo_it(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        statement = app.screen.detail.statement
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            assert [c.statement for c in session.exec(select(Claim)).all()].count(statement) == 0
        assert app.screen.query_one(ClaimList).total == 1
        await pilot.press("ctrl+z")
        await settle(pilot)
        with session_scope(seeded_library) as session:
            assert [c.statement for c in session.exec(select(Claim)).all()].count(statement) == 1
        assert app.screen.query_one(ClaimList).total == 2


async def test_importing_thousands_of_files_from_the_app(empty_library, make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Above the CLI's read-ahead threshold (2,000 files): the app imports them all."""
    from curator_tui.cards.model import Card, Mechanism

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(2100):
        card = Card(statement=f"Claim {n} about sleep", mechanisms=(Mechanism("m", ("a step",)),))
        (folder / f"card-{n:04d}.md").write_text(render_markdown(card), encoding="utf-8")
    app = make_app(empty_library)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("i")
        app.screen.query_one("#prompt-input").value = str(folder)
        await pilot.press("enter")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert not [m for m in messages if "did not work" in m], messages
        assert app.screen.query_one(ClaimList).total == 2100


async def test_a_question_is_not_hidden_under_the_notices_before_it(
    seeded_library, make_app
) -> None:  # type: ignore[no-untyped-def]
    # At 80x24 the notices that led to a question (a claim changed or deleted elsewhere)
    # covered its text and buttons until they timed out.
    from curator_tui.ui.screens.dialogs import ConfirmDialog

    app = make_app(seeded_library)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("Claim 1 was deleted elsewhere. Your unsaved text is kept.", timeout=30)
        app.notify("Unsaved changes to the statement.", timeout=30)
        await pilot.pause()
        assert len(app._notifications) == 2
        app.push_screen(ConfirmDialog("Bring it back?"))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.pause()
        assert len(app._notifications) == 0
