"""The evidence panes: supporting and contradicting studies, counts in their titles."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from curator_tui.cards.model import Stance
from curator_tui.cards.render import study_citation
from curator_tui.cards.text import strip_controls
from curator_tui.services.cards import EvidenceView
from curator_tui.ui.widgets.item_list import ItemList, item


class EvidenceList(ItemList):
    """The studies of one stance."""

    BINDINGS = [
        Binding(
            "a",
            "screen.add_study",
            "Add study",
            tooltip="Link a study by its DOI",
            id="evidence.add",
        ),
        Binding(
            "enter,e",
            "screen.edit_item",
            "Edit",
            tooltip="Edit the study's metadata",
            id="evidence.edit",
        ),
        Binding(
            "s",
            "screen.flip_stance",
            "Flip stance",
            tooltip="Supporting ⇄ contradicting",
            id="evidence.flip",
        ),
        Binding(
            "d,delete",
            "screen.delete_item",
            "Unlink",
            tooltip="Unlink the study from this claim",
            id="evidence.unlink",
        ),
    ]

    def __init__(self, stance: Stance, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stance = stance

    def show_evidence(self, evidence: tuple[EvidenceView, ...] | None) -> None:
        """Show the linked studies of this list's stance."""
        mine = [e for e in evidence or () if e.study.stance is self.stance]
        self.border_title = f"{self.stance.value.capitalize()} ({len(mine)})"
        options = []
        for link in mine:
            study = link.study
            line = Text(
                strip_controls(study.title) or "(untitled: press e to add metadata)", style="bold"
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
        self.show(options)
