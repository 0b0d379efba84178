"""``curator studies``: the library's studies, the claims citing retracted ones, and
``curator studies fetch``, which fills study records from Crossref.

The list is a Rich table on a terminal (through the pager) and plain tab-separated lines
when piped, written as they come; ``--json`` gives every record field by name plus
``claims``. ``fetch`` looks each DOI up (services/crossref.py) outside any transaction,
then fills the record in one transaction of its own through ``EditStudy``, so one DOI's
failure leaves the others filled; one line per DOI, exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from curator_tui.cli.common import CliError, OutlivingStdout, open_engine, stderr_console
from curator_tui.cli.pager import Output, output

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from curator_tui.services.crossref import CrossrefSettings
    from curator_tui.services.studies import AffectedClaim, Filled, StudyRow

# Control characters (and tabs, line ends) must not drive the terminal or split a line.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _plain(value: Any) -> str:
    return "" if value is None else _CONTROLS.sub("\N{REPLACEMENT CHARACTER}", str(value))


def _is_terminal(out: Output) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def _write_json(out: Output, objects: Iterable[dict[str, Any]]) -> None:
    opened = False
    for item in objects:
        text = json.dumps(item, indent=2, ensure_ascii=False)
        out.write(("[\n" if not opened else ",\n") + "  " + text.replace("\n", "\n  "))
        opened = True
    out.write("\n]\n" if opened else "[]\n")


# The widest a DOI's column is kept on one line for (longer ones are folded).
DOI_WIDTH = 40


def _write_rows(out: Output, title: str, header: Sequence[str], rows: Iterable[list[str]]) -> None:
    """A Rich table on a terminal; tab-separated lines (header first) when piped."""
    if not _is_terminal(out):
        out.write("\t".join(header) + "\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    table = Table(title=title, title_justify="left", expand=False)
    for index, name in enumerate(header):
        numeric = name in ("Claims", "Claim", "Year")
        # A DOI is shown whole, never cut with an ellipsis: on one line (the title and
        # authors give up the room) unless it is longer than DOI_WIDTH, then folded.
        longest = max((len(row[index]) for row in rows), default=0) if name == "DOI" else 0
        table.add_column(
            name,
            justify="right" if numeric else "left",
            overflow="fold" if name == "DOI" else "ellipsis",
            min_width=min(longest, DOI_WIDTH) or None,
        )
    for row in rows:
        # Curators' text is data, never markup.
        table.add_row(*(Text(cell) for cell in row))
    width = shutil.get_terminal_size().columns
    console = Console(file=out, width=width, highlight=False)  # type: ignore[arg-type]
    console.print(table)


# ------------------------------------------------------------------------------ the list


def _study_cells(row: StudyRow) -> list[str]:
    record = row.record
    notice = " ".join(
        part for part in (record["retraction_nature"], record["retraction_date"]) if part
    )
    return [
        _plain(record["doi"]),
        str(row.claims),
        _plain(record["year"]),
        _plain(record["authors"]),
        _plain(record["title"]),
        _plain(record["journal"]),
        _plain(notice),
    ]


def _claim_cells(item: AffectedClaim) -> list[str]:
    return [
        str(item.claim_id),
        _plain(item.statement),
        _plain(item.doi),
        _plain(item.stance),
        _plain(item.retraction_nature),
        _plain(item.retraction_date),
    ]


def cmd_studies(args: argparse.Namespace) -> int:
    """List the studies (or, with --retracted, the claims citing retracted ones)."""
    from curator_tui.db import session_scope
    from curator_tui.services.studies import list_studies, retracted_claims

    if args.retracted and (args.search or args.missing):
        raise CliError("--retracted lists claims: it takes no --search or --missing")
    engine = open_engine(args.db, create=False)
    # The rows are read before the pager is waited on: no transaction stays open while
    # the user reads.
    with session_scope(engine) as session:
        if args.retracted:
            claims = retracted_claims(session)
        else:
            studies = list_studies(session, args.search, args.missing)
    with output(page=not args.no_pager and not args.json) as out:
        if args.retracted:
            if args.json:
                _write_json(out, (item.as_json() for item in claims))
            else:
                header = ["Claim", "Statement", "DOI", "Stance", "Notice", "Date"]
                title = f"{len(claims)} claim(s) citing a study with a retraction notice"
                _write_rows(out, title, header, (_claim_cells(item) for item in claims))
        elif args.json:
            _write_json(out, (row.as_json() for row in studies))
        else:
            header = ["DOI", "Claims", "Year", "Authors", "Title", "Journal", "Retraction"]
            title = f"{len(studies)} stud{'y' if len(studies) == 1 else 'ies'}"
            _write_rows(out, title, header, (_study_cells(row) for row in studies))
    return 0


# ------------------------------------------------------------------------------- fetch


def _settings() -> CrossrefSettings:
    from curator_tui.config import ConfigError, load_config
    from curator_tui.services.crossref import CrossrefSettings

    try:
        return CrossrefSettings.from_config(load_config())
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _shown(value: Any) -> str:
    text = _plain(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _said(filled: Filled, update: bool) -> str:
    parts: list[str] = []
    if filled.filled:
        parts.append("filled " + ", ".join(filled.filled))
    if filled.updated:
        parts.append("updated " + ", ".join(name for name, _, _ in filled.updated))
    if filled.kept:
        kept = "; ".join(
            f"{name} {_shown(ours)} (Crossref: {_shown(theirs)})"
            for name, ours, theirs in filled.kept
        )
        parts.append(f"kept {kept}; --update takes Crossref's")
    if not parts:
        return f"{filled.doi}: nothing to fill"
    cited = f" ({filled.claims} claim{'s' if filled.claims != 1 else ''})" if filled.claims else ""
    return f"{filled.doi}: " + "; ".join(parts) + cited


def _targets(engine: Engine, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The DOIs to look up (normalised, each once) and a line for each unusable one."""
    from curator_tui.cards.doi import DOIError, normalize_doi
    from curator_tui.db import session_scope
    from curator_tui.services.studies import missing_lookups, study_ids

    if args.missing:
        with session_scope(engine) as session:
            return missing_lookups(session), []
    failures: list[str] = []
    wanted: dict[str, None] = {}
    for text in args.dois:
        try:
            wanted.setdefault(normalize_doi(text), None)
        except DOIError as exc:
            failures.append(str(exc))
    with session_scope(engine) as session:
        known = study_ids(session, list(wanted))
    for doi, study_id in known.items():
        if study_id is None:
            failures.append(f"{doi}: not in the library (cite it from a claim first)")
    return [doi for doi, study_id in known.items() if study_id is not None], failures


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fill study records from Crossref."""
    from curator_tui.db import session_scope
    from curator_tui.services.crossref import CrossrefError, CrossrefUnreachable, lookup
    from curator_tui.services.errors import ServiceError
    from curator_tui.services.studies import fill_study, study_ids

    if bool(args.dois) == bool(args.missing):
        raise CliError("give the DOIs to look up, or --missing for every study with empty fields")
    settings = _settings()
    engine = open_engine(args.db, create=False)
    dois, failures = _targets(engine, args)
    errors = stderr_console()
    out = OutlivingStdout()  # a reader gone (`| head`) must not stop the look-ups halfway
    for line in failures:
        errors.print(f"curator: error: {line}", markup=False)
    for index, doi in enumerate(dois):
        try:
            fields = lookup(doi, settings)
            with session_scope(engine) as session:
                study_id = study_ids(session, [doi])[doi]
                if study_id is None:
                    raise ServiceError(f"{doi}: no longer in the library")
                filled = fill_study(session, study_id, fields, update=args.update)
        except CrossrefUnreachable as exc:
            left = len(dois) - index - 1
            rest = f"; {left} other DOI(s) not looked up" if left else ""
            errors.print(f"curator: error: {exc}{rest}", markup=False)
            return 1
        except (CrossrefError, ServiceError) as exc:
            message = str(exc)
            if doi not in message:
                message = f"{doi}: {message}"
            errors.print(f"curator: error: {message}", markup=False)
            failures.append(message)
            continue
        out.write(_said(filled, args.update) + "\n")
        out.flush()
    return 1 if failures else 0


# ------------------------------------------------------------------------------ parsers


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``curator studies`` and ``curator studies fetch``."""
    # Not from services.studies: every command builds the parsers, and must stay light.
    from curator_tui.study_fields import MISSING_FIELDS

    p = sub.add_parser(
        "studies",
        parents=[common],
        help="list the studies (and fill their records from Crossref: studies fetch)",
        usage="curator studies [--json] [--search TEXT] [--missing FIELD] [--retracted]\n"
        "       curator studies fetch (DOI… | --missing) [--update]",
        description="List the library's studies with how many claims cite each.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON array for scripts")
    p.add_argument(
        "--search",
        metavar="TEXT",
        help="only studies with every word in their DOI, title, authors, journal or PMID",
    )
    p.add_argument(
        "--missing",
        metavar="FIELD",
        choices=MISSING_FIELDS,
        help=f"only studies whose FIELD is empty ({', '.join(MISSING_FIELDS)})",
    )
    p.add_argument(
        "--retracted",
        action="store_true",
        help="list the claims citing a study with a retraction notice",
    )
    p.set_defaults(func=cmd_studies)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    fetch = actions.add_parser(
        "fetch",
        parents=[common],
        help="fill study records from Crossref",
        description="Fill study records from Crossref's REST API: empty fields are filled,"
        " differing ones kept (and listed) unless --update. Sends the config's mailto;"
        " crossref_url in the config or $CURATOR_CROSSREF_URL replaces"
        " https://api.crossref.org.",
    )
    fetch.add_argument("dois", nargs="*", metavar="DOI", help="the studies' DOIs")
    fetch.add_argument(
        "--missing",
        action="store_true",
        help="every study with an empty title, authors, journal, year, volume, issue or pages",
    )
    fetch.add_argument(
        "--update", action="store_true", help="take Crossref's value where it differs"
    )
    fetch.set_defaults(func=cmd_fetch)
