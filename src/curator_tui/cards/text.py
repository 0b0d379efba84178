"""Normalising curators' text: one paragraph per field, no control characters."""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")
# ANSI/OSC escape sequences are removed whole, not just their ESC byte, so that no
# "]52;c;..." residue of a clipboard-writing sequence survives into a card.
_ESCAPE_SEQ = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


# C0 and C1 controls (but tab and newline) and the Unicode line/paragraph separators.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters (keeping tabs and newlines)."""
    if text.isprintable():
        return text  # the common case, checked in C
    if "\x1b" in text:
        text = _ESCAPE_SEQ.sub("", text)
    return _CONTROLS.sub("", text)


def clean(text: str) -> str:
    """Normalise a field to one paragraph: no control characters, single spaces, stripped."""
    if text.isprintable() and "  " not in text:
        # The common case, checked in C: printable text has no whitespace but " " (tabs,
        # line ends and Unicode's other spaces are not printable), and here no run of it.
        return text.strip(" ")
    return _WHITESPACE.sub(" ", strip_controls(text)).strip()


def is_truncated(text: str) -> bool:
    """True when the text was cut off by the page it was copied from ("..." at the end)."""
    return text.endswith(("...", "…"))
