"""Benchmark: the app on a PostgreSQL library (issue 11.10), each figure as a ratio in one run.

Run by hand (not part of the test suite), from the checkout, with the project's venv:

    .venv/bin/python bench/pg_app.py                               # 100k claims
    .venv/bin/python bench/pg_app.py --library /tmp/lib-100k.db    # reuse a built library

- App start → first paint of the claim list on PostgreSQL, against
  ``python -c 'import textual.app, sqlmodel'`` (the same floor as bench/bench.py's SQLite
  figure). Bound ≤ 1.5.
- Filter keystroke → list updated, p95, on PostgreSQL: at most 50 ms, and at most 2× the
  same keystrokes on the same library in SQLite.

The SQLite library is built with ``curator_tui.generate.populate`` (or ``--library``) and
copied to the server with ``curator copy``. The server is started as the tests start
theirs (``tests/pg_server.py``), or ``CURATOR_TEST_PG_URL`` names one. Each app run is
bench/app_probe.py in its own process; the floor, the SQLite start and the PostgreSQL
start alternate, ``--runs`` times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench import (  # noqa: E402
    CURATOR,
    PROBE,
    PYTHON,
    Run,
    build_library,
    compile_sources,
    median,
    p95,
    run,
    size_label,
)
from pg_copy import Databases, log  # noqa: E402
from pg_copy import _report as report  # noqa: E402

from pg_server import PgServer  # noqa: E402


def probe(mode: str, library: str, env: dict[str, str], *extra: str) -> dict[str, Any]:
    """bench/app_probe.py on a library file or URL: its JSON result."""
    result = run([PYTHON, str(PROBE), mode, library, repr(time.time()), *extra], env=env)
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="library size (100000)")
    parser.add_argument("--library", type=Path, help="an existing SQLite library to use")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="app starts per library (5)")
    parser.add_argument("--keystrokes", type=int, default=50)
    parser.add_argument("--workdir", type=Path, help="build there (reused by later runs)")
    parser.add_argument(
        "--url",
        help="a PostgreSQL library already copied from --library (skips the server and copy)",
    )
    args = parser.parse_args(argv)
    if args.url and not args.library:
        parser.error("--url needs the --library it was copied from")

    compile_sources()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="curator-pgapp-"))
    workdir.mkdir(parents=True, exist_ok=True)
    library = args.library or workdir / f"library-{size_label(args.claims)}.db"
    if not library.exists():
        log(f"building {library} ({args.claims:,} claims) ...")
        log(f"  populate: {build_library(library, args.claims, args.seed):.1f} s")
    env = dict(os.environ)
    env["CURATOR_CONFIG"] = str(workdir / "no-config.toml")
    env["TEXTUAL_ANIMATIONS"] = "none"
    env.pop("CURATOR_DB", None)
    server = None
    rows: list[tuple[str, float, str, float, float]] = []
    try:
        if args.url:
            url = args.url
        else:
            log("starting the PostgreSQL server ...")
            # PostgreSQL's own default, not the tests' 32 MB (200 connections in CI): with
            # 32 MB the 100k claim table and its indexes did not stay in the server's
            # buffers, and each count read ~3,400 pages from the OS again (p95 111 ms
            # against 61 ms, same tree, 2026-11-24).
            server = PgServer.start(["shared_buffers = 128MB"])
            url = server.url(Databases(server).fresh("bench_app"))
            log("curator copy → PostgreSQL ...")
            copied = run([CURATOR, "copy", "--quiet", str(library), url], env=env)
            log(f"  {copied.wall:.1f} s")
            server.execute("VACUUM ANALYZE", "bench_app")

        floor_cmd = [PYTHON, "-c", "import textual.app, sqlmodel"]
        run(floor_cmd)  # warm-up, as bench.py does
        for target in (str(library), url):
            probe("start", target, env)
        floors: list[Run] = []
        paint: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
        log("app start → first paint, alternating with the floor ...")
        for _ in range(args.runs):
            floors.append(run(floor_cmd))
            for name, target in (("sqlite", str(library)), ("postgresql", url)):
                paint[name].append(probe("start", target, env)["first_paint"])
            log(
                f"  floor {floors[-1].wall:.3f} s, SQLite {paint['sqlite'][-1]:.3f} s, "
                f"PostgreSQL {paint['postgresql'][-1]:.3f} s"
            )
        label = size_label(args.claims)
        rows.append(
            (
                f"app start → first paint of the list on PostgreSQL, {label}",
                median(paint["postgresql"]),
                "python -c 'import textual.app, sqlmodel'",
                median([r.wall for r in floors]),
                1.5,
            )
        )

        log(f"filter: {args.keystrokes} keystrokes on each backend ...")
        latency: dict[str, float] = {}
        for name, target in (("sqlite", str(library)), ("postgresql", url)):
            data = probe("filter", target, env, str(args.keystrokes))
            latency[name] = p95(data["latencies"])
            log(
                f"  {name}: p50 {median(data['latencies']) * 1000:.1f} ms, "
                f"p95 {latency[name] * 1000:.1f} ms, max {max(data['latencies']) * 1000:.1f} ms"
            )
        rows.append(
            (
                f"filter keystroke → list updated, p95 on PostgreSQL, {label}",
                latency["postgresql"],
                "the 50 ms budget",
                0.050,
                1.0,
            )
        )
        rows.append(
            (
                f"filter keystroke → list updated, p95, PostgreSQL ÷ SQLite, {label}",
                latency["postgresql"],
                "the same keystrokes on the SQLite library",
                latency["sqlite"],
                2.0,
            )
        )
    finally:
        if server is not None:
            server.stop()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return report(rows)  # pg_copy's table: the same columns and exit status


if __name__ == "__main__":
    raise SystemExit(main())
