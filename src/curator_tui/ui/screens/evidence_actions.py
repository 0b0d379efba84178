"""Evidence actions: link a study by DOI, edit its metadata, flip its stance, unlink it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from curator_tui.cards.model import Stance
from curator_tui.services import evidence as evidence_service
from curator_tui.services.cards import ClaimDetail
from curator_tui.ui.drafts import Origin
from curator_tui.ui.screens.checks import doi_problem, study_problem
from curator_tui.ui.screens.dialogs import (
    PromptDialog,
    StudyDialog,
    StudyFields,
)
from curator_tui.ui.screens.editing import EditingScreen, Outcome
from curator_tui.ui.screens.undo_steps import call
from curator_tui.ui.widgets.evidence import EvidenceList
from curator_tui.ui.widgets.item_list import ItemList
from curator_tui.undo import UndoEntry


class EvidenceActions(EditingScreen):
    """Evidence actions: link a study by DOI, edit its metadata, flip its stance, unlink it."""

    # evidence

    def action_add_study(self) -> None:
        if (detail := self._need_claim()) is None:
            return
        focused = self.focused
        stance = focused.stance if isinstance(focused, EvidenceList) else Stance.SUPPORTING
        self.open_add_study(detail.id, stance)

    def open_add_study(
        self, claim_id: int, stance: Stance, draft: dict[str, str] | None = None
    ) -> None:
        """The prompt for a DOI to link as a supporting or contradicting study."""

        def link(doi: str) -> None:
            def operation(session: Session) -> Outcome:
                evidence_id = evidence_service.link_study(session, claim_id, doi, stance)
                undo = UndoEntry("add study", call(evidence_service.unlink_study, evidence_id))
                return undo, f"evidence:{evidence_id}"

            self.edit(operation)

        self.app.push_screen(
            PromptDialog(
                f"Add a {stance.value} study by DOI",
                placeholder="10.1080/02640414.2024.2321021 or https://doi.org/…",
                validate=doi_problem,
                on_save=link,
                draft=draft,
                origin=Origin("add_study", claim_id, {"stance": stance.value}),
            )
        )

    def _evidence_at(self, target: ItemList, detail: ClaimDetail) -> Any:
        hit = target.highlighted_as("evidence")
        if hit is None:
            return None
        return next((e for e in detail.evidence if e.id == hit[1]), None)

    def action_flip_stance(self) -> None:
        target = self._focused_list()
        if (detail := self._need_claim()) is None or target is None:
            return
        if (link := self._evidence_at(target, detail)) is None:
            return

        def operation(session: Session) -> Outcome:
            new = evidence_service.flip_stance(session, link.id)
            undo = UndoEntry("flip stance", call(evidence_service.flip_stance, link.id))
            self.app.call_from_thread(
                self.notify, f"{link.study.doi} is now {new.value}.", markup=False
            )
            return undo, None

        self.edit(operation)

    def _unlink_study(self, detail: ClaimDetail, target: ItemList) -> None:
        if (link := self._evidence_at(target, detail)) is None:
            return
        study = link.study

        def operation(session: Session) -> Outcome:
            evidence_service.unlink_study(session, link.id)
            undo = UndoEntry(
                "unlink study",
                call(evidence_service.link_study, detail.id, study.doi, study.stance, study.note),
            )
            return undo, None

        self.edit(operation)

    def _edit_study(self, detail: ClaimDetail, target: ItemList) -> None:
        if (link := self._evidence_at(target, detail)) is None:
            return
        self.open_edit_study(detail, link.id)

    def open_edit_study(
        self, detail: ClaimDetail, evidence_id: int, draft: dict[str, str] | None = None
    ) -> None:
        """The study-metadata form for one of the claim's studies."""
        link = next((e for e in detail.evidence if e.id == evidence_id), None)
        if link is None:
            self.notify("That study is no longer linked to the claim.", severity="warning")
            return
        study = link.study
        old = {name: getattr(study, name) for name in evidence_service.STUDY_FIELDS}

        def save(fields: StudyFields) -> None:
            def operation(session: Session) -> Outcome:
                evidence_service.update_study(session, link.study_id, **fields.values)
                undo = UndoEntry(
                    "edit study", call(evidence_service.update_study, link.study_id, **old)
                )
                return undo, None

            self.edit(operation)

        self.app.push_screen(
            StudyDialog(
                study,
                validate=study_problem,
                on_save=save,
                draft=draft,
                origin=Origin("edit_study", detail.id, {"evidence_id": evidence_id}),
            )
        )
