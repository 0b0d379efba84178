"""Services on a real library: one transaction per call, inside session_scope.

Every test runs twice: on a SQLite file and on a PostgreSQL database (``library`` below).

Ordered children (steps, mechanisms, gold items, evidence) must keep contiguous
positions 0..n-1 after every operation; deletes cascade; studies are shared by DOI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.db import open_library, session_scope
from curator_tui.models import Study
from curator_tui.services import claims, evidence, gold, mechanisms
from curator_tui.services.cards import create_from_card, load_card, load_claim
from curator_tui.services.errors import Conflict, NotFound, ServiceError

T = TypeVar("T")
SEED_DOI = "10.1080/02640414.2024.2321021"
CHILD_TABLES = ("mechanism", "mechanismstep", "evidence", "goldstandarditem")


def run(engine: Engine, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One service call in its own transaction."""
    with session_scope(engine) as session:
        return func(session, *args, **kwargs)


def sql(engine: Engine, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query), params)]


def count(engine: Engine, table: str) -> int:
    return sql(engine, f"SELECT count(*) FROM {table}")[0][0]


def children(engine: Engine, table: str, parent: str, parent_id: int) -> int:
    """How many rows of ``table`` point at ``parent_id``."""
    return sql(engine, f"SELECT count(*) FROM {table} WHERE {parent} = :p", p=parent_id)[0][0]


def step_positions(engine: Engine, mechanism_id: int) -> list[int]:
    rows = sql(
        engine,
        "SELECT position FROM mechanismstep WHERE mechanism_id = :m ORDER BY position",
        m=mechanism_id,
    )
    return [p for (p,) in rows]


def step_texts(engine: Engine, mechanism_id: int) -> list[str]:
    rows = sql(
        engine,
        "SELECT text FROM mechanismstep WHERE mechanism_id = :m ORDER BY position",
        m=mechanism_id,
    )
    return [t for (t,) in rows]


def ranks(engine: Engine, claim_id: int) -> list[tuple[int, str]]:
    return sql(
        engine, "SELECT rank, summary FROM mechanism WHERE claim_id = :c ORDER BY rank", c=claim_id
    )


def gold_rows(engine: Engine, claim_id: int) -> list[tuple[int, str]]:
    return sql(
        engine,
        "SELECT position, design FROM goldstandarditem WHERE claim_id = :c ORDER BY position",
        c=claim_id,
    )


def evidence_positions(engine: Engine, claim_id: int) -> list[int]:
    query = "SELECT position FROM evidence WHERE claim_id = :c ORDER BY position"
    return [p for (p,) in sql(engine, query, c=claim_id)]


def version(engine: Engine, claim_id: int) -> int:
    return run(engine, claims.claim_version, claim_id)


FULL_CARD = Card(
    statement="Training to failure and with reps in reserve grow muscle alike",
    synthesis="Same total work, same growth.",
    mechanisms=(
        Mechanism("Total work drives growth.", ("Tension", "mTOR", "Protein synthesis")),
        Mechanism("Fatigue shifts growth between muscles.", ("Leg press first", "Then extension")),
    ),
    studies=(
        StudyRef(doi=SEED_DOI, stance=Stance.SUPPORTING),
        StudyRef(doi="10.1000/182", stance=Stance.CONTRADICTING),
    ),
    gold=(GoldItem("Randomised trial", "12 weeks"), GoldItem("Cohort study")),
)


@pytest.fixture
def library(any_library: Engine) -> Engine:
    """A fresh library on each backend: a SQLite file, then a PostgreSQL database."""
    return any_library


@pytest.fixture
def claim_id(library: Engine) -> int:
    return run(library, create_from_card, FULL_CARD)


# --- the library itself ------------------------------------------------------------------


def test_foreign_keys_are_on_in_every_session(tmp_path: Path) -> None:
    library = open_library(tmp_path / "library.db")  # SQLite's pragmas: a file only
    for _ in range(3):
        with session_scope(library) as session:
            connection = session.connection()
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    library.dispose()
    with session_scope(library) as session:
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_failed_call_rolls_back(library: Engine, claim_id: int, dump_library: Any) -> None:
    before = dump_library(library)
    with pytest.raises(ServiceError), session_scope(library) as session:
        mechanisms.add_step(session, load_claim(session, claim_id).mechanisms[0].id, "kept?")
        gold.add_gold(session, claim_id, "   ")
    assert dump_library(library) == before


