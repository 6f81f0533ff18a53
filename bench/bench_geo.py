"""Benchmark geo.BoroughIndex against a naive per-point loop over the 33 polygons.

Usage, from the repository root:

    python bench/bench_geo.py [--points N] [--sample M] [--repeats R]

Prints medians of several runs as a small table. Takes well under a minute with the
defaults (1,000,000 points, a 20,000-point sample for the slow baseline).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import benchlib
import numpy as np
from shapely.geometry import Point, shape

from hikwatch import geo

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "london_boroughs.geojson"


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def baseline(polygons: list, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The naive way: for each point, try every polygon in code order, keep the first."""
    out = np.full(len(xs), -1, dtype=np.int64)
    for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        point = Point(x, y)
        for k, polygon in enumerate(polygons):
            if polygon.covers(point):
                out[i] = k
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="bulk points (1e6)")
    parser.add_argument("--sample", type=int, default=20_000, help="baseline sample (2e4)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per median (5)")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    sample = min(args.sample, args.points)

    build_s, index = timed(lambda: geo.BoroughIndex.from_geojson(DATA), max(3, args.repeats))
    assert isinstance(index, geo.BoroughIndex)

    rng = np.random.default_rng(args.seed)
    x0, y0, x1, y1 = index.bounds
    xs = rng.uniform(x0, x1, args.points)
    ys = rng.uniform(y0, y1, args.points)

    bulk_s, bulk = timed(lambda: index.locate_many(xs, ys), args.repeats)
    assert isinstance(bulk, np.ndarray)
    bulk_rate = args.points / bulk_s

    # The baseline gets its own, unprepared polygons straight from the file.
    with DATA.open(encoding="utf-8") as fh:
        features = sorted(json.load(fh)["features"], key=lambda f: f["properties"]["code"])
    polygons = [shape(f["geometry"]) for f in features]
    base_runs = max(1, min(3, args.repeats))
    base_s, base = timed(lambda: baseline(polygons, xs[:sample], ys[:sample]), base_runs)
    base_rate = sample / base_s

    singles = [
        index.locate(x, y) for x, y in zip(xs[:sample].tolist(), ys[:sample].tolist(), strict=True)
    ]
    single_idx = np.array([-1 if b is None else index.index_of(b.code) for b in singles])
    identical = bool(np.array_equal(bulk[:sample], base) and np.array_equal(single_idx, base))

    lat_ns = []
    for x, y in zip(xs[:sample].tolist(), ys[:sample].tolist(), strict=True):
        t = time.perf_counter_ns()
        index.locate(x, y)
        lat_ns.append(time.perf_counter_ns() - t)
    lat_ns.sort()
    median_us = statistics.median(lat_ns) / 1e3
    p95_us = lat_ns[int(0.95 * (len(lat_ns) - 1))] / 1e3

    rows_, cols_ = index.grid_shape
    rows = [
        ("index build (median)", f"{build_s * 1e3:,.0f} ms"),
        (
            "grid cols x rows / cells needing exact test",
            f"{cols_} x {rows_} / {index.mixed_fraction:.1%}",
        ),
        (f"Hikwatch locate_many, {args.points:,} pts", f"{bulk_rate:,.0f} pts/s"),
        (f"baseline loop, {sample:,}-pt sample", f"{base_rate:,.0f} pts/s"),
        ("baseline extrapolated to all points", f"{args.points / base_rate:,.1f} s"),
        ("speed-up (bulk / baseline)", f"{bulk_rate / base_rate:,.0f}x"),
        ("answers identical on sample", "yes" if identical else "NO"),
        ("single locate(), median", f"{median_us:.2f} us"),
        ("single locate(), p95", f"{p95_us:.2f} us"),
        ("inside London (share of bbox)", f"{(bulk >= 0).mean():.1%}"),
    ]
    width = max(len(name) for name, _ in rows)
    vwidth = max(len(value) for _, value in rows)
    print(f"Hikwatch vs baseline (median of {args.repeats} runs; baseline {base_runs})")
    print("-" * (width + vwidth + 3))
    for name, value in rows:
        print(f"{name:<{width}}   {value:>{vwidth}}")
    speed_up = bulk_rate / base_rate
    benchlib.record(
        "2 boroughs",
        f"locate_many, {args.points:,} points (speed-up)",
        f"{bulk_rate:,.0f} pts/s ({speed_up:,.0f}x)",
        f"per-point loop {base_rate:,.0f} pts/s",
        ">= 1M pts/s, >= 25x",
        bulk_rate >= 1_000_000 and speed_up >= 25,
    )
    benchlib.record(
        "2 boroughs",
        "answers identical to the loop",
        "yes" if identical else "NO",
        "-",
        "yes",
        identical,
    )
    benchlib.record(
        "2 boroughs",
        "single locate() median",
        f"{median_us:.1f} us",
        "-",
        "< 50 us",
        median_us < 50,
    )
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
