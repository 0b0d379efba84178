"""Edits as values: what to change, run in one transaction, with their exact inverse.

Every change the app makes to a claim is one of the frozen dataclasses below. ``apply``
runs it inside the caller's transaction and returns an ``Applied``: a one-line summary
(also the history entry's), the item the cursor should follow, and the inverse, itself an
edit. The inverse of a claim edit puts back the claim's rows exactly as they were before
(snapshots.py: same ids and positions), guarded by the version the edit left, so an undo
never overwrites a change made elsewhere since. A study's metadata is shared by claims,
so its edit has an inverse of its own: the old values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col

from curator_tui import study_fields
from curator_tui.cards.model import Stance
from curator_tui.models import (
    Claim,
    Evidence,
    GoldStandardItem,
    Mechanism,
    MechanismStep,
    Study,
)
from curator_tui.services import claims, evidence, gold, history, mechanisms, snapshots
from curator_tui.services.common import fetch
from curator_tui.services.errors import Conflict, NotFound, ServiceError

# Every field of a study record the study dialog edits (services/evidence.py).
STUDY_FIELDS = study_fields.STUDY_FIELDS


@dataclass(frozen=True)
class Applied:
    """What an edit did: its summary, the claim and item it touched, and its inverse."""

    edit: Edit
    claim_id: int | None
    summary: str
    inverse: Edit
    focus: int | None = None
    """The id of the row the cursor should be on afterwards (a step, a study link, ...)."""
    restored: tuple[tuple[int, int, int], ...] = ()
    """For an undo: (claim, the version whose state it brought back, the version now), each.

    Older undo entries expect the claim at that old version; ``retarget`` them."""


class Edit:
    """A change to the library, as a value. ``run`` is called by ``apply`` only."""

    def run(self, session: Session) -> Applied:  # pragma: no cover - every edit overrides it
        raise NotImplementedError

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        """This edit, expecting the claim at version ``new`` where it expected ``old``.

        An undo puts a claim back as it was at version ``old`` but under a new version
        number (versions never go back); older undo entries still mean that state.
        """
        return self


@dataclass(frozen=True)
class Guarded(Edit):
    """An edit made on the claim as the curator saw it, at ``version``.

    Whoever saved the claim since (another app, a script) wins: the edit is refused with
    ``Conflict`` rather than applied over a claim the curator has not seen. The app sends
    every edit this way, with the version of the claim it shows; ``apply`` checks it.
    """

    edit: Edit
    claim_id: int
    version: int

    def run(self, session: Session) -> Applied:
        return self.edit.run(session)

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        inner = self.edit.retarget(claim_id, old, new)
        version = new if claim_id == self.claim_id and self.version == old else self.version
        return Guarded(inner, self.claim_id, version)


def apply(session: Session, edit: Edit) -> Applied:
    """Run an edit in the caller's transaction; the history records it at commit."""
    if isinstance(edit, Guarded):
        # The check comes first: it also takes the lock that keeps it true until commit.
        claims.expect_version(session, edit.claim_id, edit.version)
        return apply(session, edit.edit)
    applied = edit.run(session)
    # A deletion is recorded by the service itself, with the text it deleted.
    if applied.claim_id is not None and not isinstance(edit, DeleteClaim):
        history.note(session, applied.claim_id, applied.summary, _kind(edit))
    session.flush()
    return applied


def _kind(edit: Edit) -> str:
    if isinstance(edit, CreateClaim):
        return "created"
    if isinstance(edit, (RestoreRevision, RestoreClaim, Revived)):
        return "restored"
    return "edited"


def _mechanism_name(rank: int) -> str:
    return "the most probable mechanism" if rank == 0 else f"alternative mechanism {rank}"


def _claim_edit(
    edit: Edit,
    session: Session,
    claim_id: int,
    summary: str,
    run: Callable[[], Any],
    focus: int | Callable[[Any], int] | None = None,
) -> Applied:
    """Snapshot the claim, run the change, and return it with the snapshot as inverse.

    ``focus``: the row the cursor should follow, or a function of what ``run`` returned.
    """
    before = snapshots.take(session, claim_id)
    if before is None:
        raise NotFound(f"claim {claim_id} does not exist")
    result = run()
    after = snapshots.version_of(session, claim_id)
    inverse = RestoreClaim(before, expected_version=after, summary=f"undid: {summary}")
    item = focus(result) if callable(focus) else focus
    return Applied(edit, claim_id, summary, inverse, item)


