"""Claims as a JSON document (issue 12.7): export, the schema, import, both round trips.

Through the CLI on real libraries (SQLite and PostgreSQL), as a curator would run it:
``export --all --format json`` into a second library must give the same Markdown export
byte for byte and the same study records field for field; so must the Markdown stream,
for the fields a card carries. Broken documents are one ``file:line:`` line and leave the
library as it was.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from curator_tui.cards.model import Card
from curator_tui.cards.render import render_markdown
from curator_tui.db import open_library, session_scope
from curator_tui.generate import populate
from curator_tui.models import Evidence, Study
from curator_tui.services import history
from curator_tui.services.claims import update_claim
from curator_tui.services.claims_json import RECORD_FIELDS
from curator_tui.services.rendered import check_format

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "claims-v1.schema.json"
# What a Markdown card does not show of a study link (docs/CLAIMS_JSON.md).
NOT_IN_MARKDOWN = {"design", "sample_size", "retraction_nature", "retraction_date", "note"}


# --- a small JSON Schema validator (the keywords docs/claims-v1.schema.json uses) ---------


def _problems(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return _problems(value, root["$defs"][name], root, at)
    if "anyOf" in schema:
        if any(not _problems(value, option, root, at) for option in schema["anyOf"]):
            return []
        return [f"{at}: matches none of anyOf"]
    out: list[str] = []
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "null": type(None),
        "integer": int,
    }
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, types[t]) and not (t == "integer" and isinstance(value, bool))
            for t in wanted
        )
        if not ok:
            return [f"{at}: {value!r} is not {wanted}"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{at}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{at}: {value!r} not in {schema['enum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(f"{at}: shorter than {schema['minLength']}")
    if "minimum" in schema and value < schema["minimum"]:
        out.append(f"{at}: below {schema['minimum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{at}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            out += [f"{at}: unexpected {key!r}" for key in value if key not in props]
        for key, item in value.items():
            if key in props:
                out += _problems(item, props[key], root, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            out += _problems(item, schema["items"], root, f"{at}[{index}]")
    return out


def validate(document: Any) -> list[str]:
    """What in ``document`` does not fit docs/claims-v1.schema.json (empty: it fits)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return _problems(document, schema, schema, "$")


# --- helpers ------------------------------------------------------------------------------


def _source_library(target: str, claims: int = 25) -> None:
    """Generated claims, plus what only JSON carries: a retraction and a link's note."""
    engine = open_library(target)
    try:
        populate(engine, claims, 7)
        with session_scope(engine) as session:
            session.execute(
                update(Study)
                .where(col(Study.id) == 1)
                .values(retraction_nature="Retraction", retraction_date="2021-03-04")
            )
            session.execute(
                update(Evidence).where(col(Evidence.id) == 2).values(note="the 8-week arm only")
            )
        with session_scope(engine) as session:
            # What opening it for writing does (the generator leaves the words to it), so
            # a later "unchanged" check sees only what an import did.
            check_format(session)
    finally:
        engine.dispose()


def _export(run_cli: Any, db: str, path: Path, *extra: str) -> bytes:
    done = run_cli("export", "--all", *extra, "-o", path, db=db)
    assert done.returncode == 0, done.stderr
    return path.read_bytes()


def _links(document: dict[str, Any]) -> list[list[tuple[str, str, dict[str, Any]]]]:
    """Each claim's study links: stance, note, the whole record."""
    return [
        [(link["stance"], link["note"], link["record"]) for link in claim["studies"]]
        for claim in document["claims"]
    ]


# --- export -------------------------------------------------------------------------------


def test_the_export_fits_the_schema_and_carries_every_field(
    run_cli: Any, any_db: str, tmp_path: Path
) -> None:
    _source_library(any_db)
    document = json.loads(_export(run_cli, any_db, tmp_path / "a.json", "--format", "json"))
    assert validate(document) == []
    assert document["format"] == "curator-claims" and document["version"] == 1
    assert [c["id"] for c in document["claims"]] == list(range(1, 26))
    records = [link[2] for links in _links(document) for link in links]
    # Every column of the study table, by name; the schema lists each one too.
    assert all(list(r) == list(RECORD_FIELDS) for r in records)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["study"]["properties"]) == set(RECORD_FIELDS)
    assert {"retraction_nature", "retraction_date"} <= set(RECORD_FIELDS)
    assert any(r["retraction_nature"] == "Retraction" for r in records)
    assert any(link[1] == "the 8-week arm only" for links in _links(document) for link in links)
    first = document["claims"][0]
    assert [m["rank"] for m in first["mechanisms"]] == list(range(len(first["mechanisms"])))
    assert first["revision"]["revision"] == 1 and first["revision"]["kind"] == "created"


