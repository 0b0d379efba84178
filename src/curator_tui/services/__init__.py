"""Services: plain functions that take a Session and do one unit of work. No Textual here."""

from __future__ import annotations

# Registers the hooks that announce each committed write to listening apps (PostgreSQL),
# and the before-commit hook that keeps each claim's stored Markdown fresh.
from curator_tui.services import changes as _changes  # noqa: F401
from curator_tui.services import rendered as _rendered  # noqa: F401