# --- claims -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateClaim(Edit):
    statement: str
    synthesis: str = ""

    def run(self, session: Session) -> Applied:
        claim_id = claims.create_claim(session, self.statement, self.synthesis)
        inverse = DeleteClaim(claim_id, expected_version=snapshots.version_of(session, claim_id))
        return Applied(self, claim_id, "created the claim", inverse, claim_id)


@dataclass(frozen=True)
class EditClaim(Edit):
    """New statement and/or synthesis; ``expected_version`` guards a long edit."""

    claim_id: int
    statement: str | None = None
    synthesis: str | None = None
    expected_version: int | None = None

    def run(self, session: Session) -> Applied:
        parts = [
            name
            for name, value in (("statement", self.statement), ("synthesis", self.synthesis))
            if value is not None
        ]
        summary = f"edited the {' and the '.join(parts) or 'claim'}"
        return _claim_edit(
            self,
            session,
            self.claim_id,
            summary,
            lambda: claims.update_claim(
                session,
                self.claim_id,
                statement=self.statement,
                synthesis=self.synthesis,
                expected_version=self.expected_version,
            ),
            self.claim_id,
        )


@dataclass(frozen=True)
class DeleteClaim(Edit):
    claim_id: int
    expected_version: int | None = None

    def run(self, session: Session) -> Applied:
        if self.expected_version is not None:
            claims.expect_version(session, self.claim_id, self.expected_version)
        before = snapshots.take(session, self.claim_id)
        if before is None:
            raise NotFound(f"claim {self.claim_id} does not exist")
        claims.delete_claim(session, self.claim_id)
        return Applied(
            self,
            self.claim_id,
            "deleted the claim",
            RestoreClaim(before, expected_version=None, summary="undid: deleted the claim"),
            None,
        )

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        if claim_id == self.claim_id and self.expected_version == old:
            return replace(self, expected_version=new)
        return self


@dataclass(frozen=True)
class RestoreClaim(Edit):
    """Put a claim back exactly as a snapshot has it (the inverse of every claim edit)."""

    snapshot: snapshots.ClaimSnapshot
    expected_version: int | None
    summary: str = "restored the claim"

    def run(self, session: Session) -> Applied:
        claim_id = self.snapshot.claim_id
        before = snapshots.take(session, claim_id)
        after = snapshots.put(session, self.snapshot, self.expected_version)
        inverse: Edit
        if before is None:
            inverse = DeleteClaim(claim_id, expected_version=after)
        else:
            inverse = RestoreClaim(before, expected_version=after, summary=f"redid: {self.summary}")
        restored = ((claim_id, self.snapshot.version, after),)
        return Applied(self, claim_id, self.summary, inverse, claim_id, restored)

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        if claim_id == self.snapshot.claim_id and self.expected_version == old:
            return replace(self, expected_version=new)
        return self


@dataclass(frozen=True)
class RestoreRevision(Edit):
    """Make a claim (also a deleted one, with its id) what it was at a history revision."""

    claim_id: int
    revision: int

    def run(self, session: Session) -> Applied:
        from curator_tui.cards.parse import parse_card
        from curator_tui.services.card_studies import StudyDisagreement
        from curator_tui.services.cards import replace_from_card

        text = history.text_at(session, self.claim_id, self.revision)
        card = parse_card(text, f"claim {self.claim_id} revision {self.revision}").card
        before = snapshots.take(session, self.claim_id)
        if before is None:
            session.add(Claim(id=self.claim_id, statement=card.statement))
            session.flush()
        # A study record other claims cite stays the library's, as on import: changing it
        # here would change those claims too (its own edit does that, with its own undo).
        kept: list[StudyDisagreement] = []
        replace_from_card(session, self.claim_id, card, overwrite_shared=False, disagreements=kept)
        after = snapshots.version_of(session, self.claim_id)
        summary = f"restored revision {self.revision}"
        if kept:
            dois = ", ".join(sorted({k.doi for k in kept}))
            summary += f" (kept the library's record of {dois}, which other claims cite)"
        inverse: Edit = (
            DeleteClaim(self.claim_id, expected_version=after)
            if before is None
            else RestoreClaim(before, expected_version=after, summary=f"undid: {summary}")
        )
        return Applied(self, self.claim_id, summary, inverse, self.claim_id)


