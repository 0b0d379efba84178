"""The main screen's keys: one binding per action, with its id, description and tooltip.

Help (``?``) and the palette are derived from these; users remap them by id in config.toml.
"""

from __future__ import annotations

from textual.binding import Binding


def _tab(key: str, tab: str, title: str, tooltip: str) -> Binding:
    return Binding(key, f"tab('{tab}')", title, show=False, tooltip=tooltip, id=f"tabs.{tab}")


# Where the focus goes when a pane is shown.
TAB_FOCUS = {
    "claim": "#statement",
    "mechanisms": "#mechanism-editor",
    "evidence": "#supporting",
    "gold": "#gold-list",
    "preview": "#preview-pane",
    "history": "#history-list",
    "problems": "#problems-list",
}


MAIN_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("n", "new_claim", "New", tooltip="Create a claim", id="claims.new"),
    Binding(
        "slash", "filter", "Filter", tooltip="Filter the claims as you type", id="claims.filter"
    ),
    Binding(
        "o",
        "cycle_sort",
        "Sort",
        tooltip="Sort by statement, last update or id",
        id="claims.sort",
    ),
    Binding(
        "c",
        "copy",
        "Copy",
        tooltip="Copy the claim's Markdown to the clipboard",
        id="claim.copy",
    ),
    Binding(
        "x",
        "export",
        "Export",
        tooltip="Export the claim's Markdown to a file",
        id="claim.export",
    ),
    Binding("i", "import", "Import", tooltip="Import card files or a folder", id="claims.import"),
    Binding(
        "D",
        "delete_claim",
        "Delete claim",
        tooltip="Delete the claim (ctrl+z undoes)",
        id="claims.delete",
        show=False,
    ),
    _tab("1", "claim", "Claim", "Statement and synthesis"),
    _tab("2", "mechanisms", "Mechanisms", "Mechanisms and steps"),
    _tab("3", "evidence", "Evidence", "Supporting and contradicting studies"),
    _tab("4", "gold", "Gold standard", "Ideal study designs"),
    _tab("5", "preview", "Preview", "The Markdown export"),
    _tab("6", "history", "History", "Every change to the claim, its diff, restore"),
    _tab("7", "problems", "Problems", "What the curation check finds; enter goes to the part"),
    Binding(
        "exclamation_mark",
        "check_claim",
        "Check this claim",
        tooltip="Run the curation check on this claim and list its problems",
        id="claim.check",
        show=False,
    ),
    Binding(
        "escape", "back", "Back", show=False, tooltip="Back to the claim list", id="claims.back"
    ),
]
