"""The preview: the claim's Markdown export, rendered (the same text `curator export` writes)."""

from __future__ import annotations

from textual.containers import VerticalScroll


class Preview(VerticalScroll):
    """The exported Markdown, rendered."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""

    def show_markdown(self, text: str) -> None:
        """Show an export (already escaped: curators' text cannot become markup)."""
        if text == self.source:
            return
        self.source = text
        # Textual's Markdown (and its parser) load with the first preview shown, not with
        # the app: ~15 ms of every start-up for a tab that is often never opened.
        from textual.widgets import Markdown

        shown = self.query(Markdown)
        if shown:
            shown.first().update(text)
        else:
            self.mount(Markdown(text, id="preview-markdown", open_links=False))
