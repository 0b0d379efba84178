"""The preview: the claim's Markdown export, rendered (the same text `curator export` writes)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Markdown


class Preview(VerticalScroll):
    """The exported Markdown, rendered."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Markdown("", id="preview-markdown", open_links=False)

    def show_markdown(self, text: str) -> None:
        """Show an export (already escaped: curators' text cannot become markup)."""
        if text != self.source:
            self.source = text
            self.query_one(Markdown).update(text)