# --- claims ------------------------------------------------------------------------------


def test_create_and_update_claim(library: Engine) -> None:
    new = run(library, claims.create_claim, "  A  claim\twith   spaces ", "Some\nsynthesis")
    detail = run(library, load_claim, new)
    assert (detail.statement, detail.synthesis, detail.version) == (
        "A claim with spaces",
        "Some synthesis",
        1,
    )
    assert run(library, claims.update_claim, new, statement="Better claim") == 2
    assert (
        run(library, claims.update_claim, new, synthesis="New synthesis", expected_version=2) == 3
    )
    detail = run(library, load_claim, new)
    assert (detail.statement, detail.synthesis, detail.version) == (
        "Better claim",
        "New synthesis",
        3,
    )


@pytest.mark.parametrize("statement", ["", "   ", "\n\t", "\x1b[31m\x07"])
def test_empty_statement_is_rejected(library: Engine, statement: str) -> None:
    with pytest.raises(ServiceError):
        run(library, claims.create_claim, statement)
    assert count(library, "claim") == 0


def test_stale_version_is_a_conflict(library: Engine, claim_id: int) -> None:
    seen = version(library, claim_id)
    run(library, claims.update_claim, claim_id, synthesis="saved elsewhere", expected_version=seen)
    with pytest.raises(Conflict):
        run(library, claims.update_claim, claim_id, statement="mine", expected_version=seen)
    assert run(library, load_claim, claim_id).statement == FULL_CARD.statement


def test_delete_claim_cascades(library: Engine, claim_id: int) -> None:
    other = run(library, create_from_card, Card("Another claim", studies=FULL_CARD.studies[:1]))
    assert all(count(library, table) > 0 for table in CHILD_TABLES)
    studies_before = count(library, "study")

    run(library, claims.delete_claim, claim_id)

    assert sql(library, "SELECT id FROM claim") == [(other,)]
    for table in ("mechanism", "evidence", "goldstandarditem"):
        assert children(library, table, "claim_id", claim_id) == 0
    orphans = sql(
        library,
        "SELECT count(*) FROM mechanismstep WHERE mechanism_id NOT IN (SELECT id FROM mechanism)",
    )
    assert orphans == [(0,)]
    assert count(library, "mechanismstep") == 0
    # The other claim keeps its link; the studies stay in the library.
    assert count(library, "evidence") == 1
    assert count(library, "study") == studies_before
    with pytest.raises(NotFound):
        run(library, load_claim, claim_id)


def test_delete_through_raw_sql_cascades_too(library: Engine, claim_id: int) -> None:
    with session_scope(library) as session:
        session.connection().exec_driver_sql(f"DELETE FROM claim WHERE id = {claim_id}")
    assert [count(library, table) for table in CHILD_TABLES] == [0, 0, 0, 0]


def test_list_and_count_claims_with_search(library: Engine) -> None:
    ids = [
        run(library, claims.create_claim, "Training to failure grows muscle", "Volume matters"),
        run(library, claims.create_claim, "Reps in reserve grow muscle too", "Same volume"),
        run(library, claims.create_claim, "Sleep improves recovery", ""),
    ]
    rows = run(library, claims.list_claims)
    assert [r.id for r in rows] == ids
    assert run(library, claims.count_claims) == 3
    # Every word must match, in the statement or the synthesis, in any case.
    assert [r.id for r in run(library, claims.list_claims, "muscle")] == ids[:2]
    assert [r.id for r in run(library, claims.list_claims, "MUSCLE volume")] == ids[:2]
    assert [r.id for r in run(library, claims.list_claims, "muscle failure")] == ids[:1]
    assert [r.id for r in run(library, claims.list_claims, "same  reserve")] == ids[1:2]
    assert run(library, claims.list_claims, "muscle sleep") == []
    assert run(library, claims.count_claims, "muscle") == 2
    assert run(library, claims.count_claims, "nothing-like-this") == 0
    assert [r.id for r in run(library, claims.list_claims, sort="statement")] == [
        ids[1],
        ids[2],
        ids[0],
    ]
    assert len(run(library, claims.list_claims, limit=2, offset=2)) == 1


