"""Pilot tests: a study with a retraction notice is shown marked, in the theme's colours."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from sqlalchemy import update
from sqlmodel import select

from curator_tui.db import session_scope
from curator_tui.models import Evidence, Study
from curator_tui.ui.widgets.evidence import EvidenceList

from .conftest import settle, wait_until

RETRACTED = "10.1080/02640414.2024.2321021"  # the sample's study record


def mark(engine, doi: str, nature: str, date: str) -> int:  # type: ignore[no-untyped-def]
    """Give a study a notice, as a Retraction Watch import does; the claim citing it."""
    with session_scope(engine) as session:
        session.execute(
            update(Study)
            .where(Study.doi == doi)
            .values(retraction_nature=nature, retraction_date=date)
        )
        return session.exec(select(Evidence.claim_id).join(Study).where(Study.doi == doi)).first()


def segments(pane: EvidenceList, text: str) -> list[Segment]:
    """The segments drawn for the option holding ``text``."""
    for index, option in enumerate(pane.options):
        if text in str(option.prompt):
            lines = pane._get_option_render(option, pane.get_visual_style("option-list--option"))
            return [s for line in lines for s in line]
        del index
    raise AssertionError(f"no option shows {text!r}")


async def show(pilot, claim_id: int) -> EvidenceList:  # type: ignore[no-untyped-def]
    app = pilot.app
    await settle(pilot)
    app.screen.select_claim(claim_id)
    await wait_until(pilot, lambda: app.screen.detail and app.screen.detail.id == claim_id, "claim")
    await pilot.press("3")
    await settle(pilot)
    return app.screen.query_one("#supporting", EvidenceList)


def coloured(segment: Segment, hex_colour: str) -> bool:
    colour = segment.style.color if segment.style else None
    return colour is not None and colour.get_truecolor() == Color.parse(hex_colour).get_truecolor()


async def test_a_retracted_study_is_red_and_labelled(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    claim_id = mark(seeded_library, RETRACTED, "Retraction", "2020-05-01")
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show(pilot, claim_id)
        detail = app.screen.detail
        link = next(e for e in detail.evidence if e.study.doi == RETRACTED)
        assert (link.retraction_nature, link.retraction_date) == ("Retraction", "2020-05-01")
        drawn = segments(pane, "RETRACTED 2020-05-01")
        error = app.theme_variables["error"]
        label = next(s for s in drawn if "RETRACTED" in s.text)
        title = next(s for s in drawn if link.study.title[:20] in s.text)
        assert coloured(label, error) and coloured(title, error)
        # The other studies of the claim are not marked.
        for other in detail.evidence:
            if other.study.doi != RETRACTED and other.study.title:
                shown = segments(pane, other.study.title[:20])
                assert not any(coloured(s, error) for s in shown)


async def test_a_correction_is_labelled_in_the_warning_colour(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    claim_id = mark(seeded_library, RETRACTED, "Expression of Concern", "")
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show(pilot, claim_id)
        drawn = segments(pane, "EXPRESSION OF CONCERN")
        label = next(s for s in drawn if "EXPRESSION OF CONCERN" in s.text)
        assert coloured(label, app.theme_variables["warning"])
        assert not any(coloured(s, app.theme_variables["error"]) for s in drawn)


async def test_a_notice_text_is_data_not_markup(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    claim_id = mark(seeded_library, RETRACTED, "[bold]Retraction[/bold]", "2020-05-01")
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show(pilot, claim_id)
        assert segments(pane, "[BOLD]RETRACTION[/BOLD] 2020-05-01")


BIB = r"""@string{jss = {Journal of Sports Sciences}}

