"""Benchmark: a library on PostgreSQL (issue 11.10), each figure as a ratio in one run.

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/pg_copy.py                     # 100k claims
    .venv/bin/python bench/pg_copy.py --claims 20000 --workdir /tmp/pgb --keep

- ``curator copy LIBRARY.db URL`` (SQLite → PostgreSQL, into an empty database; the
  command proves its copy, so that is timed too) against ``pg_dump | psql`` of the same
  data into another empty database, on the same server. Bound ≤ 3.
- ``curator --db URL export --all > FILE`` against ``pg_dump DB > /dev/null`` of the
  same database. Bound ≤ 3.

The server is started as the tests start theirs (``tests/pg_server.py``: ``initdb`` in a
temporary folder, as an unprivileged user, a Unix socket only, fsync off), or
``CURATOR_TEST_PG_URL`` names one. The SQLite library is built with
``curator_tui.generate.populate`` (seed ``--seed``). Every command runs as a whole
process, timed spawn to exit, with its peak RSS (GNU time), through bench/bench.py's
``run``; each measure alternates with its baseline, ``--runs`` pairs (one when a
command takes longer than ``--cheap`` seconds).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from bench import CURATOR, Run, build_library, fmt, median, paired, run, settle_disk, size_label  # noqa: E402

from pg_server import PgServer, find_bin_dir  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """A PostgreSQL client program: the server's own version where it is installed."""
    bin_dir = find_bin_dir()
    if bin_dir is not None and (bin_dir / name).exists():
        return str(bin_dir / name)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install the PostgreSQL client programs")
    return found


def libpq_args(server: PgServer, database: str) -> list[str]:
    """``-h … -U … -d …`` for pg_dump and psql."""
    url = server.admin_url
    args = ["-d", database]
    host = server.socket_dir or url.host
    if host:
        args += ["-h", str(host)]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", str(url.username)]
    return args


class Databases:
    """Empty databases on the server, made fresh for every run and dropped at the end."""

    def __init__(self, server: PgServer) -> None:
        self.server = server

    def fresh(self, name: str) -> str:
        self.server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.server.execute(f"CREATE DATABASE {name}")
        if name not in self.server.created:
            self.server.created.append(name)
        return name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="library size (100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="pairs per figure (3)")
    parser.add_argument("--cheap", type=float, default=20.0, help="seconds; longer runs once")
    parser.add_argument("--workdir", type=Path, help="build there (reused by later runs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="curator-pgbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    library = workdir / f"library-{size_label(args.claims)}.db"
    if not library.exists():
        log(f"building {library} ({args.claims:,} claims) ...")
        log(f"  populate: {build_library(library, args.claims, args.seed):.1f} s")
    log("starting the PostgreSQL server ...")
    server = PgServer.start()
    databases = Databases(server)
    rows: list[tuple[str, float, str, float, float]] = []
    try:
        pg_dump, psql = tool("pg_dump"), tool("psql")

        def copy() -> Run:
            target = server.url(databases.fresh("bench_copy"))
            return run([CURATOR, "copy", "--quiet", str(library), target])

        def dump_restore() -> Run:
            databases.fresh("bench_restore")
            source = shlex.join([pg_dump, *libpq_args(server, "bench_copy")])
            restore = shlex.join(
                [psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", *libpq_args(server, "bench_restore")]
            )
            return run(["bash", "-c", f"set -o pipefail; {source} | {restore} > /dev/null"])

        log("copy SQLite → PostgreSQL against pg_dump | psql ...")
        settle_disk()
        # The baseline needs the data on the server: the first copy is made untimed.
        copy()
        bases, measures = paired(
            dump_restore,
            copy,
            args.runs,
            args.cheap,
            log,
            ("pg_dump | psql", "curator copy"),
            warm=False,
        )
        rows.append(
            (
                f"`curator copy` SQLite → PostgreSQL, {size_label(args.claims)}",
                median([r.wall for r in measures]),
                "`pg_dump \\| psql` of the same data",
                median([r.wall for r in bases]),
                3.0,
            )
        )
        _check_same(server, "bench_copy", "bench_restore")

        out = workdir / "export.md"
        url = server.url("bench_copy")

        def export() -> Run:
            with out.open("wb") as handle:
                return run([CURATOR, "--db", url, "export", "--all"], stdout=handle)

        def dump() -> Run:
            return run(
                [
                    "bash",
                    "-c",
                    f"{shlex.join([pg_dump, *libpq_args(server, 'bench_copy')])} > /dev/null",
                ]
            )

        log("export --all on PostgreSQL against pg_dump ...")
        settle_disk()
        bases, measures = paired(
            dump, export, args.runs, args.cheap, log, ("pg_dump", "export --all")
        )
        rows.append(
            (
                f"`curator export --all > FILE` on PostgreSQL, {size_label(args.claims)}"
                f" ({out.stat().st_size / 1e6:.0f} MB of Markdown)",
                median([r.wall for r in measures]),
                "`pg_dump DB > /dev/null`",
                median([r.wall for r in bases]),
                3.0,
            )
        )
    finally:
        server.stop()
        if args.workdir is None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return _report(rows)


def _check_same(server: PgServer, first: str, second: str) -> None:
    """The restored database holds what the copy holds (the baseline did the same work)."""
    count = "SELECT count(*), sum(length(markdown)) FROM claim"
    a, b = server.execute(count, first), server.execute(count, second)
    if a != b:
        raise SystemExit(f"pg_dump | psql restored {b}, the copy holds {a}")


def _report(rows: list[tuple[str, float, str, float, float]]) -> int:
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("| figure | value | baseline | ratio | bound | result |")
    print("|---|---|---|---|---|---|")
    failed = 0
    for label, value, base_label, base, bound in rows:
        ratio = value / base
        ok = ratio <= bound
        failed += not ok
        print(
            f"| {label} | {fmt(value, 's')} | {fmt(base, 's')} ({base_label}) | {ratio:.2f}"
            f" | ≤ {bound:g} | {'PASS' if ok else 'FAIL'} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
