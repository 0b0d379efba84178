"""An OptionList of a claim's parts (steps, studies, designs) that keeps its place on refresh."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option


def item(prompt: Text | str, key: str, *, style: str = "") -> Option:
    """An option whose prompt is literal text (never markup) and whose id is ``key``."""
    text = prompt if isinstance(prompt, Text) else Text(prompt, style=style)
    return Option(text, id=key)


class ItemList(OptionList):
    """Options keyed ``kind:id``; ``show`` rebuilds them and keeps the highlight."""

    BINDINGS = [
        Binding("k", "cursor_up", "Up", show=False),
        Binding("j", "cursor_down", "Down", show=False),
    ]

    def show(self, options: list[Option], keep: str | None = None) -> None:
        """Replace the options; highlight ``keep`` (or the previous key, or the same index)."""
        previous = self.highlighted_key
        index = self.highlighted
        self.set_options(options)
        target = keep or previous
        ids = [o.id for o in options]
        if target in ids:
            self.highlighted = ids.index(target)
        elif options:
            self.highlighted = min(index or 0, len(options) - 1)

    @property
    def highlighted_key(self) -> str | None:
        """The id of the highlighted option (``kind:id``)."""
        option = self.highlighted_option
        return option.id if option is not None else None

    def highlighted_as(self, *kinds: str) -> tuple[str, int] | None:
        """(kind, id) of the highlighted option when it is one of ``kinds``."""
        key = self.highlighted_key
        if key is None:
            return None
        kind, _, ident = key.partition(":")
        if kind in kinds and ident.isdigit():
            return kind, int(ident)
        return None
