"""Every Hikwatch benchmark in one go, then one summary table: goal, figure, target, met.

    python bench/run_all.py                  # what `make bench` runs (about 6 minutes)
    python bench/run_all.py --quick          # fewer requests, 15 s of uploads (~3 minutes)
    python bench/run_all.py --only map counts --no-postgres

Each benchmark runs as its own process, one after another (they would otherwise compete
for this machine's cores), and prints its figures beside its named baseline. Synthetic
data lives in its own databases, built once and reused: bench/out/bench-300000.db and,
when PostgreSQL answers on 127.0.0.1:5432, the hikwatch_bench database (created if
missing). Nothing here is a test: figures are reported, never asserted, and a missed
target does not fail the run; a benchmark that crashes, loses an upload or gets a
different answer from its baseline does (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import benchlib
import synthetic
from benchlib import print_table

HERE = Path(__file__).resolve().parent
QUIET_SHARE = 0.15  # of all cores busy, at most, before a benchmark starts


def wait_for_quiet(limit_seconds: float) -> float:
    """Wait (at most `limit_seconds`) until others leave the cores mostly idle.

    Other work on a shared machine (a test suite, a browser) would slow the benchmark and
    make its figures pessimistic. Returns the busy share of the last 2-second sample.
    """
    deadline = time.monotonic() + limit_seconds
    announced = False
    while True:
        before = benchlib.machine_busy_seconds()
        time.sleep(2)
        busy = (benchlib.machine_busy_seconds() - before) / (2 * benchlib.CORES)
        if busy < QUIET_SHARE or time.monotonic() >= deadline:
            return busy
        if not announced:
            print(f"(the machine is {busy:.0%} busy with other work: waiting for it to quieten)")
            announced = True


def own_cpu() -> float:
    """CPU seconds of this process's finished children and all their descendants."""
    times = os.times()
    return times.children_user + times.children_system + times.user + times.system


@dataclass(frozen=True)
class Bench:
    name: str  # what --only matches
    title: str
    arguments: list[str]


def plan(args, postgres: bool, browser: bool) -> list[Bench]:
    quick = args.quick
    map_args = ["--requests", "50", "--baseline-city-requests", "1"] if quick else []
    map_args += [] if browser else ["--no-browser"]
    count_args = ["--requests", "50", "--baseline-runs", "1"] if quick else []
    postgres_url = ["--database-url", synthetic.POSTGRES_URL]
    no_postgres = [] if postgres else ["--no-postgres"]
    benches = [
        Bench("photos", "Goal 1: photo intake", ["bench_photos.py", *(["--quick"] * quick)]),
        Bench("geo", "Goal 2: borough lookups", ["bench_geo.py", *(["--repeats", "3"] * quick)]),
        Bench("reassign", "Goal 2: flask boroughs reassign", ["bench_reassign.py", *no_postgres]),
        Bench("map", "Goal 3: map, SQLite", ["bench_map.py", *map_args]),
        Bench(
            "map",
            "Goal 3: map, any box and zoom, SQLite",
            ["bench_map_grid.py", *(["--requests", "5"] * quick)],
        ),
        Bench(
            "exports",
            "Goal 7: full exports, SQLite",
            ["bench_exports.py"],
        ),
        Bench("counts", "Goal 4: counts, SQLite", ["bench_counts.py", *count_args]),
    ]
    if postgres:
        benches += [
            Bench("map", "Goal 3: map, PostgreSQL", ["bench_map.py", *map_args, *postgres_url]),
            Bench(
                "counts",
                "Goal 4: counts, PostgreSQL",
                ["bench_counts.py", *count_args, *postgres_url],
            ),
        ]
    postcode_args = ["--sample", "30000", "--server-requests", "500", "--searches", "500"]
    benches.append(
        Bench("postcodes", "Postcode search", ["bench_postcodes.py", *(postcode_args * quick)])
    )
    seconds = str(15 if quick and args.upload_seconds is None else args.upload_seconds or 60)
    workers = [str(n) for n in args.upload_workers]
    benches += [
        Bench(
            "uploads",
            "Goal 5: uploads under load",
            ["bench_uploads.py", "--seconds", seconds, "--workers", *workers, *no_postgres],
        ),
    ]
    if browser:
        benches.append(Bench("weight", "Goal 6: page weight", ["bench_page_weight.py"]))
    benches.append(
        Bench(
            "security",
            "Security: hostile photos, logins",
            ["bench_security.py", *["--quick"] * quick],
        )
    )
    if args.only:
        benches = [bench for bench in benches if bench.name in args.only]
    return benches


