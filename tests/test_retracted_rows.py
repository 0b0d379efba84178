"""The claim list's rows say which claims cite a study with a retraction notice."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine

from curator_tui.cards.model import Stance
from curator_tui.db import session_scope
from curator_tui.models import Study
from curator_tui.services import edits
from curator_tui.services.claims import list_claims


def _claim(engine: Engine, statement: str, *dois: str) -> int:
    with session_scope(engine) as session:
        claim_id = edits.apply(session, edits.CreateClaim(statement)).claim_id
        assert claim_id is not None
        for doi in dois:
            edits.apply(session, edits.LinkStudy(claim_id, doi, Stance.CONTRADICTING))
    return claim_id


def _notice(engine: Engine, doi: str, nature: str) -> None:
    with session_scope(engine) as session:
        session.execute(update(Study).where(Study.doi == doi).values(retraction_nature=nature))


def test_rows_flag_claims_citing_a_retracted_study(any_library: Engine) -> None:
    cites = _claim(any_library, "Cites the retracted study", "10.5555/ok.1", "10.5555/gone.2")
    clean = _claim(any_library, "Cites sound studies only", "10.5555/ok.1")
    bare = _claim(any_library, "Cites nothing")
    _notice(any_library, "10.5555/gone.2", "Retraction")
    with session_scope(any_library) as session:
        rows = {row.id: row for row in list_claims(session, limit=100)}
        found = {row.id: row for row in list_claims(session, "retracted", limit=100)}
    assert rows[cites].retracted
    assert not rows[clean].retracted and not rows[bare].retracted
    assert found[cites].retracted  # a filtered page carries the flag too
    assert rows[cites].studies == 2  # the counts are unchanged by the flag's probe

    # A correction or an expression of concern does not withdraw the study: no mark (the
    # curation check says the same; the study itself shows its notice).
    for nature in ("Correction", "Expression of concern"):
        _notice(any_library, "10.5555/gone.2", nature)
        with session_scope(any_library) as session:
            assert not any(row.retracted for row in list_claims(session, limit=100))
    _notice(any_library, "10.5555/gone.2", " retraction ")  # as a file may spell it
    with session_scope(any_library) as session:
        assert {row.id for row in list_claims(session, limit=100) if row.retracted} == {cites}

    _notice(any_library, "10.5555/gone.2", "")  # the notice withdrawn: the mark goes
    with session_scope(any_library) as session:
        assert not any(row.retracted for row in list_claims(session, limit=100))
