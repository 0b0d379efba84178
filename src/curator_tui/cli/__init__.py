"""The ``curator`` command: the app with no subcommand, and the headless commands.

One module per command group (``cards``: import, export, show; ``listing``: list;
``library``: backup, generate; ``history``: history, diff, restore; ``copy``: copy;
``check``: the curation check; ``studies``: studies, studies fetch),
``common`` for what they share and ``pager`` for output on a terminal. The headless
commands never import Textual (tests/test_import_hygiene.py proves it): scripts and CI
jobs should not pay for the UI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from curator_tui import __version__
from curator_tui.cli import cards, check, copy, history, library, listing, studies
from curator_tui.cli.common import CliError, open_engine, stderr_console

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["CliError", "build_parser", "main", "open_engine"]


def _app_command(open_app: Callable[[Engine], None] | None) -> Callable[[argparse.Namespace], int]:
    """No subcommand: open the app (the launcher passes it in; the CLI never imports it)."""

    def cmd_app(args: argparse.Namespace) -> int:
        if open_app is None:
            raise CliError("no command given (see 'curator --help')")
        open_app(open_engine(args.db, create=True))
        return 0

    return cmd_app


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"curator: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line: global options, then a subcommand (none opens the app)."""
    # Accepted before or after the subcommand: `curator --db X list` and `curator list --db X`.
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH|URL",
        default=argparse.SUPPRESS,
        help="library file, or a postgresql:// URL of a team library (default: $CURATOR_DB, "
        "else the library in your user data directory)",
    )
    common.add_argument(
        "--no-pager",
        action="store_true",
        default=argparse.SUPPRESS,
        help="never send output to a pager ($CURATOR_PAGER or $PAGER, default less)",
    )
    parser = _Parser(
        prog="curator",
        description="Curate scientific claim cards. With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"curator-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    cards.add_parsers(sub, common)
    listing.add_parser(sub, common)
    library.add_parsers(sub, common)
    history.add_parsers(sub, common)
    copy.add_parser(sub)
    check.add_parser(sub, common)
    studies.add_parser(sub, common)
    return parser


def main(
    argv: Sequence[str] | None = None, *, open_app: Callable[[Engine], None] | None = None
) -> int:
    """Run one command; with none, ``open_app`` (launcher.py passes the app in)."""
    args = build_parser().parse_args(argv)
    args.db = getattr(args, "db", None)
    args.no_pager = getattr(args, "no_pager", False)
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", _app_command(open_app))
    try:
        return func(args)
    except CliError as exc:
        _error(args, str(exc))
    except KeyboardInterrupt:
        stderr_console().print("curator: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`, or the pager the user quit) went away: not an error
        # for a listing. Commands that change the library or whose status is a result
        # (import, check, studies fetch) write through common.OutlivingStdout and finish.
        sys.stderr.close()
        return 0
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _error(args, f"{where}: {exc.strerror or exc}", sep="")
    except Exception as exc:  # a last resort: one line, never a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from curator_tui.db import describe_db_error

            _error(args, describe_db_error(exc))
        else:
            _error(args, f"{type(exc).__name__}: {exc}")
    return 1


def _error(args: argparse.Namespace, message: str, sep: str = " ") -> None:
    """Print ``curator: error: MESSAGE`` as one line, the library URL's password masked.

    The messages already name libraries by ``display_name``; this is the safety net for
    text that comes from elsewhere (a driver's error quoting its connection string).
    """
    from curator_tui.db import ENV_VAR, mask_password

    for target in (args.db, os.environ.get(ENV_VAR)):
        message = mask_password(message, target)
    stderr_console().print(f"curator: error:{sep}{message}", markup=False)
