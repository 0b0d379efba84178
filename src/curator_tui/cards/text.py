"""Normalising curators' text: one paragraph per field, no control characters."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# ANSI/OSC escape sequences are removed whole, not just their ESC byte, so that no
# "]52;c;..." residue of a clipboard-writing sequence survives into a card.
_ESCAPE_SEQ = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters (keeping tabs and newlines)."""
    text = _ESCAPE_SEQ.sub("", text)
    return "".join(
        ch
        for ch in text
        if ch in "\t\n" or not (unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029\u0085")
    )


def clean(text: str) -> str:
    """Normalise a field to one paragraph: no control characters, single spaces, stripped."""
    return _WHITESPACE.sub(" ", strip_controls(text)).strip()


def is_truncated(text: str) -> bool:
    """True when the text was cut off by the page it was copied from ("..." at the end)."""
    return text.endswith(("...", "…"))
