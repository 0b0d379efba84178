"""The help screen, generated from the bindings themselves so it can never drift."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import key_to_character
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def binding_groups() -> list[tuple[str, list[BindingType]]]:
    """Every pane's bindings, in the order a curator meets them."""
    from curator_tui.ui.app import CuratorApp
    from curator_tui.ui.screens.main import MainScreen
    from curator_tui.ui.widgets.claim_editor import ClaimEditor
    from curator_tui.ui.widgets.claim_list import ClaimList
    from curator_tui.ui.widgets.evidence import EvidenceList
    from curator_tui.ui.widgets.gold import GoldList
    from curator_tui.ui.widgets.history import HistoryList
    from curator_tui.ui.widgets.item_list import ItemList
    from curator_tui.ui.widgets.mechanisms import MechanismEditor
    from curator_tui.ui.widgets.problems import ProblemList

    return [
        ("Everywhere", list(CuratorApp.BINDINGS)),
        ("Library", list(MainScreen.BINDINGS)),
        ("Claim list", list(ClaimList.BINDINGS)),
        ("Claim pane (1)", list(ClaimEditor.BINDINGS)),
        ("Mechanisms pane (2)", list(MechanismEditor.BINDINGS)),
        ("Evidence pane (3)", list(EvidenceList.BINDINGS)),
        ("Gold-standard pane (4)", list(GoldList.BINDINGS)),
        ("History pane (6)", list(HistoryList.BINDINGS)),
        ("Problems pane (7)", list(ProblemList.BINDINGS)),
        ("Lists in the panes (2, 3, 4, 6)", list(ItemList.BINDINGS)),
    ]


def key_of(binding_id: str, keymap: dict[str, str]) -> str:
    """The key (the first, when it has several) that runs the binding ``binding_id``."""
    for _group, bindings in binding_groups():
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id == binding_id:
                return _key_label(binding, keymap).split(" ")[0]
    raise KeyError(binding_id)


def _key_label(binding: Binding, keymap: dict[str, str]) -> str:
    keys = keymap.get(binding.id or "", binding.key)
    return " ".join(_key_name(k.strip()) for k in keys.split(","))


def _key_name(key: str) -> str:
    """A key as a curator types it: ``!`` for exclamation_mark, ``del`` for delete."""
    names = {"slash": "/", "question_mark": "?", "delete": "del"}
    if key in names:
        return names[key]
    character = key_to_character(key) or ""
    shown = len(character) == 1 and character.isprintable() and not character.isspace()
    return character if shown else key


def help_table(groups: Iterable[tuple[str, list[BindingType]]], keymap: dict[str, str]) -> Group:
    """Key, action and what it does, under a heading per pane.

    One table per pane, their columns as wide as the widest key and action of all: a
    heading in the key column made that column as wide as the longest heading, which left
    the descriptions a few words a line at 80 columns.
    """
    sections = [
        (
            title,
            [
                (_key_label(binding, keymap), binding.description, binding.tooltip or "")
                for binding in bindings
                if isinstance(binding, Binding) and binding.description
            ],
        )
        for title, bindings in groups
    ]
    rows = [row for _, section in sections for row in section]
    key_width = max((len(key) for key, _, _ in rows), default=1)
    action_width = max((len(action) for _, action, _ in rows), default=1)
    parts: list[Text | Table] = []
    for title, section in sections:
        parts.append(Text.assemble(" ", (title, "bold underline")))
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column("Key", style="bold", no_wrap=True, width=key_width)
        table.add_column("Action", no_wrap=True, width=action_width)
        table.add_column("What it does", ratio=1, style="dim")
        for key, action, tip in section:
            table.add_row(Text(key), Text(action), Text(tip))
        parts += [table, Text("")]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Every key, from the bindings. escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap
        self.table = help_table(binding_groups(), keymap)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label(
                "Keys — every action is also in the command palette (ctrl+p)",
                classes="dialog-title",
            )
            yield Static(self.table, id="help-table")
            yield Label(
                "escape closes · keys can be remapped in config.toml (see README)",
                classes="dialog-hint",
            )

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
