"""Studies (shared, keyed by normalised DOI) and their links to claims."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from curator_tui.cards.doi import DOIError, normalize_doi
from curator_tui.cards.model import Stance
from curator_tui.cards.text import clean
from curator_tui.models import Evidence, Study
from curator_tui.references.clean import pages as reference_pages
from curator_tui.services.common import fetch, renumber, siblings, touch
from curator_tui.services.errors import ServiceError
from curator_tui.study_fields import STUDY_FIELDS

_INT_FIELDS = {"year", "sample_size"}


def doi_or_error(text: str) -> str:
    """The normalised DOI or a ServiceError saying what is wrong."""
    try:
        return normalize_doi(text)
    except DOIError as exc:
        raise ServiceError(str(exc)) from None


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in STUDY_FIELDS:
            raise ServiceError(f"a study has no field {name!r}")
        if name in _INT_FIELDS:
            if value in (None, ""):
                out[name] = None
                continue
            try:
                out[name] = int(str(value).strip())
            except ValueError:
                raise ServiceError(
                    f"{name.replace('_', ' ')} must be a whole number, not {value!r}"
                ) from None
            if out[name] < 0:
                raise ServiceError(f"{name.replace('_', ' ')} cannot be negative")
            if name == "year":
                _check_year(out[name])
        else:
            out[name] = clean(str(value))
            if name == "pages":
                # Typed as imported ones are: "101-110" is 101–110 (an en dash).
                out[name] = reference_pages(out[name])
            if name == "pmid" and out[name] and not _PMID.fullmatch(out[name]):
                raise ServiceError(f"a PMID is a number of up to 9 digits, not {out[name]!r}")
    return out


_PMID = re.compile(r"[1-9][0-9]{0,8}")


def _check_year(year: int) -> None:
    # In press counts: next year's issue is often online this year.
    latest = datetime.now(UTC).year + 1
    if not 1600 <= year <= latest:
        raise ServiceError(f"the year must be between 1600 and {latest}, not {year}")


def get_or_create_study(session: Session, doi: str, **fields: Any) -> int:
    """The id of the study with this DOI, created if new. Fills only fields that are empty."""
    normalised = doi_or_error(doi)
    values = _clean_fields(fields)
    study = session.exec(select(Study).where(Study.doi == normalised)).first()
    if study is None:
        study = Study(doi=normalised, **values)
    else:
        for name, value in values.items():
            if value not in (None, "") and getattr(study, name) in (None, ""):
                setattr(study, name, value)
    session.add(study)
    session.flush()
    assert study.id is not None
    return study.id


def update_study(session: Session, study_id: int, **fields: Any) -> None:
    """Change a study's metadata (every claim citing it sees the change)."""
    study = fetch(session, Study, study_id)
    for name, value in _clean_fields(fields).items():
        setattr(study, name, value)
    session.add(study)
    for claim_id in session.exec(select(Evidence.claim_id).where(Evidence.study_id == study_id)):
        touch(session, claim_id)
    session.flush()


def upsert_study_record(session: Session, record: dict[str, Any]) -> int:
    """Create or overwrite a study from a bibliographic record with a ``doi`` key."""
    if "doi" not in record:
        raise ServiceError("a study record needs a 'doi'")
    fields = {k: v for k, v in record.items() if k != "doi"}
    study_id = get_or_create_study(session, str(record["doi"]))
    update_study(session, study_id, **fields)
    return study_id


def _links(session: Session, claim_id: int) -> list[Evidence]:
    return siblings(session, Evidence, col(Evidence.claim_id) == claim_id, col(Evidence.position))


def link_study(
    session: Session, claim_id: int, doi: str, stance: Stance = Stance.SUPPORTING, note: str = ""
) -> int:
    """Link the study with this DOI (created if new) to a claim; returns the evidence id."""
    touch(session, claim_id)
    study_id = get_or_create_study(session, doi)
    existing = session.exec(
        select(Evidence).where(Evidence.claim_id == claim_id, Evidence.study_id == study_id)
    ).first()
    if existing is not None:
        raise ServiceError(
            f"{fetch(session, Study, study_id).doi} is already linked to this claim ({existing.stance})"
        )
    link = Evidence(
        claim_id=claim_id,
        study_id=study_id,
        stance=Stance(stance).value,
        note=clean(note),
        position=len(_links(session, claim_id)),
    )
    session.add(link)
    session.flush()
    assert link.id is not None
    return link.id


def unlink_study(session: Session, evidence_id: int) -> None:
    """Remove a study from a claim's evidence (the study stays in the library)."""
    link = fetch(session, Evidence, evidence_id)
    touch(session, link.claim_id)
    session.delete(link)
    session.flush()
    renumber(session, _links(session, link.claim_id))
    session.flush()


def set_stance(session: Session, evidence_id: int, stance: Stance) -> None:
    """Make a linked study supporting or contradicting."""
    link = fetch(session, Evidence, evidence_id)
    link.stance = Stance(stance).value
    touch(session, link.claim_id)
    session.add(link)
    session.flush()


def flip_stance(session: Session, evidence_id: int) -> Stance:
    """Supporting becomes contradicting and back; returns the new stance."""
    link = fetch(session, Evidence, evidence_id)
    new = Stance.CONTRADICTING if link.stance == Stance.SUPPORTING else Stance.SUPPORTING
    set_stance(session, evidence_id, new)
    return new


def set_note(session: Session, evidence_id: int, note: str) -> None:
    """Change the note on a claim's link to a study."""
    link = fetch(session, Evidence, evidence_id)
    link.note = clean(note)
    touch(session, link.claim_id)
    session.add(link)
    session.flush()