# Regression: the words went into LIKE patterns unescaped, so "%" and "_" matched anything.
@pytest.mark.parametrize("word", ["_", "%", "a_b", "%%"])
def test_search_words_are_literal(library: Engine, word: str) -> None:
    run(library, claims.create_claim, "Training to failure grows muscle at 100 reps", "abb")
    assert run(library, claims.count_claims, word) == 0
    assert run(library, claims.list_claims, word) == []


def test_search_finds_words_with_punctuation(library: Engine) -> None:
    wanted = run(library, claims.create_claim, "Gains of 100% in 8_weeks", "")
    run(library, claims.create_claim, "Gains of 90 percent in 12 weeks", "")
    assert [r.id for r in run(library, claims.list_claims, "100%")] == [wanted]
    assert [r.id for r in run(library, claims.list_claims, "8_weeks")] == [wanted]


def test_list_rows_count_steps_and_studies(library: Engine, claim_id: int) -> None:
    [row] = run(library, claims.list_claims)
    assert (row.id, row.statement, row.steps, row.studies) == (claim_id, FULL_CARD.statement, 5, 2)
    assert row.version == version(library, claim_id)


# --- mechanisms and steps ----------------------------------------------------------------


def test_step_positions_stay_contiguous(library: Engine, claim_id: int) -> None:
    mechanism_id = run(library, load_claim, claim_id).mechanisms[0].id
    expected = ["Tension", "mTOR", "Protein synthesis"]

    def check() -> None:
        assert step_positions(library, mechanism_id) == list(range(len(expected)))
        assert step_texts(library, mechanism_id) == expected

    check()
    run(library, mechanisms.add_step, mechanism_id, "Hypertrophy")
    expected.append("Hypertrophy")
    check()
    first = run(library, mechanisms.add_step, mechanism_id, "  Load\n  the bar ", 0)
    expected.insert(0, "Load the bar")
    check()
    run(library, mechanisms.add_step, mechanism_id, "Middle", 2)
    expected.insert(2, "Middle")
    check()
    assert run(library, mechanisms.move_step, first, 2) == 2
    expected.insert(2, expected.pop(0))
    check()
    assert run(library, mechanisms.move_step, first, 100) == len(expected) - 1
    expected.append(expected.pop(2))
    check()
    assert run(library, mechanisms.move_step, first, -100) == 0
    expected.insert(0, expected.pop())
    check()
    run(library, mechanisms.edit_step, first, "Lift the bar")
    expected[0] = "Lift the bar"
    check()
    run(library, mechanisms.delete_step, first)
    expected.pop(0)
    check()
    steps = run(library, load_claim, claim_id).mechanisms[0].steps
    middle = next(step.id for step in steps if step.text == "Middle")
    run(library, mechanisms.delete_step, middle)
    expected.remove("Middle")
    check()


@pytest.mark.parametrize("value", ["", "  ", "\n", "\x1b[2J"])
def test_empty_step_is_rejected(
    library: Engine, claim_id: int, value: str, dump_library: Any
) -> None:
    detail = run(library, load_claim, claim_id)
    before = dump_library(library)
    with pytest.raises(ServiceError):
        run(library, mechanisms.add_step, detail.mechanisms[0].id, value)
    with pytest.raises(ServiceError):
        run(library, mechanisms.edit_step, detail.mechanisms[0].steps[0].id, value)
    assert dump_library(library) == before