@dataclass(frozen=True)
class Revived(Edit):
    """Bring back a claim deleted elsewhere, as its deletion left it, then apply ``edit`` to it.

    What a curator's save of a claim someone else deleted meanwhile turns into when they
    choose to keep the claim: their text is saved, in the claim, under its own id. Undone,
    the claim is deleted again.
    """

    claim_id: int
    revision: int
    edit: Edit

    def run(self, session: Session) -> Applied:
        RestoreRevision(self.claim_id, self.revision).run(session)
        applied = self.edit.run(session)
        after = snapshots.version_of(session, self.claim_id)
        summary = f"brought the deleted claim back and {applied.summary}"
        inverse = DeleteClaim(self.claim_id, expected_version=after)
        return Applied(self, self.claim_id, summary, inverse, applied.focus)


# --- mechanisms and steps -----------------------------------------------------------------


@dataclass(frozen=True)
class AddMechanism(Edit):
    claim_id: int
    summary: str = ""
    rank: int | None = None

    def run(self, session: Session) -> Applied:
        return _claim_edit(
            self,
            session,
            self.claim_id,
            "added an alternative mechanism",
            lambda: mechanisms.add_mechanism(session, self.claim_id, self.summary, self.rank),
            lambda new_id: new_id,
        )


@dataclass(frozen=True)
class EditMechanism(Edit):
    mechanism_id: int
    summary: str

    def run(self, session: Session) -> Applied:
        mechanism = fetch(session, Mechanism, self.mechanism_id)
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"edited the summary of {_mechanism_name(mechanism.rank)}",
            lambda: mechanisms.update_mechanism(session, self.mechanism_id, self.summary),
            self.mechanism_id,
        )


@dataclass(frozen=True)
class DeleteMechanism(Edit):
    mechanism_id: int

    def run(self, session: Session) -> Applied:
        mechanism = fetch(session, Mechanism, self.mechanism_id)
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"deleted {_mechanism_name(mechanism.rank)}",
            lambda: mechanisms.delete_mechanism(session, self.mechanism_id),
        )


@dataclass(frozen=True)
class MoveMechanism(Edit):
    mechanism_id: int
    offset: int

    def run(self, session: Session) -> Applied:
        mechanism = fetch(session, Mechanism, self.mechanism_id)
        rank = mechanism.rank
        direction = "up" if self.offset < 0 else "down"
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"moved {_mechanism_name(rank)} {direction}",
            lambda: mechanisms.move_mechanism(session, self.mechanism_id, self.offset),
            self.mechanism_id,
        )


@dataclass(frozen=True)
class PromoteMechanism(Edit):
    mechanism_id: int

    def run(self, session: Session) -> Applied:
        mechanism = fetch(session, Mechanism, self.mechanism_id)
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"made {_mechanism_name(mechanism.rank)} the most probable",
            lambda: mechanisms.promote_mechanism(session, self.mechanism_id),
            self.mechanism_id,
        )


def _step_context(session: Session, step_id: int) -> tuple[MechanismStep, Mechanism]:
    step = fetch(session, MechanismStep, step_id)
    return step, fetch(session, Mechanism, step.mechanism_id)


@dataclass(frozen=True)
class AddStep(Edit):
    mechanism_id: int
    text: str
    position: int | None = None

    def run(self, session: Session) -> Applied:
        mechanism = fetch(session, Mechanism, self.mechanism_id)
        count = len(
            session.execute(
                sa_select(col(MechanismStep.id)).where(
                    col(MechanismStep.mechanism_id) == self.mechanism_id
                )
            ).all()
        )
        number = count + 1 if self.position is None else max(0, min(self.position, count)) + 1
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"added step {number} of {_mechanism_name(mechanism.rank)}",
            lambda: mechanisms.add_step(session, self.mechanism_id, self.text, self.position),
            lambda new_id: new_id,
        )


