"""Pilot tests: adding studies by DOI fills their records (library, then Crossref).

Crossref is the fake server of tests/crossref_server.py on 127.0.0.1; the library is a
real file. The app gets its Crossref settings passed in, as the launcher passes the
config's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import events
from textual.widgets import Input

from crossref_server import CrossrefServer, Reply, running, slow
from curator_tui.config import Config
from curator_tui.db import session_scope
from curator_tui.models import Evidence, Study
from curator_tui.services import edits
from curator_tui.services.crossref import CrossrefSettings
from curator_tui.ui.app import CuratorApp
from curator_tui.ui.screens.add_study import AddStudyDialog

from .conftest import settle, type_text, wait_until

IN_LIBRARY = "10.1080/02640414.2024.2321021"  # the sample's study record
ON_CROSSREF = "10.1002/pssc.201200953"
ALSO_ON_CROSSREF = "10.1007/978-3-030-12345-6_7"


@pytest.fixture
def crossref() -> Iterator[CrossrefServer]:
    yield from running()


def app_on(engine: Engine, server: CrossrefServer, timeout: float = 10.0) -> CuratorApp:
    settings = CrossrefSettings(base_url=server.url, timeout=timeout, cache_dir=None, tries=1)
    return CuratorApp(
        engine, Config(), drafts=Path(str(engine.url.database) + ".drafts"), crossref=settings
    )


def new_claim(engine: Engine) -> int:
    with session_scope(engine) as session:
        applied = edits.apply(session, edits.CreateClaim("Studies are added by DOI"))
    assert applied.claim_id is not None
    return applied.claim_id


def links(engine: Engine, claim_id: int) -> dict[str, str]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Study.doi, Evidence.stance).join(Study).where(Evidence.claim_id == claim_id)
        ).all()
    return dict(rows)


def study(engine: Engine, doi: str) -> Study | None:
    with session_scope(engine) as session:
        found = session.exec(select(Study).where(Study.doi == doi)).first()
        if found is not None:
            session.expunge(found)
        return found


def field(app: CuratorApp, name: str) -> Input:
    return app.screen.query_one(f"#study-{name}", Input)


def status(app: CuratorApp) -> str:
    return str(app.screen.query_one("#lookup-status").render())


async def open_dialog(pilot, claim_id: int, pane: str = "a") -> AddStudyDialog:  # type: ignore[no-untyped-def]
    app = pilot.app
    await settle(pilot)
    app.screen.select_claim(claim_id)
    await wait_until(
        pilot, lambda: app.screen.detail and app.screen.detail.id == claim_id, "the claim"
    )
    await pilot.press("3")
    if pane == "c":
        app.screen.query_one("#contradicting").focus()
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(app.screen, AddStudyDialog), "the dialog")
    assert isinstance(app.screen, AddStudyDialog)
    return app.screen


async def test_a_doi_in_the_library_shows_its_record(seeded_library, crossref) -> None:  # type: ignore[no-untyped-def]
    claim_id = new_claim(seeded_library)
    before = study(seeded_library, IN_LIBRARY)
    assert before is not None and before.title
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dialog(pilot, claim_id)
        await type_text(pilot, f"https://doi.org/{IN_LIBRARY.upper()}")
        await wait_until(pilot, lambda: field(app, "title").value == before.title, "the record")
        assert field(app, "journal").value == before.journal
        assert field(app, "year").value == str(before.year)
        assert field(app, "title").disabled  # the shared record is edited with e, not here
        assert "In the library" in status(app)
        assert crossref.asked(IN_LIBRARY) == 0  # the library answered: Crossref not asked
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert links(seeded_library, claim_id) == {IN_LIBRARY: "supporting"}
    after = study(seeded_library, IN_LIBRARY)
    assert after is not None and after.model_dump() == before.model_dump()


async def test_crossref_fills_the_record_while_the_curator_types(seeded_library, crossref) -> None:  # type: ignore[no-untyped-def]
    """The lookup waits on a slow server in a worker: typing goes on, and what was typed stays."""
    claim_id = new_claim(seeded_library)
    crossref.queue(ON_CROSSREF, slow(3.0))
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot, claim_id, pane="c")
        dialog.query_one("#study-doi", Input).post_message(events.Paste(ON_CROSSREF))
        await wait_until(pilot, lambda: crossref.asked(ON_CROSSREF) == 1, "the request")
        assert "Looking it up" in status(app)
        field(app, "title").focus()
        await type_text(pilot, "My own title")
        # Every key was handled while the server still holds its answer back.
        assert field(app, "title").value == "My own title"
        assert ON_CROSSREF in dialog._pending and ON_CROSSREF not in dialog.found
        await wait_until(pilot, lambda: field(app, "authors").value != "", "the answer")
        assert field(app, "title").value == "My own title"  # typed text is never overwritten
        assert field(app, "authors").value.startswith("Shevchenko")
        assert field(app, "year").value == "2013"
        assert "Found on Crossref" in status(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert links(seeded_library, claim_id) == {ON_CROSSREF: "contradicting"}
    saved = study(seeded_library, ON_CROSSREF)
    assert saved is not None
    assert saved.title == "My own title" and saved.authors.startswith("Shevchenko")
    assert saved.year == 2013


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (None, "not found on Crossref"),  # a DOI the server does not know: 404
        (Reply(500, b"Internal Server Error"), "answered 500"),
        (Reply(200, b'{"status":"ok","message":{"title":["Cut'), "bad answer"),
    ],
)
async def test_a_failed_lookup_is_one_line_and_the_record_can_be_typed(
    seeded_library, crossref, reply, said
) -> None:  # type: ignore[no-untyped-def]
    claim_id = new_claim(seeded_library)
    doi = "10.5555/unknown.42" if reply is None else ON_CROSSREF
    if reply is not None:
        crossref.queue(doi, reply)
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_dialog(pilot, claim_id)
        await type_text(pilot, doi)
        await pilot.press("enter")  # looks it up now, and moves to the title
        await wait_until(pilot, lambda: said in status(app), "the failure")
        assert "\n" not in status(app)
        assert isinstance(app.screen, AddStudyDialog)
        await type_text(pilot, "Typed [bold] title")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert links(seeded_library, claim_id) == {doi: "supporting"}
    saved = study(seeded_library, doi)
    assert saved is not None and saved.title == "Typed [bold] title"


async def test_tab_from_the_doi_goes_to_the_title_and_what_is_typed_there_is_kept(
    seeded_library, crossref
) -> None:  # type: ignore[no-untyped-def]
    # The hint says "tab / enter next field": tab went to the form's scroll container,
    # and the title typed next went nowhere (seen in tmux).
    claim_id = new_claim(seeded_library)
    doi = "10.5555/unknown.43"
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, claim_id)
        await type_text(pilot, doi)
        await pilot.press("tab")
        await wait_until(pilot, lambda: "not found on Crossref" in status(app), "the lookup")
        await type_text(pilot, "Typed after tab")
        assert field(app, "title").value == "Typed after tab"
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = study(seeded_library, doi)
    assert saved is not None and saved.title == "Typed after tab"


async def test_several_dois_pasted_are_all_added_and_one_undo_removes_them(
    seeded_library, crossref
) -> None:  # type: ignore[no-untyped-def]
    claim_id = new_claim(seeded_library)
    pasted = f"https://doi.org/{ON_CROSSREF}\n{IN_LIBRARY},  doi:{ALSO_ON_CROSSREF}\n"
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot, claim_id, pane="c")
        dialog.query_one("#study-doi", Input).post_message(events.Paste(pasted))
        await wait_until(pilot, lambda: len(dialog.found) == 3, "three lookups")
        shown = status(app)
        assert ON_CROSSREF in shown and IN_LIBRARY in shown and ALSO_ON_CROSSREF in shown
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert links(seeded_library, claim_id) == {
            ON_CROSSREF: "contradicting",
            IN_LIBRARY: "contradicting",
            ALSO_ON_CROSSREF: "contradicting",
        }
        fresh = study(seeded_library, ON_CROSSREF)
        assert fresh is not None and fresh.authors.startswith("Shevchenko")
        assert app.screen.query_one("#contradicting").border_title == "Contradicting (3)"
        await pilot.press("ctrl+z")
        await settle(pilot)
    assert links(seeded_library, claim_id) == {}
    # The studies the paste created are gone again; the library's own stays.
    assert study(seeded_library, ON_CROSSREF) is None
    assert study(seeded_library, ALSO_ON_CROSSREF) is None
    assert study(seeded_library, IN_LIBRARY) is not None


async def test_a_paste_leaves_out_the_studies_already_linked(seeded_library, crossref) -> None:  # type: ignore[no-untyped-def]
    claim_id = new_claim(seeded_library)
    with session_scope(seeded_library) as session:
        edits.apply(session, edits.LinkStudy(claim_id, IN_LIBRARY))
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot, claim_id)
        dialog.query_one("#study-doi", Input).post_message(
            events.Paste(f"{IN_LIBRARY} {ON_CROSSREF} 10.5555/unknown.7")
        )
        await wait_until(pilot, lambda: len(dialog.found) + len(dialog.problems) == 3, "lookups")
        shown = status(app)
        assert f"{IN_LIBRARY}: already linked to this claim: left out" in shown
        assert "10.5555/unknown.7: not found on Crossref: added without a record" in shown
        assert "ctrl+s links 2 of them." in shown
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert links(seeded_library, claim_id) == {
        IN_LIBRARY: "supporting",
        ON_CROSSREF: "supporting",
        "10.5555/unknown.7": "supporting",
    }


async def test_the_app_hands_its_config_crossref_settings_to_the_lookup(empty_library) -> None:  # type: ignore[no-untyped-def]
    """No global: the config's crossref_url and mailto reach the add-study lookup."""
    config = Config(crossref_url="http://127.0.0.1:9/mirror", mailto="ada@example.org")
    app = CuratorApp(empty_library, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        used = app.main.study_lookup.crossref
        assert used is app.crossref
        assert (used.base_url, used.mailto) == ("http://127.0.0.1:9/mirror", "ada@example.org")


async def test_what_ctrl_s_said_of_the_doi_goes_when_the_doi_changes(
    seeded_library, crossref
) -> None:  # type: ignore[no-untyped-def]
    """Seen in tmux: "Type or paste a DOI." stayed under the field after a DOI was typed."""
    claim_id = new_claim(seeded_library)
    app = app_on(seeded_library, crossref)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await open_dialog(pilot, claim_id)
        error = dialog.query_one("#dialog-error")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Type or paste a DOI" in str(error.render()), "why")
        assert isinstance(app.screen, AddStudyDialog)
        await type_text(pilot, "10/abc")
        await settle(pilot)
        assert str(error.render()) == ""