def test_mechanism_ranks_and_promotion(library: Engine, claim_id: int) -> None:
    detail = run(library, load_claim, claim_id)
    most, alt = (m.id for m in detail.mechanisms)
    third = run(library, mechanisms.add_mechanism, claim_id, "A third idea")
    assert [r for r, _ in ranks(library, claim_id)] == [0, 1, 2]

    run(library, mechanisms.promote_mechanism, third)
    # The old most probable becomes the first alternative.
    assert ranks(library, claim_id) == [
        (0, "A third idea"),
        (1, "Total work drives growth."),
        (2, "Fatigue shifts growth between muscles."),
    ]
    assert run(library, mechanisms.move_mechanism, alt, -1) == 1
    assert [s for _, s in ranks(library, claim_id)] == [
        "A third idea",
        "Fatigue shifts growth between muscles.",
        "Total work drives growth.",
    ]
    first = run(library, mechanisms.add_mechanism, claim_id, "Inserted first", 0)
    assert ranks(library, claim_id)[0] == (0, "Inserted first")
    assert [r for r, _ in ranks(library, claim_id)] == [0, 1, 2, 3]

    run(library, mechanisms.delete_mechanism, first)
    run(library, mechanisms.delete_mechanism, most)
    assert ranks(library, claim_id) == [
        (0, "A third idea"),
        (1, "Fatigue shifts growth between muscles."),
    ]
    # Deleting a mechanism deletes its steps.
    assert children(library, "mechanismstep", "mechanism_id", most) == 0
    run(library, mechanisms.update_mechanism, alt, "  Fatigue,\nrevised ")
    assert ranks(library, claim_id)[1] == (1, "Fatigue, revised")
    card = run(library, load_card, claim_id)
    assert [m.summary for m in card.mechanisms] == ["A third idea", "Fatigue, revised"]
    assert card.mechanisms[1].steps == ("Leg press first", "Then extension")


def test_promoting_the_most_probable_changes_nothing(library: Engine, claim_id: int) -> None:
    before = ranks(library, claim_id)
    run(library, mechanisms.promote_mechanism, run(library, load_claim, claim_id).mechanisms[0].id)
    assert ranks(library, claim_id) == before


# --- evidence ----------------------------------------------------------------------------


def test_one_study_row_per_doi(library: Engine) -> None:
    a = run(library, claims.create_claim, "Claim A")
    b = run(library, claims.create_claim, "Claim B")
    run(library, evidence.link_study, a, f"https://doi.org/{SEED_DOI.upper()}")
    run(library, evidence.link_study, b, f"doi:{SEED_DOI}", Stance.CONTRADICTING)
    assert sql(library, "SELECT doi FROM study") == [(SEED_DOI,)]
    assert count(library, "evidence") == 2
    card_b = run(library, load_card, b)
    assert [(s.doi, s.stance) for s in card_b.studies] == [(SEED_DOI, Stance.CONTRADICTING)]


def test_same_study_twice_on_one_claim_is_refused(
    library: Engine, claim_id: int, dump_library: Any
) -> None:
    before = dump_library(library)
    with pytest.raises(ServiceError) as info:
        run(library, evidence.link_study, claim_id, f"http://dx.doi.org/{SEED_DOI}")
    assert SEED_DOI in str(info.value)
    assert dump_library(library) == before


def test_bad_doi_is_refused(library: Engine, claim_id: int) -> None:
    with pytest.raises(ServiceError):
        run(library, evidence.link_study, claim_id, "10.12/not-a-doi")
    assert count(library, "study") == 2


def test_flip_stance_and_unlink(library: Engine, claim_id: int) -> None:
    links = run(library, load_claim, claim_id).evidence
    v0 = version(library, claim_id)
    assert run(library, evidence.flip_stance, links[0].id) is Stance.CONTRADICTING
    assert run(library, evidence.flip_stance, links[1].id) is Stance.SUPPORTING
    assert version(library, claim_id) == v0 + 2
    card = run(library, load_card, claim_id)
    assert [(s.doi, s.stance) for s in card.studies] == [
        (SEED_DOI, Stance.CONTRADICTING),
        ("10.1000/182", Stance.SUPPORTING),
    ]
    assert run(library, evidence.flip_stance, links[0].id) is Stance.SUPPORTING

    run(library, evidence.unlink_study, links[0].id)
    assert [s.doi for s in run(library, load_card, claim_id).studies] == ["10.1000/182"]
    # The study stays in the library, and can be linked again.
    assert count(library, "study") == 2
    assert evidence_positions(library, claim_id) == [0]
    run(library, evidence.link_study, claim_id, SEED_DOI)
    assert count(library, "study") == 2
    assert evidence_positions(library, claim_id) == [0, 1]


# --- gold standard -----------------------------------------------------------------------


