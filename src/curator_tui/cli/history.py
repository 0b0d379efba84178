"""The history commands: ``curator history``, ``diff`` and ``restore``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, open_engine
from curator_tui.cli.pager import output

if TYPE_CHECKING:
    from curator_tui.services.history import RevisionInfo


def _when(entry: RevisionInfo) -> str:
    return str(entry.as_json()["at"]).replace("T", " ").removesuffix("Z")


def _statement(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first.removeprefix("# ")


def cmd_history(args: argparse.Namespace) -> int:
    """List a claim's history, newest first (or the deleted claims)."""
    from curator_tui.db import session_scope
    from curator_tui.services import history

    if args.deleted == (args.id is not None):
        raise CliError("give a claim id, or --deleted to list the deleted claims")
    engine = open_engine(args.db, create=False)
    with session_scope(engine) as session:
        if args.deleted:
            entries = history.deleted_claims(session)
            texts = {e.claim_id: history.text_at(session, e.claim_id, e.revision) for e in entries}
        else:
            entries = history.revisions(session, args.id)
            texts = {}
            if not entries:
                raise CliError(f"claim {args.id} has no history (no such claim)")
    if args.json:
        rows: list[dict[str, Any]] = [e.as_json() for e in entries]
        for row in rows:
            if args.deleted:
                row["statement"] = _statement(texts[row["claim_id"]])
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    with output(page=not args.no_pager) as out:
        for e in entries:
            if args.deleted:
                head = f"claim {e.claim_id}  deleted {_when(e)}  by {e.author}"
                out.write(f"{head}\n    {_statement(texts[e.claim_id])}\n")
            else:
                out.write(f"{e.revision:>4}  {_when(e)}  {e.author:<16}  {e.summary}\n")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """A unified diff of a claim's Markdown between two revisions (default: previous, now)."""
    from curator_tui.db import session_scope
    from curator_tui.services import history
    from curator_tui.services.errors import ServiceError

    engine = open_engine(args.db, create=False)
    with session_scope(engine) as session:
        entries = history.revisions(session, args.id)
        if not entries:
            raise CliError(f"claim {args.id} has no history (no such claim)")
        newest = entries[0].revision
        if newest == 1 and args.rev is None:
            raise CliError(f"claim {args.id} has one revision: nothing to compare it with")
        old = args.rev if args.rev is not None else newest - 1
        new = args.rev2 if args.rev2 is not None else newest
        try:
            before = history.text_at(session, args.id, old)
            after = history.text_at(session, args.id, new)
        except ServiceError as exc:
            raise CliError(str(exc)) from None
    diff = history.unified_diff(
        before, after, f"claim {args.id} revision {old}", f"claim {args.id} revision {new}"
    )
    colour = sys.stdout.isatty() and not args.no_color
    with output(page=not args.no_pager) as out:
        for line in diff.splitlines(keepends=True):
            out.write(_coloured(line) if colour else line)
    return 0


def _coloured(line: str) -> str:
    # Plain ANSI: the text itself is never interpreted (no markup).
    if line.startswith(("+++", "---")):
        return f"\x1b[1m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("+"):
        return f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("-"):
        return f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("@@"):
        return f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n"
    return line


def cmd_restore(args: argparse.Namespace) -> int:
    """Make a claim (also a deleted one) exactly what it was at a revision."""
    from curator_tui.db import session_scope
    from curator_tui.services import edits, history
    from curator_tui.services.errors import ServiceError

    engine = open_engine(args.db, create=False)
    try:
        with session_scope(engine) as session:
            edits.apply(session, edits.RestoreRevision(args.id, args.rev))
    except ServiceError as exc:
        raise CliError(str(exc)) from None
    with session_scope(engine) as session:
        newest = history.revisions(session, args.id)[0].revision
    sys.stdout.write(f"claim {args.id}: restored revision {args.rev} (now revision {newest})\n")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """``history``, ``diff`` and ``restore``."""
    p = sub.add_parser(
        "history",
        parents=[common],
        help="list a claim's changes, newest first",
        description="List who changed a claim, when and how, newest first; --deleted lists "
        "the deleted claims (restore one with 'curator restore ID REV').",
    )
    p.add_argument("id", type=int, nargs="?", help="claim id")
    p.add_argument("--deleted", action="store_true", help="list the deleted claims")
    p.add_argument("--json", action="store_true", help="print JSON (revision, at, author, ...)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "diff",
        parents=[common],
        help="show what changed in a claim between two revisions",
        description="A unified diff of the claim's Markdown: REV against now, or REV against "
        "REV2; with neither, the previous revision against now.",
    )
    p.add_argument("id", type=int, help="claim id")
    p.add_argument("rev", type=int, nargs="?", help="the older revision")
    p.add_argument("rev2", type=int, nargs="?", help="the newer revision (default: now)")
    p.add_argument("--no-color", action="store_true", help="no colours, even on a terminal")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "restore",
        parents=[common],
        help="make a claim what it was at a revision",
        description="Make the claim exactly what it was at REV (a deleted claim comes back "
        "with its id). The restore is itself a new revision: nothing is rewritten.",
    )
    p.add_argument("id", type=int, help="claim id")
    p.add_argument("rev", type=int, help="revision (see 'curator history ID')")
    p.set_defaults(func=cmd_restore)