@dataclass(frozen=True)
class EditStep(Edit):
    step_id: int
    text: str

    def run(self, session: Session) -> Applied:
        step, mechanism = _step_context(session, self.step_id)
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"edited step {step.position + 1} of {_mechanism_name(mechanism.rank)}",
            lambda: mechanisms.edit_step(session, self.step_id, self.text),
            self.step_id,
        )


@dataclass(frozen=True)
class DeleteStep(Edit):
    step_id: int

    def run(self, session: Session) -> Applied:
        step, mechanism = _step_context(session, self.step_id)
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"deleted step {step.position + 1} of {_mechanism_name(mechanism.rank)}",
            lambda: mechanisms.delete_step(session, self.step_id),
        )


@dataclass(frozen=True)
class MoveStep(Edit):
    step_id: int
    offset: int

    def run(self, session: Session) -> Applied:
        step, mechanism = _step_context(session, self.step_id)
        direction = "up" if self.offset < 0 else "down"
        return _claim_edit(
            self,
            session,
            mechanism.claim_id,
            f"moved step {step.position + 1} of {_mechanism_name(mechanism.rank)} {direction}",
            lambda: mechanisms.move_step(session, self.step_id, self.offset),
            self.step_id,
        )


# --- evidence and studies -----------------------------------------------------------------


@dataclass(frozen=True)
class LinkStudy(Edit):
    """Link a study by DOI (created with ``record`` when new)."""

    claim_id: int
    doi: str
    stance: Stance = Stance.SUPPORTING
    record: tuple[tuple[str, Any], ...] = field(default=())

    def run(self, session: Session) -> Applied:
        normalised = evidence.doi_or_error(self.doi)
        existed = session.execute(
            sa_select(col(Study.id)).where(col(Study.doi) == normalised)
        ).first()

        def link() -> int:
            if existed is None and self.record:
                evidence.get_or_create_study(session, normalised, **dict(self.record))
            return evidence.link_study(session, self.claim_id, normalised, self.stance)

        applied = _claim_edit(
            self,
            session,
            self.claim_id,
            f"linked the study {normalised} ({self.stance})",
            link,
            lambda new_id: new_id,
        )
        inverse = applied.inverse
        if existed is None and isinstance(inverse, RestoreClaim):
            study_id = session.execute(
                sa_select(col(Study.id)).where(col(Study.doi) == normalised)
            ).scalar_one()
            inverse = _WithStudyRemoved(inverse, study_id)
        return Applied(self, applied.claim_id, applied.summary, inverse, applied.focus)


@dataclass(frozen=True)
class _WithStudyRemoved(Edit):
    """Undo a link that created its study: restore the claim, then remove the new study."""

    restore: RestoreClaim
    study_id: int

    def run(self, session: Session) -> Applied:
        applied = self.restore.run(session)
        _remove_if_uncited(session, self.study_id)
        return Applied(
            self,
            applied.claim_id,
            applied.summary,
            applied.inverse,
            applied.focus,
            applied.restored,
        )

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        restore = self.restore.retarget(claim_id, old, new)
        assert isinstance(restore, RestoreClaim)
        return replace(self, restore=restore)


@dataclass(frozen=True)
class LinkStudies(Edit):
    """Link several studies at once (a paste of DOIs), each created with its record when new.

    ``studies``: (DOI, record) pairs, in order. One transaction, one history entry, one
    inverse: the claim restored and the studies it created removed.
    """

    claim_id: int
    studies: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
    stance: Stance = Stance.SUPPORTING

    def run(self, session: Session) -> Applied:
        wanted = [(evidence.doi_or_error(doi), record) for doi, record in self.studies]
        dois = list(dict.fromkeys(doi for doi, _ in wanted))
        if not dois:
            raise ServiceError("no DOI to link")
        existed = set(
            session.execute(sa_select(col(Study.doi)).where(col(Study.doi).in_(dois))).scalars()
        )

        def link() -> int:
            first = 0
            done: set[str] = set()
            for doi, record in wanted:
                if doi in done:
                    continue
                done.add(doi)
                if doi not in existed and record:
                    evidence.get_or_create_study(session, doi, **dict(record))
                link_id = evidence.link_study(session, self.claim_id, doi, self.stance)
                first = first or link_id
            return first

        several = f"{len(dois)} studies ({', '.join(dois)})"
        shown = f"the study {dois[0]}" if len(dois) == 1 else several
        applied = _claim_edit(
            self,
            session,
            self.claim_id,
            f"linked {shown} ({self.stance})",
            link,
            lambda first: first,
        )
        inverse = applied.inverse
        created = [doi for doi in dois if doi not in existed]
        if created and isinstance(inverse, RestoreClaim):
            ids = tuple(
                session.execute(
                    sa_select(col(Study.id)).where(col(Study.doi).in_(created))
                ).scalars()
            )
            inverse = _WithStudiesRemoved(inverse, ids)
        return Applied(self, applied.claim_id, applied.summary, inverse, applied.focus)


