"""Escaping curators' text for Markdown, so the rendered export shows exactly what was typed."""

from __future__ import annotations

import re

from curator_tui.cards.text import strip_controls

# Characters that start inline syntax anywhere in a line (emphasis, code, links, HTML,
# GFM strikethrough, ATX closing hashes) and the backslash itself.
_INLINE = re.compile(r"([\\`*_\[\]<#~])")
# Entity references like &amp; would render as the character they name.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What makes a line a block (quote, bullet, ordered item, setext/thematic rule) at its start.
_LINE_START = re.compile(r"^([>+=-])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_STARTERS = set(">+=-0123456789")
# Anything escape_inline would change: specials, "&", and control characters.
_NEEDS_WORK = re.compile("[\\\\`*_\\[\\]<#~&\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_inline(text: str) -> str:
    """Escape ``text`` that sits inside a line (not at its start) so it renders literally.

    Control characters and terminal escape sequences are removed: an export must never
    restyle a terminal or write a clipboard (OSC 52) when it is printed.
    """
    if not _NEEDS_WORK.search(text):
        return text  # most text has nothing to escape: one scan in C
    text = strip_controls(text).replace("\n", " ").replace("\t", " ")
    return _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))


def escape_markdown(text: str) -> str:
    """Escape ``text`` (one normalised paragraph) so Markdown renders it literally."""
    out = escape_inline(text)
    if out[:1] in _STARTERS:
        out = _LINE_START.sub(r"\\\1", out)
        out = _ORDERED.sub(r"\1\\\2", out)
    return out
