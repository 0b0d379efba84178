"""The claim filter's input box."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    """An Input whose typing repaints only itself.

    Textual's Input (8.2) sets its ``virtual_size`` on every keystroke, and that reactive
    asks for a new layout: each letter typed into the filter re-laid out and repainted the
    whole screen (about 12 ms on two cores) while the filter's query waited for the GIL.
    The filter is one line with no scrollbars, so a repaint of itself is enough; the value
    is still kept for the Input's own horizontal scrolling.
    """

    virtual_size = Reactive(Size(0, 0), layout=False)