@dataclass(frozen=True)
class _WithStudiesRemoved(Edit):
    """Undo links that created studies: restore the claim, then remove the new studies."""

    restore: RestoreClaim
    study_ids: tuple[int, ...]

    def run(self, session: Session) -> Applied:
        applied = self.restore.run(session)
        for study_id in self.study_ids:
            _remove_if_uncited(session, study_id)
        return Applied(
            self,
            applied.claim_id,
            applied.summary,
            applied.inverse,
            applied.focus,
            applied.restored,
        )

    def retarget(self, claim_id: int, old: int, new: int) -> Edit:
        restore = self.restore.retarget(claim_id, old, new)
        assert isinstance(restore, RestoreClaim)
        return replace(self, restore=restore)


def _remove_if_uncited(session: Session, study_id: int) -> None:
    """Remove a study no claim cites any more (one an undone link created)."""
    cited = session.execute(
        sa_select(col(Evidence.id)).where(col(Evidence.study_id) == study_id)
    ).first()
    if cited is None:
        study = session.get(Study, study_id)
        if study is not None:
            session.delete(study)
            session.flush()


def _link_context(session: Session, evidence_id: int) -> tuple[Evidence, Study]:
    link = fetch(session, Evidence, evidence_id)
    return link, fetch(session, Study, link.study_id)


@dataclass(frozen=True)
class UnlinkStudy(Edit):
    evidence_id: int

    def run(self, session: Session) -> Applied:
        link, study = _link_context(session, self.evidence_id)
        return _claim_edit(
            self,
            session,
            link.claim_id,
            f"unlinked the study {study.doi}",
            lambda: evidence.unlink_study(session, self.evidence_id),
        )


@dataclass(frozen=True)
class FlipStance(Edit):
    evidence_id: int

    def run(self, session: Session) -> Applied:
        link, study = _link_context(session, self.evidence_id)
        new = Stance.CONTRADICTING if link.stance == Stance.SUPPORTING else Stance.SUPPORTING
        return _claim_edit(
            self,
            session,
            link.claim_id,
            f"made the study {study.doi} {new}",
            lambda: evidence.set_stance(session, self.evidence_id, new),
            self.evidence_id,
        )


@dataclass(frozen=True)
class SetNote(Edit):
    evidence_id: int
    note: str

    def run(self, session: Session) -> Applied:
        link, study = _link_context(session, self.evidence_id)
        return _claim_edit(
            self,
            session,
            link.claim_id,
            f"edited the note on the study {study.doi}",
            lambda: evidence.set_note(session, self.evidence_id, self.note),
            self.evidence_id,
        )


