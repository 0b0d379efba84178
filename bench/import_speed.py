"""Benchmark: ``curator import`` of plain-text cards against ``export --all --out`` (issue 12.8).

Run by hand, from the checkout, with the project's venv:

    .venv/bin/python bench/import_speed.py                  # 10k claims, 3 paired runs
    .venv/bin/python bench/import_speed.py --claims 2000 --runs 2

It builds a library of ``--claims`` generated claims (curator_tui.generate.populate),
exports it with ``curator export --all --out DIR`` (the baseline, timed), turns every
exported card into the published plain-text form (cards.render.render_plain, the shape of
data/*.txt), and times ``curator --db NEW import --quiet PLAIN_DIR`` into a new library.
Baseline and import run alternately (bench.paired), whole processes, spawn to exit; the
figure is the median import over the median export, bound 2. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlite_floor
from bench import (
    CURATOR,
    GNU_TIME,
    PYTHON,
    Run,
    build_library,
    median,
    paired,
    run,
    settle_disk,
)


def to_plain(markdown_dir: Path, plain_dir: Path) -> int:
    """Every exported card of ``markdown_dir`` as a plain-text card in ``plain_dir``."""
    from curator_tui.cards.fast import parse_export
    from curator_tui.cards.render import render_plain

    plain_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(markdown_dir.iterdir()):
        card = parse_export(path.read_text(encoding="utf-8"))
        if card is None:
            raise SystemExit(f"{path}: not one of our exports")
        (plain_dir / path.with_suffix(".txt").name).write_text(render_plain(card), "utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="paired runs (median)")
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries and cards")
    parser.add_argument("--bound", type=float, default=2.0)
    parser.add_argument(
        "--rest",
        type=float,
        default=0.0,
        help="seconds to wait (after a sync) before each timed run: on a shared disk, "
        "creating files right after another run's 120 MB of writes cost 10x more kernel "
        "time (export 3-5 s instead of 1.1 s), which flatters the ratio",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time SQLite alone storing the imported rows (bench/sqlite_floor.py), "
        "against the same exports",
    )
    args = parser.parse_args(argv)
    if not Path(GNU_TIME).exists():
        parser.error("needs GNU time (/usr/bin/time): apt-get install time")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="curator-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["CURATOR_CONFIG"] = str(work / "no-config.toml")
    env.pop("CURATOR_DB", None)
    log = print
    try:
        source = work / "source.db"
        if not source.exists():
            elapsed = build_library(source, args.claims, args.seed)
            log(f"library: {args.claims} claims in {elapsed:.1f} s")
        plain_dir = work / "plain"
        target = work / "imported.db"

        cpu: dict[str, list[float]] = {"export": [], "import": []}

        def cpu_of(name: str, measure: Run, before: resource.struct_rusage) -> Run:
            """Note the CPU seconds (user + system) the command and its children used."""
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            cpu[name].append(used)
            return measure

        # Each export writes into a new directory, and none is deleted until every run is
        # done (as bench.py's export --out): deleting 10,000 files just before creating
        # 10,000 again made the export take 5.6-6.7 s of mostly kernel time, against
        # 2.3 s into a fresh directory, which flattered the ratio.
        exported: list[Path] = []

        def export() -> Run:
            out_dir = work / f"markdown-{len(exported)}"
            shutil.rmtree(out_dir, ignore_errors=True)  # a leftover of an earlier bench
            exported.append(out_dir)
            settle_disk()
            time.sleep(args.rest)
            cmd = [CURATOR, "--db", str(source), "export", "--all", "--out", str(out_dir)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            return cpu_of("export", run([*cmd, "--quiet"], env=env), before)

        def import_plain() -> Run:
            for leftover in work.glob("imported.db*"):
                leftover.unlink()
            settle_disk()
            time.sleep(args.rest)
            cmd = [CURATOR, "--db", str(target), "import", "--quiet", str(plain_dir)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            return cpu_of("import", run(cmd, env=env), before)

        if not plain_dir.exists():
            export()
            log(f"plain-text cards: {to_plain(exported[-1], plain_dir)} in {plain_dir}")
        exports, imports = paired(
            export, import_plain, args.runs, 1e9, log, ("export --all --out", "import plain")
        )
        floors: list[Run] = []
        floor_exports: list[Run] = []
        if args.floor:
            # Paired with exports of their own, after the import's runs (each floor run
            # needs the imported library the last import left).
            def floor() -> Run:
                empty = work / "floor.db"
                sqlite_floor.prepare(target, empty)
                settle_disk()
                time.sleep(args.rest)
                cmd = [
                    PYTHON,
                    str(Path(__file__).parent / "sqlite_floor.py"),
                    str(target),
                    str(empty),
                ]
                return run(cmd, env=env)

            floor_exports, floors = paired(
                export, floor, args.runs, 1e9, log, ("export --all --out", "SQLite floor")
            )
        for folder in exported:
            shutil.rmtree(folder, ignore_errors=True)
        with sqlite3.connect(target) as conn:
            imported = conn.execute("SELECT count(*) FROM claim").fetchone()[0]
        if imported != args.claims:
            raise SystemExit(f"imported {imported} claims, expected {args.claims}")
        base = median([r.wall for r in exports])
        value = median([r.wall for r in imports])
        ratio = value / base
        load = os.getloadavg()
        log("")
        log(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  nproc: {os.cpu_count()}")
        log(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        log(f"export --all --out runs: {[round(r.wall, 2) for r in exports]} s")
        log(f"import (plain text) runs: {[round(r.wall, 2) for r in imports]} s")
        # The timed runs only (the last ones: the first were untimed warm-ups).
        timed = {name: [round(c, 2) for c in cpu[name][-len(exports) :]] for name in cpu}
        log(
            f"CPU (user + system, children included): {timed['export']} s export, "
            f"{timed['import']} s import"
        )
        log(
            f"peak RSS: export {max(r.maxrss_mb for r in exports):.0f} MB, "
            f"import {max(r.maxrss_mb for r in imports):.0f} MB"
        )
        if floors:
            floor_value = median([r.wall for r in floors])
            floor_base = median([r.wall for r in floor_exports])
            log(f"SQLite floor runs: {[round(r.wall, 2) for r in floors]} s")
            log(f"their exports: {[round(r.wall, 2) for r in floor_exports]} s")
            log(
                f"SQLite alone storing the same rows: {floor_value:.2f} s"
                f" / export {floor_base:.2f} s = {floor_value / floor_base:.2f}"
            )
        verdict = "PASS" if ratio <= args.bound else "FAIL"
        log(
            f"import of {args.claims} plain-text cards: {value:.2f} s / export {base:.2f} s"
            f" = {ratio:.2f} (bound {args.bound:g}): {verdict}"
        )
        return 0 if ratio <= args.bound else 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
