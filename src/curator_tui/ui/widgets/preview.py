"""The preview: the claim's Markdown export, rendered (the same text `curator export` writes).

Rendering is done off the UI thread: a thread worker lays the Markdown out into lines at
the pane's width, and the pane only draws the lines on screen (the Line API). Moving
through the list asks for a render per claim; each request is numbered and an answer for
an older one is dropped, so a quick run of keys ends with one render of the last claim
instead of a queue of renders the curator has already moved past.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual import events, on, work
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

# Lines laid out between two checks that the render is still wanted.
CHECK_EVERY = 16


def markdown_lines(
    text: str, width: int, styles: dict[str, Style], wanted: Callable[[], bool]
) -> list[Strip] | None:
    """``text`` laid out as Markdown at ``width`` cells; None once ``wanted()`` is False.

    A pure function of its arguments, safe in any thread (its own Console, no widget).
    """
    # Rich's Markdown (and markdown-it) load with the first preview, not with the app.
    from rich.markdown import Markdown

    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=True,
        color_system="truecolor",
        theme=Theme(styles),
        legacy_windows=False,
    )
    options = console.options.update_width(width)
    lines: list[Strip] = []
    rendered = console.render(Markdown(text, hyperlinks=True), options)
    for line in Segment.split_and_crop_lines(rendered, width, pad=False, include_new_lines=False):
        if len(lines) % CHECK_EVERY == 0 and not wanted():
            return None
        lines.append(Strip(line))
    return lines


class Preview(ScrollView):
    """The exported Markdown, rendered in a worker and drawn line by line."""

    DEFAULT_CSS = """
    Preview {
        /* The width lines are laid out at does not depend on their number. */
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    class Rendered(Message):
        """A render finished (posted by the worker; applied only if still the latest)."""

        def __init__(self, request: int, source: str, width: int, lines: list[Strip]) -> None:
            super().__init__()
            self.request = request
            self.source = source
            self.width = width
            self.lines = lines

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""
        """The text asked for last (what the pane shows once its render lands)."""
        self.shown_source = ""
        """The text whose render is on screen."""
        self.requested = 0
        """Renders asked for (each numbered; only the latest is applied)."""
        self.applied = 0
        """Renders that reached the screen."""
        self._lines: list[Strip] = []
        self._shown: tuple[str, int] = ("", 0)  # (source, width) on screen or on its way
        self._base: Style | None = None

    # --- data in ---------------------------------------------------------------------

    def show_markdown(self, text: str) -> None:
        """Show an export (already escaped: curators' text cannot become markup)."""
        if text == self.source:
            return
        self.source = text
        self._request_render()

    def _request_render(self) -> None:
        """Render ``source`` at the current width, unless it is there or on its way."""
        width = self._layout_width()
        if (self.source, width) == self._shown:
            return
        if not self.source:
            self.requested += 1  # an answer still on its way is for an older text
            self._shown = ("", width)
            self._apply("", [])
            return
        if width <= 0 or not self._is_seen():
            return  # rendered when the pane is shown (on_show) or laid out (on_resize)
        self.requested += 1
        self._shown = (self.source, width)
        self._lay_out(self.requested, self.source, width, self._styles())

    def _layout_width(self) -> int:
        return self.scrollable_content_region.width

    def _is_seen(self) -> bool:
        """On screen: this pane and every container up to the screen are displayed."""
        node: Widget | None = self
        while isinstance(node, Widget):
            if not node.display:
                return False
            parent = node.parent
            node = parent if isinstance(parent, Widget) else None
        return self.is_attached

    def _styles(self) -> dict[str, Style]:
        """The Markdown styles of the app's theme (as Textual's Markdown widget uses them).

        Read here, on the UI thread; the worker gets plain Rich styles.
        """
        variables = self.app.theme_variables

        def colour(name: str) -> Style:
            try:
                return Style(color=Color.parse(variables[name]).rich_color)
            except (KeyError, ColorParseError):
                return Style()  # "auto" colours and the like: the pane's own colour

        def heading(level: int) -> Style:
            text_style = variables.get(f"markdown-h{level}-text-style", "bold")
            try:
                style = Style.parse(text_style)
            except StyleSyntaxError:
                style = Style(bold=True)
            return colour(f"markdown-h{level}-color") + style

        link = colour("link-color") + Style(underline=True)
        styles = {f"markdown.h{level}": heading(level) for level in range(1, 7)}
        styles.update(
            {
                "markdown.item.number": colour("accent"),
                "markdown.item.bullet": colour("accent"),
                "markdown.link": link,
                "markdown.link_url": link,
            }
        )
        return styles

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _lay_out(self, request: int, source: str, width: int, styles: dict[str, Style]) -> None:
        lines = markdown_lines(source, width, styles, lambda: self.requested == request)
        if lines is not None and self.requested == request:
            self.post_message(self.Rendered(request, source, width, lines))

    @on(Rendered)
    def _rendered(self, message: Rendered) -> None:
        message.stop()
        if message.request != self.requested:
            return  # a newer claim (or width) was asked for since: this one is stale
        self._apply(message.source, message.lines)

    def _apply(self, source: str, lines: list[Strip]) -> None:
        if source != self.shown_source:
            self.scroll_home(animate=False)  # another claim: from its top
        self.shown_source = source
        self._lines = lines
        self.applied += 1
        self.virtual_size = Size(self._layout_width(), len(lines))
        self.refresh()

    # --- layout ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self) -> None:
        self._shown = ("", 0)  # laid out in the old theme's colours: lay it out again
        self._request_render()

    def on_resize(self, event: events.Resize) -> None:
        self._request_render()

    def on_show(self, event: events.Show) -> None:
        self._request_render()

    # --- rendering -------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = None  # read once per drawing, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop_extend(0, width, base).apply_style(base)