@dataclass(frozen=True)
class EditStudy(Edit):
    """New metadata for a study (every claim citing it changes); ``claim_id`` for the cursor.

    ``undoes``: set on an inverse, the citing claims' versions before the edit it undoes.
    ``expected``: the values of the changed fields as the curator saw them. A study record
    is shared by claims, so its own values are what a save must not overwrite unseen:
    one that changed elsewhere since is a ``Conflict``.
    """

    study_id: int
    values: tuple[tuple[str, Any], ...]
    claim_id: int | None = None
    undoes: tuple[tuple[int, int], ...] = ()
    expected: tuple[tuple[str, Any], ...] | None = None

    def run(self, session: Session) -> Applied:
        study = _locked_study(session, self.study_id)
        unknown = [name for name, _ in self.values if name not in STUDY_FIELDS]
        if unknown:
            raise ServiceError(f"a study has no field {unknown[0]!r}")
        for name, seen in self.expected or ():
            if _shown(getattr(study, name)) != _shown(seen):
                raise Conflict(
                    f"the {name} of the study {study.doi} was changed elsewhere since you"
                    f" opened it (it is now {_shown(getattr(study, name))!r})"
                )
        old = tuple((name, getattr(study, name)) for name, _ in self.values)
        doi = study.doi
        citing = list(
            session.execute(
                sa_select(col(Evidence.claim_id)).where(col(Evidence.study_id) == self.study_id)
            ).scalars()
        )
        before = {claim_id: snapshots.version_of(session, claim_id) for claim_id in citing}
        evidence.update_study(session, self.study_id, **dict(self.values))
        summary = f"edited the record of the study {doi}"
        for claim_id in citing:
            history.note(session, claim_id, summary)
        # The claims' own rows did not change: an undo brings back the versions' states.
        restored = tuple(
            (claim_id, version, snapshots.version_of(session, claim_id) or 0)
            for claim_id, version in self.undoes
        )
        undoes = tuple((c, v) for c, v in before.items() if v is not None)
        # The undo carries no value guard: other inverses that touch a shared record (a
        # restored revision's, a deleted claim's) do not always bring its values back
        # exactly, and an undo that then refused would leave the session's undo stuck.
        inverse = EditStudy(self.study_id, old, self.claim_id, undoes)
        return Applied(self, self.claim_id, summary, inverse, None, restored)


def _shown(value: Any) -> str:
    """A study field as the dialog shows it (no value: empty)."""
    return "" if value is None else str(value)


def _locked_study(session: Session, study_id: int) -> Study:
    """The study's row, held until commit, so two saves of it run one after the other.

    As ``claims.expect_version`` does for a claim: a write that changes nothing takes the
    row lock on PostgreSQL and the library's write lock on SQLite before the row is read,
    so the second save compares its ``expected`` values with what the first stored.
    """
    session.connection().execute(
        update(Study).where(col(Study.id) == study_id).values(doi=col(Study.doi))
    )
    return fetch(session, Study, study_id)


# --- gold standard ------------------------------------------------------------------------


@dataclass(frozen=True)
class AddGold(Edit):
    claim_id: int
    design: str
    description: str = ""
    position: int | None = None

    def run(self, session: Session) -> Applied:
        return _claim_edit(
            self,
            session,
            self.claim_id,
            f"added the study design {self.design.strip()}",
            lambda: gold.add_gold(
                session, self.claim_id, self.design, self.description, self.position
            ),
            lambda new_id: new_id,
        )


def _gold_item(session: Session, item_id: int) -> GoldStandardItem:
    return fetch(session, GoldStandardItem, item_id)


@dataclass(frozen=True)
class EditGold(Edit):
    item_id: int
    design: str
    description: str = ""

    def run(self, session: Session) -> Applied:
        item = _gold_item(session, self.item_id)
        return _claim_edit(
            self,
            session,
            item.claim_id,
            f"edited study design {item.position + 1}",
            lambda: gold.edit_gold(session, self.item_id, self.design, self.description),
            self.item_id,
        )


@dataclass(frozen=True)
class DeleteGold(Edit):
    item_id: int

    def run(self, session: Session) -> Applied:
        item = _gold_item(session, self.item_id)
        return _claim_edit(
            self,
            session,
            item.claim_id,
            f"deleted study design {item.position + 1}",
            lambda: gold.delete_gold(session, self.item_id),
        )


@dataclass(frozen=True)
class MoveGold(Edit):
    item_id: int
    offset: int

    def run(self, session: Session) -> Applied:
        item = _gold_item(session, self.item_id)
        direction = "up" if self.offset < 0 else "down"
        return _claim_edit(
            self,
            session,
            item.claim_id,
            f"moved study design {item.position + 1} {direction}",
            lambda: gold.move_gold(session, self.item_id, self.offset),
            self.item_id,
        )