def test_the_export_names_the_revision_it_was_made_at(run_cli: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "lib.db")
    _source_library(db, 3)
    engine = open_library(db)
    try:
        with session_scope(history.with_author(engine, "ana")) as session:
            update_claim(session, 2, synthesis="Rewritten.")
    finally:
        engine.dispose()
    document = json.loads(_export(run_cli, db, tmp_path / "a.json", "--format", "json"))
    second = document["claims"][1]
    assert second["synthesis"] == "Rewritten."
    assert second["revision"]["revision"] == 2 and second["revision"]["author"] == "ana"
    assert document["claims"][0]["revision"]["revision"] == 1


def test_export_of_named_claims_keeps_their_order_and_refuses_unknown_ids(
    run_cli: Any, tmp_path: Path
) -> None:
    db = str(tmp_path / "lib.db")
    _source_library(db, 5)
    done = run_cli("export", "--format", "json", "4", "2", db=db)
    assert done.returncode == 0, done.stderr
    assert [c["id"] for c in json.loads(done.stdout)["claims"]] == [4, 2]
    done = run_cli("export", "--format", "json", "2", "99", db=db)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "curator: error: no claim with id 99 (see 'curator list')"
    ]
    done = run_cli("export", "--format", "json", "--all", "--out", tmp_path / "d", db=db)
    assert done.returncode == 1 and "-o FILE" in done.stderr


# --- round trips --------------------------------------------------------------------------


def test_a_round_trip_through_json_gives_the_same_library(
    run_cli: Any, new_target: Any, tmp_path: Path
) -> None:
    source, copy = new_target(), new_target()
    _source_library(source)
    exported = json.loads(_export(run_cli, source, tmp_path / "a.json", "--format", "json"))
    done = run_cli("import", "--quiet", tmp_path / "a.json", db=copy)
    assert done.returncode == 0, done.stderr
    assert _export(run_cli, copy, tmp_path / "b.md") == _export(run_cli, source, tmp_path / "a.md")
    again = json.loads(_export(run_cli, copy, tmp_path / "b.json", "--format", "json"))
    # Field for field, every record and link, the retraction and the note included.
    assert _links(again) == _links(exported)
    strip = ("revision", "id")
    assert [{k: v for k, v in c.items() if k not in strip} for c in again["claims"]] == [
        {k: v for k, v in c.items() if k not in strip} for c in exported["claims"]
    ]


def test_a_round_trip_through_markdown_gives_the_same_library(
    run_cli: Any, new_target: Any, tmp_path: Path
) -> None:
    source, copy = new_target(), new_target()
    _source_library(source)
    markdown = _export(run_cli, source, tmp_path / "a.md")
    done = run_cli("import", "--quiet", tmp_path / "a.md", db=copy)
    assert done.returncode == 0, done.stderr
    assert _export(run_cli, copy, tmp_path / "b.md") == markdown
    before = json.loads(_export(run_cli, source, tmp_path / "a.json", "--format", "json"))
    after = json.loads(_export(run_cli, copy, tmp_path / "b.json", "--format", "json"))

    def carried(document: dict[str, Any]) -> list[Any]:
        return [
            [
                (stance, {k: v for k, v in record.items() if k not in NOT_IN_MARKDOWN})
                for stance, _, record in links
            ]
            for links in _links(document)
        ]

    assert carried(after) == carried(before)


