"""``curator check [ID…] [--json] [--strict] [--fix]``: the curation check, for CI and people.

One line per problem on stdout (``severity: code: claim N: where: message``), a count on
stderr; ``--json`` prints a list of objects instead (docs/CHECK.md gives the schema). Exit
status 0 with no errors, 1 with errors (or, under ``--strict``, warnings). ``--fix`` first
applies the safe fixes (whitespace, DOIs in their normalised form) as edits, so the history
records each, and lists them; then the check runs on the result.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, OutlivingStdout, open_engine, stderr_console

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from curator_tui.cards.problems import Problem


def _fix(engine: Engine, ids: list[int] | None) -> int:
    """Apply the safe fixes of these claims (all when None); print each; how many."""
    from curator_tui.db import session_scope
    from curator_tui.services import curation_check
    from curator_tui.services.errors import ServiceError

    if ids is None:
        # The claims with something to tidy, found by the check itself.
        with session_scope(engine) as session:
            ids = curation_check.claims_to_tidy(session)
    count = 0
    for claim_id in ids:
        try:
            with session_scope(engine) as session:
                fixed = curation_check.fix_claim(session, claim_id)
        except ServiceError as exc:
            raise CliError(f"claim {claim_id}: {exc}") from None
        for item in fixed:
            count += 1
            before = json.dumps(item.before, ensure_ascii=False)
            after = json.dumps(item.after, ensure_ascii=False)
            stderr_console().print(
                f"fixed: claim {item.claim}: {item.where}: {before} -> {after}",
                markup=False,
                soft_wrap=True,
            )
    return count


def _problems(engine: Engine, ids: list[int] | None) -> Any:
    from curator_tui.db import is_read_only, session_scope
    from curator_tui.services import curation_check

    writable = not is_read_only(engine)
    with session_scope(engine) as session:
        curation_check.prepare(session, writable=writable)
    if ids is None:
        results: list[dict[str, Any]] = []
        with session_scope(engine) as session:
            yield from curation_check.check_library(session, results=results)
        if writable and results:
            # The claims' own problems are stored for the next check (claim_check).
            with session_scope(engine) as session:
                curation_check.store_results(session, results)
        return
    with session_scope(engine) as session:
        missing = sorted(set(ids) - curation_check.existing_ids(session, ids))
        if missing:
            raise CliError(f"no claim {', '.join(map(str, missing))}")
        yield from curation_check.check_claims(session, ids)


def cmd_check(args: argparse.Namespace) -> int:
    """Check claims (all, or the ids given); exit 1 on errors (or warnings with --strict)."""
    engine = open_engine(args.db, create=False)
    ids: list[int] | None = list(args.ids) or None
    if args.fix:
        from curator_tui.db import READ_ONLY, is_read_only

        if is_read_only(engine):
            raise CliError(READ_ONLY)
        _fix(engine, ids)
    errors = warnings = 0
    claims: set[int] = set()
    first = True
    out = OutlivingStdout()
    if args.json:
        out.write("[")
    problem: Problem
    for problem in _problems(engine, ids):
        if problem.severity == "error":
            errors += 1
        else:
            warnings += 1
        claims.add(problem.claim)
        if args.json:
            out.write(
                ("\n  " if first else ",\n  ") + json.dumps(problem.as_json(), ensure_ascii=False)
            )
        else:
            out.write(_one_line(problem.line()) + "\n")
        first = False
    if args.json:
        out.write("\n]\n" if not first else "]\n")
    out.flush()
    stderr_console().print(
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        f" in {len(claims)} claim{'s' * (len(claims) != 1)}",
        markup=False,
    )
    failed = errors > 0 or (args.strict and warnings > 0)
    return 1 if failed else 0


def _one_line(text: str) -> str:
    # A curator's text quoted in a message must not break the one-line form or drive the
    # terminal. Most lines have nothing to replace: returned as they are, in one C call.
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``check``."""
    p = sub.add_parser(
        "check",
        parents=[common],
        help="check claims for curation problems (for CI: exit 1 on errors)",
        description="Check every claim (or the ids given): citations, steps, summaries, cut-off "
        "text, gold standard, study records, retracted studies, duplicate statements. One line "
        "per problem; exit status 1 with errors, or with warnings under --strict. The codes "
        "are listed in the README (Checking claims).",
    )
    p.add_argument("ids", type=int, nargs="*", metavar="ID", help="claim ids (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON list (docs/CHECK.md)")
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    p.add_argument(
        "--fix",
        action="store_true",
        help="first apply the safe fixes (whitespace, DOI form) and list them",
    )
    p.set_defaults(func=cmd_check)