@article{refalo2024,
  title   = {A {Different} Title for the Same Study},
  author  = {Refalo, Martin C. and Helms, Eric R.},
  journal = jss,
  year    = {2024},
  doi     = {https://doi.org/10.1080/02640414.2024.2321021},
}

@article{bostrom2019,
  title   = {M{\"u}scle {IEEE} growth after failure},
  author  = {Bostr\"{o}m, Nils and M{\"u}ller, Anna},
  journal = {Sports Medicine},
  year    = {2019},
  month   = jan,
  volume  = {49},
  pages   = {101--110},
  doi     = {10.1007/S40279-019-01234-5},
}

@book{nodoi,
  title  = {A Book Without a DOI},
  author = {Roe, Richard},
  year   = {2001},
}
"""

RETRACTIONS = (
    "Record ID,Title,RetractionDate,RetractionDOI,OriginalPaperDOI,RetractionNature,Reason\r\n"
    "1,Muscle growth,5/1/2020 0:00,10.1007/s40279-020-99999-9,10.1007/s40279-019-01234-5,"
    "Retraction,+Error in Data;\r\n"
)


async def import_from_app(pilot, path) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await settle(pilot)
    await pilot.press("i")
    await wait_until(pilot, lambda: app.screen.query("#prompt-input"), "the import prompt")
    app.screen.query_one("#prompt-input").value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_import_a_bib_then_retractions_from_the_app(
    seeded_library, make_app, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A .bib fills the library's records (counts and differences in a notice), then a
    Retraction Watch file marks a study, and a claim citing it shows the mark."""
    bib = tmp_path / "library.bib"
    bib.write_text(BIB, encoding="utf-8")
    csv = tmp_path / "retractions.csv"
    csv.write_bytes(RETRACTIONS.encode("utf-8-sig"))
    imported: list[object] = []
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40), message_hook=imported.append) as pilot:
        await import_from_app(pilot, bib)
        notices = [str(n.message) for n in app._notifications]
        study_notice = next(n for n in notices if n.startswith("library.bib:"))
        assert "3 entries" in study_notice and "1 new" in study_notice
        assert "1 without DOI" in study_notice
        assert "title differs" in study_notice  # the library's record kept, the difference said
        assert any(n.startswith("Imported study records from 1 of 1 file(s)") for n in notices)
        with session_scope(seeded_library) as session:
            new = session.exec(select(Study).where(Study.doi == "10.1007/s40279-019-01234-5")).one()
            kept = session.exec(select(Study).where(Study.doi == RETRACTED)).one()
            assert new.title == "Müscle IEEE growth after failure"
            assert new.authors.startswith("Boström N")
            assert new.pages == "101–110"
            assert kept.title != "A Different Title for the Same Study"

        # The new study cited by a claim, then marked by the retraction file.
        claim_id = mark(seeded_library, RETRACTED, "", "")
        with session_scope(seeded_library) as session:
            from curator_tui.services import edits

            edits.apply(session, edits.LinkStudy(claim_id, "10.1007/s40279-019-01234-5"))
        pane = await show(pilot, claim_id)
        await import_from_app(pilot, csv)
        notices = [str(n.message) for n in app._notifications]
        assert any(n.startswith("retractions.csv:") and "1 study marked" in n for n in notices)
        await wait_until(
            pilot,
            lambda: any("RETRACTED 2020-05-01" in str(o.prompt) for o in pane.options),
            "the mark on the claim shown",
        )
    assert any(type(m).__name__ == "Imported" for m in imported)


async def test_the_list_marks_a_claim_citing_a_retracted_study(seeded_library, make_app) -> None:  # type: ignore[no-untyped-def]
    mark(seeded_library, RETRACTED, "Retraction", "2020-05-01")
    with session_scope(seeded_library) as session:
        from curator_tui.services import edits

        # One claim more, citing no retracted study: it stays unmarked.
        claim_id = edits.apply(session, edits.CreateClaim("An unmarked claim")).claim_id
        citing = set(
            session.exec(select(Evidence.claim_id).join(Study).where(Study.doi == RETRACTED))
        )
    assert citing and claim_id not in citing
    app = make_app(seeded_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        claims = app.screen.query_one("#claims")
        lines = {}
        for y in range(claims.total):
            row = claims.row_at(y)
            lines[row.id] = claims.render_line(y)
        for cited in citing:
            first = lines[cited]._segments[0]
            assert first.text == "⊘"
            assert coloured(first, app.theme_variables["error"])
        assert lines[claim_id]._segments[0].text != "⊘"
        assert "⊘ cites a retraction" in str(claims.border_subtitle)


def test_the_import_summary_counts_broken_entries_of_a_reference_file() -> None:
    """Good entries imported and one broken: the summary says so, as the CLI's exit 1 does."""
    from curator_tui.services.importing import FileResult
    from curator_tui.ui.screens.transfer_actions import import_result

    broken = FileResult(
        "/tmp/refs.bib",
        "studies",
        message="imported 3 entries, 2 new",
        errors=["/tmp/refs.bib:9: not a DOI: 'see PDF'"],
    )
    summary = import_result([broken]).summary
    assert summary == "Imported study records from 1 of 1 file(s); 1 broken entry."
    clean = FileResult("/tmp/ok.bib", "studies", message="imported 1 entry, 1 new")
    assert import_result([clean]).summary == "Imported study records from 1 of 1 file(s)."
