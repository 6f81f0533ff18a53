"""Goal 4: the borough counts at 300,000 cameras, through real gunicorn.

    python bench/bench_counts.py [--database-url URL] [--requests 200]

gunicorn (2 workers) serves the synthetic 300,000-camera database; 200 sequential GETs
each of /boroughs, /boroughs/westminster and /api/boroughs, latency measured client-side.
Goal: p95 < 50 ms each.

Baseline, side by side: the counts computed the naive way, by loading every camera row
into Python as ORM objects and counting there (`naive_counts` below), timed in this
process against the same database; it must give the same figures as evidence/counts.py. Also
shown: evidence/counts.py's single aggregate query on its own (what a request pays when the
cached figures are stale, once per worker after any change or after 60 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import benchlib
from benchlib import milliseconds, p50_p95, print_table, record

sys.path.insert(0, str(benchlib.ROOT / "bench"))

PAGES = [
    ("/boroughs", "the 33 councils table"),
    ("/boroughs/westminster", "one council's page"),
    ("/api/boroughs", "the counts as JSON"),
]
TARGET_P95_S = 0.050


def naive_counts(session) -> dict[str, dict[str, int]]:
    """Every camera loaded as an object, then counted in Python: the obvious first version."""
    from sqlalchemy import select

    from hikwatch.evidence import counts
    from models import Camera

    result: dict[str, dict[str, int]] = {}
    for camera in session.execute(select(Camera)).scalars():
        figures = result.setdefault(camera.borough_code, counts.empty_counts())
        for kind in counts.COUNT_KINDS.values():
            if kind.matches(camera.status, camera.operator_type, camera.brand_verified):
                figures[kind.key] += 1
    return result


def timed_runs(function, runs: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def baseline_figures(database_url: str, runs: int) -> tuple[float, float, bool]:
    """(naive median s, aggregate median s, same answers) against `database_url`."""
    from hikwatch import create_app
    from hikwatch.evidence import counts
    from models import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "benchmark-only",
            "UPLOAD_FOLDER": str(benchlib.OUT / "uploads"),
        }
    )
    with app.app_context():

        def naive():
            db.session.expunge_all()  # no identity-map reuse between runs
            return naive_counts(db.session)

        naive_seconds, naive_result = timed_runs(naive, runs)
        aggregate_seconds, aggregate_result = timed_runs(
            lambda: counts.counts_by_borough(db.session), max(runs, 5)
        )
        same = naive_result == aggregate_result
        db.session.remove()
        db.engine.dispose()
    return statistics.median(naive_seconds), statistics.median(aggregate_seconds), same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: the SQLite bench file")
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=200, help="per page (200)")
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()

    import synthetic

    url = synthetic.build(
        args.database_url or benchlib.sqlite_bench_url(args.cameras), args.cameras
    )
    engine = benchlib.engine_label(url)
    measured: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-counts-", dir=benchlib.OUT) as folder,
        benchlib.BenchServer(url, Path(folder), workers=2) as server,
        benchlib.OtherWork(server) as other_work,
    ):
        for path, _ in PAGES:
            seconds = []
            for _ in range(args.requests):
                answer = benchlib.get(server.url + path, {"Accept-Encoding": "gzip"})
                if answer.status != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status}")
                seconds.append(answer.seconds)
            measured[path] = seconds
    naive_s, aggregate_s, same = baseline_figures(url, args.baseline_runs)

    benchlib.heading(f"Goal 4: borough counts at 300,000 cameras, {engine}, gunicorn 2 workers")
    rows = []
    for path, what in PAGES:
        seconds = measured[path]
        p50, p95 = p50_p95(seconds)
        rows.append(
            (
                f"{path} ({what})",
                str(len(seconds)),
                milliseconds(seconds[0]),
                milliseconds(p50),
                milliseconds(p95),
                milliseconds(naive_s),
                f"{naive_s / p95:,.0f}x",
            )
        )
        record(
            "4 counts",
            f"{engine}: {path} p95",
            milliseconds(p95),
            f"naive {milliseconds(naive_s)}",
            "< 50 ms",
            p95 < TARGET_P95_S,
        )
    print_table(("request", "n", "first", "p50", "p95", "baseline", "p95 vs baseline"), rows)
    print(
        f"baseline: every camera loaded as an ORM object and counted in Python, median of "
        f"{args.baseline_runs}: {milliseconds(naive_s)} per request, before any HTML is made.\n"
        f"evidence.counts's one aggregate query, uncached: {milliseconds(aggregate_s)} (paid once "
        f"per worker when the figures change, or after the cache's 60 s).\n"
        f"first = first request after the server started. Same figures as evidence/counts.py: "
        f"{'yes' if same else 'NO'}\nWhile the requests ran, {other_work.note()}."
    )
    record(
        "4 counts",
        f"{engine}: naive and aggregate counts agree",
        "yes" if same else "NO",
        "-",
        "identical",
        same,
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
