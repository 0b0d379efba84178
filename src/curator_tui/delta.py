"""Compact, exact deltas between two versions of a text (the history's storage).

A delta is a list of operations over the old text's words (runs of non-space, runs of
space): ``[start, end]`` copies old words ``start:end``; a string inserts itself. Words,
not lines: a card's paragraph is one long line, and changing one word of it should not
store the paragraph again. It is stored as compressed JSON, with a
preset dictionary of the card's boilerplate, so a one-line edit of a card costs a few
dozen bytes. Pure functions: no database.
"""

from __future__ import annotations

import difflib
import json
import re
import zlib

# Text that most cards share: zlib finds it here instead of in the (short) delta itself.
_ZDICT = (
    b"## Mechanism\n\n*Synthesis from  studies*\n\n### Most probable mechanism\n\n"
    b"### Alternative mechanisms\n\n## Evidence\n\n### Supporting ()\n\n### Contradicting ()\n\n"
    b'## Gold standard\n\n1. 2. 3. 4. 5. 6. 7. 8. 9. (https://doi.org/10.) [], ", ", '
    b'[0, ], [, "\\n", "- '
)

Op = list[int] | str
_WORD = re.compile(r"\S+|\s+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _compress(data: bytes) -> bytes:
    packer = zlib.compressobj(level=9, zdict=_ZDICT)
    return packer.compress(data) + packer.flush()


def _decompress(blob: bytes) -> bytes:
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    return unpacker.decompress(blob) + unpacker.flush()


def pack_full(text: str) -> bytes:
    """A whole text, compressed."""
    return _compress(text.encode("utf-8"))


def unpack_full(blob: bytes) -> str:
    """The text ``pack_full`` packed."""
    return _decompress(blob).decode("utf-8")


def diff_ops(old: str, new: str) -> list[Op]:
    """The operations that turn ``old`` into ``new``.

    Lines are matched first (fast); only the lines that changed are matched word by word.
    """
    a_lines = old.splitlines(keepends=True)
    b_lines = new.splitlines(keepends=True)
    a_words = [_words(line) for line in a_lines]
    b_words = [_words(line) for line in b_lines]
    offsets = [0]
    for words in a_words:
        offsets.append(offsets[-1] + len(words))
    ops: list[Op] = []
    lines = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            _copy(ops, offsets[i1], offsets[i2])
        elif tag == "insert" or (tag == "replace" and i2 - i1 > 50):
            _insert(ops, "".join(b_lines[j1:j2]))
        elif tag == "replace":
            a = [w for words in a_words[i1:i2] for w in words]
            b = [w for words in b_words[j1:j2] for w in words]
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            for wtag, k1, k2, m1, m2 in matcher.get_opcodes():
                if wtag == "equal":
                    _copy(ops, offsets[i1] + k1, offsets[i1] + k2)
                elif m2 > m1:
                    _insert(ops, "".join(b[m1:m2]))
    return ops


def _copy(ops: list[Op], start: int, end: int) -> None:
    last = ops[-1] if ops else None
    if isinstance(last, list) and last[1] == start:
        last[1] = end
    elif end > start:
        ops.append([start, end])


def _insert(ops: list[Op], text: str) -> None:
    if ops and isinstance(ops[-1], str):
        ops[-1] += text
    elif text:
        ops.append(text)


def apply_ops(old: str, ops: list[Op]) -> str:
    """``new`` from ``old`` and the operations ``diff_ops(old, new)`` gave."""
    a = [word for line in old.splitlines(keepends=True) for word in _words(line)]
    out: list[str] = []
    for op in ops:
        if isinstance(op, str):
            out.append(op)
        else:
            start, end = op
            out.extend(a[start:end])
    return "".join(out)


def pack_delta(old: str, new: str) -> bytes:
    """The delta from ``old`` to ``new``, compressed."""
    return _compress(json.dumps(diff_ops(old, new), separators=(",", ":")).encode("utf-8"))


def unpack_delta(old: str, blob: bytes) -> str:
    """The new text from ``old`` and a packed delta."""
    ops = json.loads(_decompress(blob).decode("utf-8"))
    return apply_ops(old, ops)
