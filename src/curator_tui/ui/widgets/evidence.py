"""The evidence panes: supporting and contradicting studies, counts in their titles."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.model import Stance
from curator_tui.cards.render import study_citation
from curator_tui.cards.text import strip_controls
from curator_tui.services import edits
from curator_tui.services.cards import EvidenceView
from curator_tui.ui.widgets.item_list import ItemList, item


def notice_label(link: EvidenceView) -> str:
    """A study's notice as a label: "RETRACTED 2020-05-01", "CORRECTION 2021-03-02"."""
    nature = strip_controls(link.retraction_nature).strip()
    word = "RETRACTED" if nature.casefold() == "retraction" else nature.upper()
    date = strip_controls(link.retraction_date).strip()
    return f"{word} {date}" if date else word


class EvidenceList(ItemList):
    """The studies of one stance."""

    BINDINGS = [
        Binding(
            "a",
            "add_study",
            "Add study",
            tooltip="Link a study by its DOI",
            id="evidence.add",
        ),
        Binding(
            "enter,e",
            "edit_item",
            "Edit",
            tooltip="Edit the study's metadata",
            id="evidence.edit",
        ),
        Binding(
            "s",
            "flip_stance",
            "Flip stance",
            tooltip="Supporting ⇄ contradicting",
            id="evidence.flip",
        ),
        Binding(
            "d,delete",
            "delete_item",
            "Unlink",
            tooltip="Unlink the study from this claim",
            id="evidence.unlink",
        ),
    ]

    COMPONENT_CLASSES = {"evidence--retracted", "evidence--notice"}

    def __init__(self, stance: Stance, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stance = stance

    def show_evidence(
        self,
        claim_id: int | None,
        evidence: tuple[EvidenceView, ...] | None,
        keep: str | None = None,
    ) -> None:
        """Show the linked studies of this list's stance; highlight ``keep`` if it is here."""
        self.claim_id = claim_id
        mine = [e for e in evidence or () if e.study.stance is self.stance]
        self.border_title = f"{self.stance.value.capitalize()} ({len(mine)})"
        options = []
        for link in mine:
            study = link.study
            line = Text()
            title_style: Style | str = "bold"
            if link.retraction_nature:
                title_style = self._notice_style(link.retraction_nature)
                line.append(notice_label(link) + " ", style=title_style)
            line.append(
                strip_controls(study.title) or "(untitled: press e to add metadata)",
                style=title_style,
            )
            citation = study_citation(study)
            if citation:
                line.append("\n" + strip_controls(citation), style="")
            line.append(f"\nhttps://doi.org/{study.doi}", style="underline")
            options.append(item(line, f"evidence:{link.id}"))
        if not options:
            options.append(
                item(Text("None yet: press a to add a study by DOI.", style="italic"), "none:0")
            )
        self.show(options, keep)

    def _notice_style(self, nature: str) -> Style:
        """The theme's error colour for a retraction, its warning colour for other notices."""
        retracted = nature.strip().casefold() == "retraction"
        return self.get_component_rich_style(
            "evidence--retracted" if retracted else "evidence--notice", partial=True
        )

    def _link(self) -> int | None:
        hit = self.highlighted_as("evidence")
        return hit[1] if hit else None

    def action_add_study(self) -> None:
        if self.has_claim():
            self.ask("add_study", stance=self.stance.value)

    def action_edit_item(self) -> None:
        if (link := self._link()) is not None:
            self.ask("edit_study", evidence_id=link)

    def action_flip_stance(self) -> None:
        if (link := self._link()) is not None:
            self.request(edits.FlipStance(link))

    def action_delete_item(self) -> None:
        if (link := self._link()) is not None:
            self.request(edits.UnlinkStudy(link))
