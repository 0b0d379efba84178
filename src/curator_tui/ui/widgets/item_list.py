"""An OptionList of a claim's parts (steps, studies, designs) that keeps its place on refresh.

The cursor never wraps (k on the first row stays there); ``g``/``G`` go to the first and
last row. A pane reports what the curator wants with messages (``request`` an edit,
``ask`` for a dialog); it never calls the screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from curator_tui.services.edits import Edit
from curator_tui.ui.drafts import Origin
from curator_tui.ui.messages import DialogRequested, EditRequested


class Hanging:
    """A head (a step's number) and a body whose wrapped lines are indented under the body.

    Literal text only: both parts are ``Text``, never markup.
    """

    def __init__(self, head: Text, body: Text) -> None:
        self.head = head
        self.body = body

    def __str__(self) -> str:
        return self.head.plain + self.body.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.head.cell_len
        width = max(1, options.max_width - indent)
        lines = self.body.wrap(console, width, overflow="fold") or [Text("")]
        pad = Text(" " * indent)
        for number, line in enumerate(lines):
            row = (self.head if number == 0 else pad).copy()
            row.append_text(line)
            yield from row.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.head.cell_len + self.body.cell_len
        return Measurement(min(width, self.head.cell_len + 1), width)


def item(prompt: Text | Hanging | str, key: str, *, style: str = "") -> Option:
    """An option whose prompt is literal text (never markup) and whose id is ``key``."""
    text = prompt if isinstance(prompt, (Text, Hanging)) else Text(prompt, style=style)
    return Option(text, id=key)


class ItemList(OptionList):
    """Options keyed ``kind:id``; ``show`` rebuilds them and keeps the highlight."""

    BINDINGS = [
        Binding("k", "cursor_up", "Up", show=False, tooltip="Previous line", id="items.up"),
        Binding("j", "cursor_down", "Down", show=False, tooltip="Next line", id="items.down"),
        Binding("home,g", "jump(0)", "First", show=False, tooltip="First line", id="items.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, tooltip="Last line", id="items.last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.claim_id: int | None = None

    def show(self, options: list[Option], keep: str | None = None) -> None:
        """Replace the options; highlight ``keep`` (or the previous key, or the same index)."""
        previous = self.highlighted_key
        index = self.highlighted
        self.set_options(options)
        ids = [o.id for o in options]
        for target in (keep, previous):
            if target in ids:
                self.highlighted = ids.index(target)
                return
        if options:
            self.highlighted = min(index or 0, len(options) - 1)

    def has_key(self, key: str | None) -> bool:
        """Whether one of the options is ``key``."""
        return key is not None and any(o.id == key for o in self.options)

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

    # --- moving: never past either end --------------------------------------------------

    def action_cursor_up(self) -> None:
        if self.option_count:
            self.highlighted = max(0, (self.highlighted or 0) - 1)

    def action_cursor_down(self) -> None:
        if self.option_count:
            current = -1 if self.highlighted is None else self.highlighted
            self.highlighted = min(self.option_count - 1, current + 1)

    def action_jump(self, where: int) -> None:
        if self.option_count:
            self.highlighted = self.option_count - 1 if where < 0 else 0

    # --- what the curator wants, reported upward ---------------------------------------

    def has_claim(self) -> bool:
        """Whether a claim is shown; says how to get one when not."""
        if self.claim_id is None:
            self.notify("Select a claim first (or press n to create one).", severity="warning")
        return self.claim_id is not None

    def request(self, edit: Edit, confirm: str | None = None) -> None:
        """Ask for an edit (``confirm``: a question to ask first)."""
        self.post_message(EditRequested(edit, confirm))

    def ask(self, action: str, **args: Any) -> None:
        """Ask for a dialog (named as a draft's origin names it) for this claim."""
        if self.claim_id is not None:
            self.post_message(DialogRequested(Origin(action, self.claim_id, dict(args))))


def can_move(ids: Iterable[int], ident: int, offset: int) -> bool:
    """Whether ``ident`` can move by ``offset`` among ``ids`` (not past either end)."""
    order = list(ids)
    if ident not in order:
        return False
    return 0 <= order.index(ident) + offset < len(order)
