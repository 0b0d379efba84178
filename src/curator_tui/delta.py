"""Compact, exact deltas between two versions of a text (the history's storage).

A delta is a list of operations over the old text's tokens: ``[start, end]`` copies old
tokens ``start:end``; a string inserts itself. A token is a word with the spaces after it,
or a run of spaces, never crossing a line end (so one regex over the whole text and one
over each line give the same tokens). Tokens, not lines: a card's paragraph is one long
line, and changing one word of it should not store the paragraph again. A line that moved
(a step moved up, a study whose stance flipped) is copied from where it was, its list
number aside. Stored as compressed JSON with a preset dictionary of the card's
boilerplate, so a one-word edit of a card costs a few dozen bytes. Pure: no database.
"""

from __future__ import annotations

import difflib
import json
import re
import zlib

# Text that most cards share: deflate finds it here instead of in the (short) delta itself.
_ZDICT = (
    b"## Mechanism\n\n*Synthesis from  studies*\n\n### Most probable mechanism\n\n"
    b"### Alternative mechanisms\n\n## Evidence\n\n### Supporting ()\n\n### Contradicting ()\n\n"
    b'## Gold standard\n\n1. 2. 3. 4. 5. 6. 7. 8. 9. (https://doi.org/10.) [], ", ", '
    b'[0, ], [, "\\n", "- '
)

Op = list[int] | str
_TOKEN = re.compile(r"[^\s]+[^\S\n]*\n?|[^\S\n]*\n|[^\S\n]+")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
# A list item's number or bullet: a moved line is matched without it.
_MARKER = re.compile(r"(?:\d+\.|-)[^\S\n]+")
_MOVED_MIN = 24  # shorter lines are cheaper stored than pointed at


# Raw deflate. Packing uses an 8 KB window: a card is a few KB, so a 32 KB window finds
# no more (10,000 generated cards pack to the same bytes), but setting one up costs twice
# as long per text (1.27 s against 0.68 s for 10,000 cards). Unpacking keeps the largest
# window, which reads what either packed.
_PACK_WBITS = -13
_UNPACK_WBITS = -15


def _compress(data: bytes) -> bytes:
    packer = zlib.compressobj(level=9, wbits=_PACK_WBITS, zdict=_ZDICT)
    return packer.compress(data) + packer.flush()


def _decompress(blob: bytes) -> bytes:
    unpacker = zlib.decompressobj(wbits=_UNPACK_WBITS, zdict=_ZDICT)
    return unpacker.decompress(blob) + unpacker.flush()


def pack_full(text: str) -> bytes:
    """A whole text, compressed."""
    return _compress(text.encode("utf-8"))


def unpack_full(blob: bytes) -> str:
    """The text ``pack_full`` packed."""
    return _decompress(blob).decode("utf-8")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _body(line: str) -> tuple[str, str]:
    """(list marker, rest) of a line; the marker is empty for other lines."""
    marker = _MARKER.match(line)
    return (marker.group(), line[marker.end() :]) if marker else ("", line)


def diff_ops(old: str, new: str) -> list[Op]:
    """The operations that turn ``old`` into ``new``.

    Lines are matched first (fast); a changed line is copied from where it was if it
    moved, else matched word by word against the lines it replaced.
    """
    a_lines = _LINE.findall(old)
    b_lines = _LINE.findall(new)
    a_tokens = [_tokens(line) for line in a_lines]
    offsets = [0]
    for tokens in a_tokens:
        offsets.append(offsets[-1] + len(tokens))
    moved: dict[str, int] = {}
    for index, line in enumerate(a_lines):
        marker, rest = _body(line)
        if len(rest) >= _MOVED_MIN:
            moved.setdefault(rest, index)
    ops: list[Op] = []
    lines = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            _copy(ops, offsets[i1], offsets[i2])
            continue
        pending: list[str] = []
        for line in b_lines[j1:j2]:
            marker, rest = _body(line)
            source = moved.get(rest) if len(rest) >= _MOVED_MIN else None
            if source is None:
                pending.append(line)
                continue
            _words_against(ops, pending, a_tokens, offsets, i1, i2)
            pending = []
            # The old line's own marker is its first token(s): copy only what follows it.
            skip = len(_tokens(_body(a_lines[source])[0]))
            _insert(ops, marker)
            _copy(ops, offsets[source] + skip, offsets[source + 1])
        _words_against(ops, pending, a_tokens, offsets, i1, i2)
    return ops


def _words_against(
    ops: list[Op],
    lines: list[str],
    a_tokens: list[list[str]],
    offsets: list[int],
    i1: int,
    i2: int,
) -> None:
    """New ``lines`` as copies and insertions against old lines ``i1:i2``, word by word."""
    if not lines:
        return
    if i2 == i1 or i2 - i1 > 50:
        _insert(ops, "".join(lines))
        return
    a = [token for tokens in a_tokens[i1:i2] for token in tokens]
    b = _tokens("".join(lines))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, k1, k2, m1, m2 in matcher.get_opcodes():
        if tag == "equal":
            _copy(ops, offsets[i1] + k1, offsets[i1] + k2)
        elif m2 > m1:
            _insert(ops, "".join(b[m1:m2]))


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
    a = _tokens(old)
    out: list[str] = []
    for op in ops:
        if isinstance(op, str):
            out.append(op)
        else:
            out.extend(a[op[0] : op[1]])
    return "".join(out)


def tokens_of(text: str) -> list[str]:
    """The text as the tokens a delta's copies count in."""
    return _tokens(text)


def apply_to_tokens(old: list[str], blob: bytes) -> list[str]:
    """The new text's tokens from the old one's and a packed delta.

    Exact without joining and splitting again: a delta's pieces are always whole tokens
    of the new text (copies are matched tokens; insertions are runs of them), and a token
    that ends without a space can only end the text. A chain of deltas stays in tokens.
    """
    out: list[str] = []
    for op in json.loads(_decompress(blob).decode("utf-8")):
        if isinstance(op, str):
            out.extend(_tokens(op))
        else:
            out.extend(old[op[0] : op[1]])
    return out


def pack_delta(old: str, new: str) -> bytes:
    """The delta from ``old`` to ``new``, compressed."""
    return _compress(json.dumps(diff_ops(old, new), separators=(",", ":")).encode("utf-8"))


def unpack_delta(old: str, blob: bytes) -> str:
    """The new text from ``old`` and a packed delta."""
    ops = json.loads(_decompress(blob).decode("utf-8"))
    return apply_ops(old, ops)
