"""``curator check`` (issue 13): exit status, exactly the seeded problems, the JSON schema of
docs/CHECK.md, ``--strict``, ``--fix`` through the history, and bad ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import RunCli
from curator_tui.cards.model import Card, GoldItem, Mechanism, Stance, StudyRef
from curator_tui.db import open_library, session_scope
from curator_tui.services.cards import create_from_card

DOI = "10.1152/japplphysiol.00001.2020"
OTHER = "10.1080/02640414.2024.2321021"
REPO = Path(__file__).resolve().parents[1]

GOOD = Card(
    statement="Sleep restriction lowers maximal strength in trained adults",
    synthesis=f"One trial found lower strength after sleep restriction ({DOI}).",
    mechanisms=(Mechanism("Less sleep, less recovery.", (f"Sleep loss lowers drive ({DOI}).",)),),
    studies=(StudyRef(doi=DOI, stance=Stance.SUPPORTING, title="T", authors="A", year=2020),),
    gold=(GoldItem("Randomised controlled trial"),),
)

# Each seeded claim and exactly the problems it was given: (code, where).
SEEDED: list[tuple[Card, set[tuple[str, str]]]] = [
    (GOOD, set()),
    (
        replace(
            GOOD,
            statement="Caffeine improves endurance in trained cyclists",
            mechanisms=(Mechanism("Adenosine.", (f"Blocks adenosine ({DOI}).", f"See {OTHER}.")),),
        ),
        {("uncited-doi", "step 2 of the most probable mechanism")},
    ),
    (
        replace(GOOD, statement="Creatine raises sprint power in young adults", gold=()),
        {("no-gold-standard", "gold standard")},
    ),
    (
        replace(
            GOOD,
            statement="Protein timing does not change hypertrophy...",
            mechanisms=(GOOD.mechanisms[0], Mechanism("", ())),
        ),
        {
            ("cut-off", "statement"),
            ("mechanism-without-steps", "alternative mechanism 1"),
            ("empty-summary", "summary of alternative mechanism 1"),
        },
    ),
    (
        replace(GOOD, statement="sleep restriction LOWERS maximal strength in trained adults!"),
        {("duplicate-statement", "statement")},
    ),
]


def _seed(path: Path) -> list[int]:
    engine = open_library(path)
    try:
        with session_scope(engine) as session:
            return [create_from_card(session, card) for card, _ in SEEDED]
    finally:
        engine.dispose()


def _schema() -> Any:
    doc = (REPO / "docs" / "CHECK.md").read_text(encoding="utf-8")
    match = re.search(r"```json schema\n(.*?)```", doc, re.S)
    assert match, "docs/CHECK.md has no schema block"
    return json.loads(match[1])


def _validate(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """The subset of JSON Schema docs/CHECK.md uses (no jsonschema dependency)."""
    kinds = {"array": list, "object": dict, "string": str, "integer": int}
    if "type" in schema:
        assert isinstance(value, kinds[schema["type"]]), f"{path}: not {schema['type']}"
        assert not isinstance(value, bool), path
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if "minimum" in schema:
        assert value >= schema["minimum"], path
    if "minLength" in schema:
        assert len(value) >= schema["minLength"], path
    if "items" in schema:
        for i, item in enumerate(value):
            _validate(item, schema["items"], f"{path}[{i}]")
    if "required" in schema:
        assert set(schema["required"]) <= set(value), f"{path}: missing keys"
    if schema.get("additionalProperties") is False:
        assert set(value) <= set(schema["properties"]), f"{path}: extra keys"
    for key, sub in schema.get("properties", {}).items():
        if isinstance(value, dict) and key in value:
            _validate(value[key], sub, f"{path}.{key}")


def test_the_sample_library_passes(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "sample.db"
    assert run_cli("import", REPO / "data", db=db).returncode == 0
    result = run_cli("check", db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stderr
    # Its cut-off statements are warnings: --strict fails on them.
    strict = run_cli("check", "--strict", db=db)
    assert strict.returncode == 1
    assert "warning: cut-off: claim 1: statement:" in strict.stdout


def test_a_seeded_library_gives_exactly_the_seeded_problems(
    tmp_path: Path, run_cli: RunCli
) -> None:
    db = tmp_path / "seeded.db"
    ids = _seed(db)
    result = run_cli("check", "--json", db=db)
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)
    expected = {
        (ids[i], code, where) for i, (_, seeded) in enumerate(SEEDED) for code, where in seeded
    }
    # The duplicate is reported on both claims.
    expected.add((ids[0], "duplicate-statement", "statement"))
    assert {(p["claim"], p["code"], p["where"]) for p in found} == expected
    assert len(found) == len(expected)
    lines = run_cli("check", db=db).stdout.splitlines()
    assert len(lines) == len(expected)
    assert (
        f"error: uncited-doi: claim {ids[1]}: step 2 of the most probable mechanism: cites {OTHER}, which is not linked as a study"
        in lines
    )


def test_json_output_matches_its_documented_schema(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "seeded.db"
    _seed(db)
    found = json.loads(run_cli("check", "--json", db=db).stdout)
    assert found
    _validate(found, _schema())
    # Every code the check knows is in the schema's list.
    from curator_tui.cards.problems import CODES

    assert set(_schema()["items"]["properties"]["code"]["enum"]) == set(CODES)
    with pytest.raises(AssertionError):
        _validate([{**found[0], "severity": "fatal"}], _schema())


def test_ids_check_only_those_claims(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "seeded.db"
    ids = _seed(db)
    clean = run_cli("check", str(ids[0]), str(ids[2]), "--json", db=db)
    # The first is a duplicate of the fifth (found by index, though only these are checked).
    assert {(p["claim"], p["code"]) for p in json.loads(clean.stdout)} == {
        (ids[0], "duplicate-statement"),
        (ids[2], "no-gold-standard"),
    }
    assert clean.returncode == 1
    assert run_cli("check", str(ids[2]), db=db).returncode == 0
    missing = run_cli("check", "999", db=db)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "curator: error: no claim 999"


def test_fix_tidies_through_the_history_and_never_links(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "fix.db"
    engine = open_library(db)
    with session_scope(engine) as session:
        claim = create_from_card(session, GOOD)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE claim SET synthesis = :s"),
            {"s": f"One  trial (doi:{DOI.upper()}) and {OTHER}. "},
        )
    engine.dispose()
    before = run_cli("check", "--json", db=db)
    assert {p["code"] for p in json.loads(before.stdout)} == {"untidy-text", "uncited-doi"}
    fixed = run_cli("check", "--fix", db=db)
    assert f'fixed: claim {claim}: synthesis: "One  trial (doi:{DOI.upper()})' in fixed.stderr
    # The uncited DOI stays an error: --fix never links a study.
    assert fixed.returncode == 1
    assert [line.split(":")[1].strip() for line in fixed.stdout.splitlines()] == ["uncited-doi"]
    history = run_cli("history", str(claim), db=db).stdout
    assert "edited the synthesis" in history
    export = run_cli("export", str(claim), db=db).stdout
    assert f"One trial ({DOI}) and {OTHER}." in export


def test_a_reader_that_goes_away_does_not_turn_a_failing_check_into_a_pass(
    tmp_path: Path, run_cli: RunCli
) -> None:
    # `curator check | head -1` under pipefail: the status must still be the check's.
    db = tmp_path / "seeded.db"
    _seed(db)
    result = run_cli("check", db=db, reader_gone=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"\d+ errors, \d+ warnings? in \d+ claims", result.stderr), result.stderr