def test_importing_the_same_document_twice_skips_then_replaces(
    run_cli: Any, tmp_path: Path
) -> None:
    source, copy = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    _source_library(source, 3)
    path = tmp_path / "a.json"
    _export(run_cli, source, path, "--format", "json")
    assert run_cli("import", path, db=copy).returncode == 0
    done = run_cli("import", path, db=copy)
    assert done.returncode == 0
    # Nothing written: the file says so, and the summary counts no claims.
    assert done.stdout.splitlines() == [
        f"{path}: every claim is already in the library, as 1, 2, 3 (use --replace to update them)",
        "1 file(s): 0 claim(s) imported or replaced, 0 failed",
    ]
    again = json.loads(_export(run_cli, copy, tmp_path / "b.json", "--format", "json"))
    assert [c["id"] for c in again["claims"]] == [1, 2, 3]
    # --replace with the same document: each claim is as it was, and says so; no revision.
    done = run_cli("import", "--replace", path, db=copy)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"{path}: every claim already holds exactly its card: 1, 2, 3 unchanged"
    )
    assert _revisions(copy) == {1: 1, 2: 1, 3: 1}
    # A document where one claim differs replaces that one.
    document = json.loads(path.read_text(encoding="utf-8"))
    document["claims"][1]["synthesis"] = "A synthesis written since."
    path.write_text(json.dumps(document), encoding="utf-8")
    done = run_cli("import", "--replace", path, db=copy)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("as it is: unchanged") == 2, done.stderr
    assert f"{path}: replaced claim 2" in done.stdout.splitlines()
    assert "1 claim(s) imported or replaced" in done.stdout
    assert _revisions(copy) == {1: 1, 2: 2, 3: 1}


def _revisions(db: str) -> dict[int, int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT claim_id, count(*) FROM claim_revision GROUP BY 1")
        return dict(rows.fetchall())


def test_a_document_without_claims_says_so(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    path.write_text('{"format": "curator-claims", "version": 1, "claims": []}\n', encoding="utf-8")
    done = run_cli("import", path, db=tmp_path / "lib.db")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"{path}: holds no claims: nothing imported"


# --- bad documents ------------------------------------------------------------------------


def _document(*claims: Any, version: Any = 1) -> str:
    head = {"format": "curator-claims", "version": version}
    lines = ",\n".join(json.dumps(c) for c in claims)
    return json.dumps(head)[:-1] + ', "claims": [\n' + lines + "\n]}\n"


GOOD = {"statement": "Good claim", "studies": []}
STUDY = {"stance": "supporting", "record": {"doi": "10.1000/ok"}}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '{"format": "curator-claims", "version": 1,\n "claims": [\n{"statement": "x",}]}',
            3,
            "not JSON",
        ),
        (_document(GOOD, version=2), 1, "version 2: this curator reads version 1"),
        (_document(GOOD, {"synthesis": "no statement"}), 3, "claim 2: has no 'statement'"),
        (_document(GOOD, GOOD, {"statement": 5}), 4, "claim 3: 'statement' must be a string"),
        (
            _document(GOOD, {"statement": "s", "studies": [{**STUDY, "stance": "maybe"}]}),
            3,
            "claim 2: study 1: 'stance' must be 'supporting' or 'contradicting'",
        ),
        (
            _document({"statement": "s", "studies": [{**STUDY, "record": {"doi": "nope"}}]}),
            2,
            "claim 1: study 1: record: ",
        ),
        (
            _document(
                {
                    "statement": "s",
                    "studies": [{**STUDY, "record": {"doi": "10.1/x", "colour": "red"}}],
                }
            ),
            2,
            "claim 1: study 1: record: unknown field 'colour'",
        ),
        (
            _document({"statement": "s", "mechanisms": [{"rank": 1, "summary": "", "steps": []}]}),
            2,
            "claim 1: mechanism 1: 'rank' is 1, expected 0",
        ),
        (
            _document({"statement": "s", "studies": [STUDY, STUDY]}),
            2,
            "claim 1: study 2: study 10.1000/ok is cited twice",
        ),
        ('{"format": "curator-claims", "version": 1}', 1, "no 'claims' list"),
    ],
)
def test_a_bad_document_is_one_line_and_the_library_is_untouched(
    run_cli: Any, tmp_path: Path, dump_library: Any, text: str, line: int, message: str
) -> None:
    db = tmp_path / "lib.db"
    _source_library(str(db), 2)
    before = dump_library(db)
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "z-good.md"
    good.write_text(render_markdown(Card("A claim from a card file")), encoding="utf-8")
    done = run_cli("import", "--quiet", bad, db=db)
    assert done.returncode == 1
    [error] = done.stderr.strip().splitlines()
    assert error.startswith(f"error: {bad}:{line}: ")
    assert message in error
    assert dump_library(db) == before
    # The batch goes on: the next file imports.
    done = run_cli("import", "--quiet", bad, good, db=db)
    assert done.returncode == 1
    assert dump_library(db) != before
