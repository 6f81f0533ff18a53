"""Goal 3: /api/map for ANY box and zoom at 300,000 cameras: the worst case of a grid.

    python bench/bench_map_grid.py [--database-url URL] [--requests 20]

Every box below at every zoom from 8 to 18, --requests times each (the box moved by a few
metres each time, so nothing is served from a cache by URL), through gunicorn (2 workers)
over the synthetic database: the worst p95 and the largest body of any (box, zoom). The
first requests, which load each worker's snapshot of the cameras (once per data version),
are made before the grid and reported apart.
Baseline: the code before the map's work was bounded (BASELINE_COMMIT), 2 requests per
(box, zoom), its worst. Targets: < 100 ms at p95 and < 250 KB, everywhere.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import benchlib
from bench_exports import BASELINE_COMMIT
from benchlib import kilobytes, milliseconds, p50_p95, print_table, record

BOXES = {
    "world": (-180.0, -90.0, 180.0, 90.0),
    "Greater London": (-0.5104, 51.2868, 0.3340, 51.6919),
    "inner London (10 km)": (-0.20, 51.46, -0.05, 51.55),
    "a borough (5 km)": (-0.17, 51.49, -0.10, 51.53),
    "a neighbourhood (1.5 km)": (-0.14, 51.50, -0.12, 51.513),
    "a street (600 m)": (-0.130, 51.505, -0.1215, 51.5086),
    "outside London (Paris)": (2.25, 48.82, 2.42, 48.90),
}
ZOOMS = range(8, 19)
TARGET_P95_S = 0.100
TARGET_BYTES = 250 * 1024
GZIP = {"Accept-Encoding": "gzip"}
WARM_REQUESTS = 8  # gunicorn spreads them over both workers


def nudged(box, i: int) -> str:
    """The box moved by i × ~1 m, clamped to the globe."""
    shift = i * 0.00001
    min_lon, min_lat, max_lon, max_lat = box
    values = (
        max(-180.0, min_lon + shift),
        max(-90.0, min_lat + shift),
        min(180.0, max_lon + shift),
        min(90.0, max_lat + shift),
    )
    return ",".join(f"{v:.5f}" for v in values)


def warm(server: benchlib.BenchServer) -> float:
    """Requests until each worker has loaded its snapshot of the cameras (once per worker
    and data version); the slowest of them, which the grid's figures then leave out."""
    london = nudged(BOXES["Greater London"], 0)
    return max(
        benchlib.get(f"{server.url}/api/map?bbox={london}&zoom=11", GZIP, timeout=600).seconds
        for _ in range(WARM_REQUESTS)
    )


def run_grid(server: benchlib.BenchServer, requests: int) -> dict:
    """(box, zoom) -> (p95 seconds, largest decoded body in bytes)."""
    results = {}
    for label, box in BOXES.items():
        for zoom in ZOOMS:
            seconds, sizes = [], []
            for i in range(requests):
                url = f"{server.url}/api/map?bbox={nudged(box, i)}&zoom={zoom}"
                answer = benchlib.get(url, GZIP, timeout=600)
                if answer.status != 200:
                    raise SystemExit(f"{url}: HTTP {answer.status}")
                seconds.append(answer.seconds)
                sizes.append(len(benchlib.decoded(answer)))
            results[label, zoom] = (p50_p95(seconds)[1], max(sizes))
    return results


def worst(results: dict) -> tuple[tuple, tuple]:
    slowest = max(results, key=lambda key: results[key][0])
    largest = max(results, key=lambda key: results[key][1])
    return slowest, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: the SQLite bench file")
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=20, help="per (box, zoom)")
    parser.add_argument("--baseline-requests", type=int, default=2)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    import synthetic

    url = synthetic.build(
        args.database_url or benchlib.sqlite_bench_url(args.cameras), args.cameras
    )
    engine = benchlib.engine_label(url)
    with tempfile.TemporaryDirectory(prefix="bench-map-grid-", dir=benchlib.OUT) as folder:
        with (
            benchlib.BenchServer(url, Path(folder) / "new", workers=2) as server,
            benchlib.OtherWork(server) as other_work,
        ):
            cold = warm(server)
            new = run_grid(server, args.requests)
        old = None
        if not args.no_baseline:
            baseline_server = benchlib.BenchServer(
                url,
                Path(folder) / "baseline",
                workers=2,
                source=benchlib.baseline_source(BASELINE_COMMIT),
                extra_arguments=["--worker-class", "sync", "--threads", "1"],
            )
            with baseline_server:
                warm(baseline_server)
                old = run_grid(baseline_server, args.baseline_requests)

    benchlib.heading(f"Goal 3: /api/map over {len(BOXES)} boxes x zooms 8-18, {engine}")
    rows = []
    for zoom in ZOOMS:
        p95 = max(new[label, zoom][0] for label in BOXES)
        size = max(new[label, zoom][1] for label in BOXES)
        row = [str(zoom), milliseconds(p95), kilobytes(size)]
        if old:
            row += [
                milliseconds(max(old[label, zoom][0] for label in BOXES)),
                kilobytes(max(old[label, zoom][1] for label in BOXES)),
            ]
        rows.append(row)
    header = ["zoom", "worst p95", "largest body"]
    if old:
        header += ["baseline worst", "baseline largest"]
    print_table(header, rows)
    slowest, largest = worst(new)
    print(
        f"Worst p95 {milliseconds(new[slowest][0])} ({slowest[0]}, zoom {slowest[1]}); "
        f"largest body {kilobytes(new[largest][1])} ({largest[0]}, zoom {largest[1]}); "
        f"{args.requests} requests per (box, zoom), decoded bodies (sent gzipped).\n"
        f"Before the grid, each worker loaded its snapshot of the cameras (once per data "
        f"version): the slowest such request took {milliseconds(cold)}.\n"
        f"While it ran, {other_work.note()}."
    )
    baseline_text = "-"
    if old:
        old_slowest, old_largest = worst(old)
        baseline_text = (
            f"{milliseconds(old[old_slowest][0])} ({old_slowest[0]} z{old_slowest[1]}), "
            f"{kilobytes(old[old_largest][1])}"
        )
        print(f"Baseline (worst of {args.baseline_requests} per cell): {baseline_text}.")
    met = new[slowest][0] < TARGET_P95_S and new[largest][1] < TARGET_BYTES
    record(
        "3 map",
        f"{engine}: /api/map worst p95 and largest body, {len(BOXES)} boxes x zooms 8-18",
        f"{milliseconds(new[slowest][0])}, {kilobytes(new[largest][1])}",
        baseline_text,
        "< 100 ms, < 250 KB",
        met,
    )


if __name__ == "__main__":
    main()
