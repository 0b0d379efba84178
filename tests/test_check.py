"""The curation check (issue 13): each check on a claim that has the problem and one that
does not (pure, cards/problems.py), and the duplicate index on both backends
(services/curation_check.py): found by lookup, kept through edits, plain SQL and deletes.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.cards.problems import (
    CODES,
    Problem,
    band_keys,
    check_card,
    normalise_statement,
    safe_fixes,
    shingles,
    similarity,
    tidy,
)
from curator_tui.db import session_scope
from curator_tui.services import curation_check, edits
from curator_tui.services.cards import create_from_card, load_claim

DOI = "10.1152/japplphysiol.00001.2020"
OTHER = "10.1080/02640414.2024.2321021"

STUDY = StudyRef(doi=DOI, stance=Stance.SUPPORTING, title="A trial", authors="Smith J", year=2020)

# A card with no problem at all: every check below breaks one thing of it.
CLEAN = Card(
    statement="Sleep restriction lowers maximal strength in trained adults",
    synthesis=f"One trial found lower strength after sleep restriction ({DOI}).",
    mechanisms=(
        Mechanism(
            "Less sleep means less recovery.",
            (f"Sleep loss lowers testosterone ({DOI}).", f"Lower drive lowers force ({DOI})."),
        ),
    ),
    studies=(STUDY,),
    gold=(GoldItem("Randomised controlled trial", "sleep restricted vs not"),),
)


def codes(card: Card, retracted: dict[str, str] | None = None) -> list[str]:
    return [p.code for p in check_card(7, card, retracted)]


def test_the_clean_card_has_no_problem() -> None:
    assert check_card(7, CLEAN) == []


def test_every_code_is_documented_in_the_readme() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in readme, code


def test_a_doi_cited_but_not_linked_is_an_error() -> None:
    card = replace(CLEAN, synthesis=f"See {OTHER}.")
    problems = check_card(7, card)
    uncited = [p for p in problems if p.code == "uncited-doi"]
    assert [(p.where, p.severity) for p in uncited] == [("synthesis", "error")]
    assert OTHER in uncited[0].message
    step = replace(
        CLEAN,
        mechanisms=(Mechanism("s", (f"a ({DOI})", f"b ({OTHER})")),),
    )
    found = [p for p in check_card(7, step) if p.code == "uncited-doi"]
    assert [p.where for p in found] == ["step 2 of the most probable mechanism"]
    assert found[0].target.part == "step" and found[0].target.index == 1
    summary = replace(CLEAN, mechanisms=(CLEAN.mechanisms[0], Mechanism(f"x {OTHER}", ("y",))))
    assert "summary of alternative mechanism 1" in [
        p.where for p in check_card(7, summary) if p.code == "uncited-doi"
    ]
    assert "uncited-doi" not in codes(CLEAN)


def test_a_linked_study_cited_nowhere_is_a_warning() -> None:
    extra = StudyRef(doi=OTHER, stance=Stance.CONTRADICTING, title="t", authors="a", year=1)
    problems = check_card(7, replace(CLEAN, studies=(STUDY, extra)))
    found = [p for p in problems if p.code == "study-not-cited"]
    assert [(p.where, p.severity, p.target.index) for p in found] == [
        (f"contradicting study {OTHER}", "warning", 1)
    ]
    assert "study-not-cited" not in codes(CLEAN)


def test_a_step_without_a_citation_is_a_warning() -> None:
    card = replace(CLEAN, mechanisms=(Mechanism("s", (f"cited ({DOI})", "not cited")),))
    found = [p for p in check_card(7, card) if p.code == "step-without-citation"]
    assert [(p.where, p.severity) for p in found] == [
        ("step 2 of the most probable mechanism", "warning")
    ]
    assert "step-without-citation" not in codes(CLEAN)


def test_a_mechanism_without_steps_or_summary_is_an_error() -> None:
    card = replace(CLEAN, mechanisms=(CLEAN.mechanisms[0], Mechanism("", ())))
    found = {(p.code, p.where, p.severity) for p in check_card(7, card)}
    assert ("mechanism-without-steps", "alternative mechanism 1", "error") in found
    assert ("empty-summary", "summary of alternative mechanism 1", "error") in found
    assert not {"mechanism-without-steps", "empty-summary"} & set(codes(CLEAN))


def test_text_cut_off_is_a_warning() -> None:
    card = replace(CLEAN, statement="Sleep restriction lowers...", synthesis=f"{DOI} and…")
    found = [(p.where, p.severity) for p in check_card(7, card) if p.code == "cut-off"]
    assert found == [("statement", "warning"), ("synthesis", "warning")]
    assert "cut-off" not in codes(CLEAN)


def test_no_gold_standard_is_a_warning() -> None:
    assert codes(replace(CLEAN, gold=())) == ["no-gold-standard"]
    assert "no-gold-standard" not in codes(CLEAN)


def test_a_study_missing_title_authors_or_year_is_a_warning() -> None:
    bare = replace(STUDY, title="", year=None)
    found = [
        p for p in check_card(7, replace(CLEAN, studies=(bare,))) if p.code == "study-incomplete"
    ]
    assert [(p.message, p.severity) for p in found] == [("has no title, year", "warning")]
    assert "study-incomplete" not in codes(CLEAN)


def test_a_retracted_supporting_study_is_an_error() -> None:
    found = [
        p
        for p in check_card(7, CLEAN, {DOI: "Retraction"})
        if p.code == "retracted-supporting-study"
    ]
    assert [(p.where, p.severity) for p in found] == [(f"supporting study {DOI}", "error")]
    # A correction is not a retraction; a retracted study cited against the claim is fine.
    assert codes(CLEAN, {DOI: "Correction"}) == []
    contradicting = replace(CLEAN, studies=(replace(STUDY, stance=Stance.CONTRADICTING),))
    assert "retracted-supporting-study" not in codes(contradicting, {DOI: "Retraction"})


def test_untidy_text_is_a_warning_and_has_a_safe_fix() -> None:
    card = replace(CLEAN, synthesis=f"One  trial (https://doi.org/{DOI.upper()}).")
    assert codes(card) == ["untidy-text"]
    fixes = safe_fixes(card)
    assert [(f.where, f.after) for f in fixes] == [("synthesis", f"One trial ({DOI}).")]
    assert safe_fixes(CLEAN) == []


def test_tidy_keeps_sentence_punctuation_and_non_dois() -> None:
    assert tidy(f"see doi:{DOI.upper()}.") == f"see {DOI}."
    assert tidy("  a   b ") == "a b"
    assert tidy("no doi here 10.1/x") == "no doi here 10.1/x"


def test_statement_normalisation_and_similarity() -> None:
    assert normalise_statement("Sleep,  LOSS lowers strength!") == "sleep loss lowers strength"
    a = normalise_statement("Creatine supplementation improves sprint performance in young adults")
    near = normalise_statement(
        "Creatine supplementation improves sprint performances in young adults"
    )
    far = normalise_statement("Caffeine improves endurance in trained cyclists")
    assert similarity(shingles(a), shingles(near)) >= 0.8 > similarity(shingles(a), shingles(far))
    # Near-identical statements share a band key; unrelated ones do not.
    assert set(band_keys(a)) & set(band_keys(near))
    assert not set(band_keys(a)) & set(band_keys(far))


# --- the library: duplicates through the index, on both backends -----------------------------


def _add(engine: Engine, statement: str) -> int:
    with session_scope(engine) as session:
        return create_from_card(session, replace(CLEAN, statement=statement))


def _check(engine: Engine, ids: list[int] | None = None) -> list[tuple[int, str, str]]:
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=True)
    with session_scope(engine) as session:
        problems = (
            list(curation_check.check_library(session))
            if ids is None
            else curation_check.check_claims(session, ids)
        )
    return [(p.claim, p.code, p.message) for p in problems]


def test_duplicates_found_by_index_both_ways(any_library: Engine) -> None:
    first = _add(any_library, "Sleep restriction lowers maximal strength in trained adults")
    same = _add(any_library, "sleep restriction, LOWERS maximal strength in trained adults!")
    near = _add(any_library, "Sleep restriction lowers maximal strength in trained adult men")
    other = _add(any_library, "Caffeine improves endurance in trained cyclists")
    expected = [
        (first, "duplicate-statement", f"the same statement as claim {same}"),
        (same, "duplicate-statement", f"the same statement as claim {first}"),
    ]
    library = _check(any_library)
    assert [p for p in library if p[1] == "duplicate-statement"] == expected
    nears = [p for p in library if p[1] == "near-duplicate-statement"]
    assert [p[0] for p in nears] == [near]
    assert f"claim {first}" in nears[0][2]
    # One claim at a time (the app, after an edit): the same answers, by lookup.
    one = _check(any_library, [first, same, near, other])
    assert sorted(p for p in one if "duplicate" in p[1]) == sorted(
        p for p in library if "duplicate" in p[1]
    )
    assert not [p for p in library if p[0] == other]


def test_the_index_follows_edits_plain_sql_and_deletes(any_library: Engine) -> None:
    first = _add(any_library, "Sleep restriction lowers maximal strength in trained adults")
    second = _add(any_library, "Caffeine improves endurance in trained cyclists")
    assert _check(any_library) == []
    # Plain SQL (another tool) makes the second a duplicate: the trigger queues it.
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE claim SET statement = :s WHERE id = :id"),
            {"s": CLEAN.statement.upper(), "id": second},
        )
    assert [p[:2] for p in _check(any_library)] == [
        (first, "duplicate-statement"),
        (second, "duplicate-statement"),
    ]
    # An edit through the services makes it different again.
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(second, statement="Caffeine and cyclists"))
    assert _check(any_library) == []
    # A new claim is found by a single-claim check at once (the app, after an edit).
    third = _add(any_library, "Caffeine and cyclists!")
    assert [p[:2] for p in _check(any_library, [third])] == [(third, "duplicate-statement")]
    # A deleted claim's keys go with it.
    with session_scope(any_library) as session:
        edits.apply(session, edits.DeleteClaim(third))
    assert _check(any_library) == []
    with any_library.connect() as connection:
        keys = connection.execute(
            text("SELECT count(*) FROM claim_fingerprint WHERE claim_id = :id"), {"id": third}
        ).scalar()
    assert keys == 0


def test_the_apps_checks_store_a_bounded_part_of_the_queue(any_library: Engine) -> None:
    for n in range(3):
        _add(any_library, f"Claim number {n} about sleep")
    count = "SELECT count(*) FROM claim_fingerprint_stale"
    with session_scope(any_library) as session:
        curation_check.prepare(session, writable=True, budget=2)
    with any_library.connect() as connection:
        assert connection.execute(text(count)).scalar() == 1
    with session_scope(any_library) as session:
        curation_check.prepare(session, writable=True)
    with any_library.connect() as connection:
        assert connection.execute(text(count)).scalar() == 0
        keyed = "SELECT count(DISTINCT claim_id) FROM claim_fingerprint"
        assert connection.execute(text(keyed)).scalar() == 3


def stored_check(engine: Engine) -> list[Problem]:
    """A library check as `curator check` runs it: prepare, read, store."""
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=True)
    results: list[dict[str, object]] = []
    with session_scope(engine) as session:
        found = list(curation_check.check_library(session, results=results))
    with session_scope(engine) as session:
        curation_check.store_results(session, results)  # type: ignore[arg-type]
    return found


def _stored_check(engine: Engine) -> list[tuple[int, str, str]]:
    return [(p.claim, p.code, p.where) for p in stored_check(engine)]


def test_stored_results_are_used_only_while_the_claim_is_unchanged(any_library: Engine) -> None:
    claim = _add(any_library, CLEAN.statement)
    other = _add(any_library, "Caffeine improves endurance in trained cyclists")
    assert _stored_check(any_library) == []
    with any_library.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM claim_check")).scalar()
    assert stored == 2
    # Plain SQL (the stored rendering is cleared by its trigger): found again.
    with any_library.begin() as connection:
        connection.execute(text("UPDATE mechanismstep SET text = 'no citation' WHERE position = 1"))
    expected = [
        (claim, "step-without-citation", "step 2 of the most probable mechanism"),
        (other, "step-without-citation", "step 2 of the most probable mechanism"),
    ]
    assert _stored_check(any_library) == expected
    # A study's record changed: every claim citing it is checked again.
    with any_library.begin() as connection:
        connection.execute(text("UPDATE study SET title = ''"))
    assert len(_stored_check(any_library)) == 4
    # An edit through the services (the rendering stored again, another digest).
    with session_scope(any_library) as session:
        edits.apply(session, edits.EditClaim(claim, synthesis="No citation here..."))
    found = _stored_check(any_library)
    assert (claim, "cut-off", "synthesis") in found
    # The same answers read back from the stored results as found afresh.
    assert _stored_check(any_library) == found == _check_where(any_library)


def _check_where(engine: Engine) -> list[tuple[int, str, str]]:
    with session_scope(engine) as session:
        return [(p.claim, p.code, p.where) for p in curation_check.check_library(session)]


def test_a_retracted_supporting_study_in_the_library(any_library: Engine) -> None:
    claim = _add(any_library, CLEAN.statement)
    assert _check(any_library) == []
    assert _stored_check(any_library) == []
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE study SET retraction_nature = 'Retraction' WHERE doi = :doi"),
            {"doi": DOI},
        )
    assert [p[:2] for p in _check(any_library)] == [(claim, "retracted-supporting-study")]
    # Also when the claim's own problems were stored before the retraction was known.
    assert [p[:2] for p in _stored_check(any_library)] == [(claim, "retracted-supporting-study")]


def test_fix_goes_through_the_edits_and_the_history(any_library: Engine) -> None:
    from curator_tui.services import history

    claim = _add(any_library, CLEAN.statement)
    with any_library.begin() as connection:
        connection.execute(
            text("UPDATE mechanismstep SET text = :t WHERE position = 0"),
            {"t": f"Sleep  loss lowers testosterone (https://doi.org/{DOI.upper()})."},
        )
    assert [p[1] for p in _check(any_library)] == ["untidy-text"]
    with session_scope(any_library) as session:
        fixed = curation_check.fix_claim(session, claim)
    assert [(f.where, f.after) for f in fixed] == [
        ("step 1 of the most probable mechanism", f"Sleep loss lowers testosterone ({DOI}).")
    ]
    assert _check(any_library) == []
    with session_scope(any_library) as session:
        summaries = [r.summary for r in history.revisions(session, claim)]
        assert load_claim(session, claim).mechanisms[0].steps[0].text.startswith("Sleep loss")
    assert summaries[0] == "edited step 1 of the most probable mechanism"


@pytest.mark.parametrize("statement", ["[bold]x[/bold] claims", "a\x1b[31m red claim"])
def test_text_in_messages_is_kept_as_data(statement: str) -> None:
    card = replace(CLEAN, mechanisms=(Mechanism("s", (f"{DOI}", statement)),))
    found = [p for p in check_card(7, card) if p.code == "step-without-citation"]
    assert found and found[0].as_json()["message"] == f"cites no study: {statement!r}"