def machine() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=benchlib.ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=benchlib.ROOT, capture_output=True, text=True
    ).stdout.strip()
    changes = " + uncommitted changes" if dirty else ""
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit or '?'}{changes}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and runs")
    parser.add_argument("--upload-seconds", type=float, default=None, help="per run (60)")
    parser.add_argument(
        "--upload-workers", type=int, nargs="+", default=[2], help="e.g. 1 2 to compare"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="before each benchmark, wait up to this many seconds for other work to stop (120)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[
            "photos",
            "geo",
            "reassign",
            "map",
            "exports",
            "counts",
            "postcodes",
            "uploads",
            "weight",
            "security",
        ],
    )
    args = parser.parse_args()

    postgres = not args.no_postgres and benchlib.postgres_answers(synthetic.POSTGRES_URL)
    browser = Path(benchlib.CHROMIUM_PATH).exists()
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    print(f"Hikwatch benchmarks: {machine()}")
    if not postgres and not args.no_postgres:
        print("PostgreSQL does not answer on 127.0.0.1:5432: SQLite figures only.")
    if not browser:
        print(f"No {benchlib.CHROMIUM_PATH}: the browser measurements (goals 3 and 6) are skipped.")
    print("Building the synthetic databases (once; later runs reuse them)…", flush=True)
    synthetic.build(benchlib.sqlite_bench_url(), 300_000)
    if postgres:
        synthetic.build(synthetic.POSTGRES_URL, 300_000)

    # (title, seconds, exit status, share of the machine's CPU used by other processes)
    ran: list[tuple[str, float, int, float]] = []
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", dir=benchlib.OUT) as summary:
        environment = {**os.environ, benchlib.SUMMARY_ENV: summary.name}
        for bench in plan(args, postgres, browser):
            print(f"\n######## {bench.title} ########", flush=True)
            wait_for_quiet(args.wait_quiet)
            started = time.perf_counter()
            machine_before, ours_before = benchlib.machine_busy_seconds(), own_cpu()
            status = subprocess.call(
                [sys.executable, str(HERE / bench.arguments[0]), *bench.arguments[1:]],
                cwd=benchlib.ROOT,
                env=environment,
            )
            wall = time.perf_counter() - started
            others = (benchlib.machine_busy_seconds() - machine_before) - (own_cpu() - ours_before)
            ran.append((bench.title, wall, status, max(0.0, others) / (wall * benchlib.CORES)))
        summary.seek(0)
        rows = [json.loads(line) for line in summary if line.strip()]

    print("\n######## Summary ########")
    print(f"{machine()}")
    print_table(
        ("goal", "figure", "measured", "baseline", "target", "met"),
        [
            (
                row["goal"],
                row["figure"],
                row["measured"],
                row["baseline"],
                row["target"],
                {True: "yes", False: "NO", None: "-"}[row["met"]],
            )
            for row in rows
        ],
    )
    judged = [row for row in rows if row["met"] is not None]
    met = sum(1 for row in judged if row["met"])
    print(f"\ntargets met: {met} of {len(judged)}")
    print_table(
        ("benchmark", "time", "exit", "CPU used by other processes"),
        [
            (title, f"{seconds:.0f} s", str(status), f"{others:.0%}")
            for title, seconds, status, others in ran
        ],
    )
    print(f"total: {sum(run[1] for run in ran) / 60:.1f} min")
    print(
        "CPU used by other processes: the machine's busy time during the benchmark less its "
        "own processes' (PostgreSQL's server counts as other).\nAbove ~10% something else "
        "was competing for the cores and the figures are pessimistic."
    )
    if any(run[2] != 0 for run in ran):
        sys.exit(1)


if __name__ == "__main__":
    main()