def test_gold_items(library: Engine, claim_id: int) -> None:
    first = run(library, gold.add_gold, claim_id, "Meta-analysis", "of trials", 0)
    last = run(library, gold.add_gold, claim_id, "Case series")
    expected = ["Meta-analysis", "Randomised trial", "Cohort study", "Case series"]
    assert gold_rows(library, claim_id) == list(enumerate(expected))

    assert run(library, gold.move_gold, first, 1) == 1
    expected[0], expected[1] = expected[1], expected[0]
    assert gold_rows(library, claim_id) == list(enumerate(expected))

    run(library, gold.edit_gold, last, " Case  series ", " small\nn ")
    card = run(library, load_card, claim_id)
    assert card.gold[-1] == GoldItem("Case series", "small n")
    assert card.gold[1] == GoldItem("Meta-analysis", "of trials")

    run(library, gold.delete_gold, first)
    expected.remove("Meta-analysis")
    assert gold_rows(library, claim_id) == list(enumerate(expected))
    with pytest.raises(ServiceError):
        run(library, gold.add_gold, claim_id, " ")
    with pytest.raises(ServiceError):
        run(library, gold.edit_gold, last, "")
    assert gold_rows(library, claim_id) == list(enumerate(expected))


# --- versions ----------------------------------------------------------------------------


def test_every_change_bumps_the_version(library: Engine, claim_id: int) -> None:
    detail = run(library, load_claim, claim_id)
    mechanism_id, step_id = detail.mechanisms[0].id, detail.mechanisms[0].steps[0].id
    changes: list[Callable[[], object]] = [
        lambda: run(library, claims.update_claim, claim_id, synthesis="x"),
        lambda: run(library, mechanisms.add_step, mechanism_id, "new"),
        lambda: run(library, mechanisms.edit_step, step_id, "edited"),
        lambda: run(library, mechanisms.move_step, step_id, 1),
        lambda: run(library, mechanisms.add_mechanism, claim_id, "m"),
        lambda: run(library, mechanisms.update_mechanism, mechanism_id, "s"),
        lambda: run(library, evidence.link_study, claim_id, "10.5555/new"),
        lambda: run(library, evidence.flip_stance, detail.evidence[0].id),
        lambda: run(library, gold.add_gold, claim_id, "design"),
        lambda: run(library, mechanisms.delete_step, step_id),
    ]
    last = version(library, claim_id)
    for change in changes:
        change()
        now = version(library, claim_id)
        assert now == last + 1
        last = now


def test_missing_rows_are_not_found(library: Engine) -> None:
    for call in (
        lambda s: claims.delete_claim(s, 99),
        lambda s: claims.update_claim(s, 99, statement="x"),
        lambda s: mechanisms.add_step(s, 99, "x"),
        lambda s: mechanisms.add_mechanism(s, 99, "x"),
        lambda s: evidence.link_study(s, 99, SEED_DOI),
        lambda s: gold.add_gold(s, 99, "x"),
    ):
        with pytest.raises(NotFound), session_scope(library) as session:
            call(session)
    assert count(library, "study") == 0


def test_typed_pages_get_an_en_dash_as_imported_ones_do(library: Engine) -> None:
    from curator_tui.services.evidence import get_or_create_study, update_study

    with session_scope(library) as session:
        study = get_or_create_study(session, "10.1000/pages", pages="101-110")
    with session_scope(library) as session:
        row = session.get(Study, study)
        assert row is not None and row.pages == "101–110"
        update_study(session, study, pages="e0123")  # not a range: kept as typed
    with session_scope(library) as session:
        row = session.get(Study, study)
        assert row is not None and row.pages == "e0123"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"year": 99999}, "the year must be between 1600 and"),
        ({"year": "1066"}, "the year must be between 1600 and"),
        ({"pmid": "abc"}, "a PMID is a number of up to 9 digits, not 'abc'"),
        ({"pmid": "0123"}, "a PMID is a number"),
        ({"pmid": "1234567890"}, "a PMID is a number"),
    ],
)
def test_a_study_record_refuses_an_impossible_year_or_pmid(
    library: Engine, fields: dict[str, object], message: str
) -> None:
    from curator_tui.services.evidence import get_or_create_study, update_study

    engine = library
    with session_scope(engine) as session:
        study = get_or_create_study(session, "10.1000/abc", year=2020, pmid="12345678")
    with pytest.raises(ServiceError, match=message), session_scope(engine) as session:
        update_study(session, study, **fields)
    with session_scope(engine) as session:
        row = session.get(Study, study)
        assert row is not None and (row.year, row.pmid) == (2020, "12345678")
