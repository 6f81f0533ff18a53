"""Postcode search: /api/postcodes for every London postcode, and through real gunicorn.

    python bench/bench_postcodes.py [--sample N] [--server-requests 2000] [--searches 2000]

1. Through Flask's test client, GET /api/postcodes/<postcode> for every London postcode in
   the built file (331,981 in the November 2025 edition; --sample N asks for N of them),
   each typed as a resident might (any case, with or without the space), and checks each
   answer is that postcode's own point. Then GET /api/postcodes?q= for prefixes (the
   postcode box's suggestions as one types). Latency is the whole request in-process.
2. Real gunicorn (2 workers) on loopback: a random sample of postcodes, each on a new
   connection as a browser's first request would be; latency measured client-side.

Goal: p95 < 5 ms. Baseline, side by side: finding the postcode by scanning the list
(list.index), the obvious first version, timed in this process on a sample.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import benchlib
from benchlib import milliseconds, p50_p95, print_table, record

sys.path.insert(0, str(benchlib.ROOT))

TARGET_P95_S = 0.005
SEED = 2025


def as_typed(postcode: str, chooser: random.Random) -> str:
    """The postcode as a resident might type it."""
    return chooser.choice([postcode, postcode.lower(), postcode.replace(" ", "")])


def in_process(postcodes_wanted: list[str], places: dict, prefixes: list[str]):
    """(lookup seconds, search seconds, wrong answers) through Flask's test client."""
    from hikwatch import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "benchmark-only",
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(benchlib.OUT / "uploads"),
        }
    )
    client = app.test_client()
    chooser = random.Random(SEED)
    lookups, searches, wrong = [], [], []
    for postcode in postcodes_wanted:
        path = "/api/postcodes/" + quote(as_typed(postcode, chooser))
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_json()
        lookups.append(time.perf_counter() - started)
        if response.status_code != 200 or (body["lat"], body["lon"]) != places[postcode]:
            wrong.append(postcode)
    for prefix in prefixes:
        started = time.perf_counter()
        response = client.get("/api/postcodes?q=" + quote(prefix))
        found = response.get_json()["postcodes"]
        searches.append(time.perf_counter() - started)
        if response.status_code != 200 or not found:
            wrong.append(f"q={prefix}")
    return lookups, searches, wrong


def migrated_database(folder: Path) -> str:
    """A fresh, empty, migrated SQLite database for the server (the API reads no rows)."""
    url = f"sqlite:///{folder / 'postcodes-bench.db'}"
    subprocess.run(
        [str(benchlib.FLASK), "--app", "app", "db", "upgrade"],
        cwd=benchlib.ROOT,
        env={**benchlib.BenchServer(url, folder).environment()},
        check=True,
        capture_output=True,
    )
    return url


def through_gunicorn(postcodes_wanted: list[str]) -> tuple[list[float], float, str]:
    """(seconds per request, first request's seconds, other-work note)."""
    chooser = random.Random(SEED + 1)
    seconds = []
    with tempfile.TemporaryDirectory(prefix="bench-postcodes-", dir=benchlib.OUT) as folder:
        url = migrated_database(Path(folder))
        with (
            benchlib.BenchServer(url, Path(folder), workers=2) as server,
            benchlib.OtherWork(server) as other_work,
        ):
            for postcode in postcodes_wanted:
                answer = benchlib.get(
                    server.url + "/api/postcodes/" + quote(as_typed(postcode, chooser)),
                    {"Accept-Encoding": "gzip"},
                )
                if answer.status != 200:
                    raise SystemExit(f"{postcode}: HTTP {answer.status}")
                seconds.append(answer.seconds)
    return seconds, seconds[0], other_work.note()


def linear_scan_seconds(all_postcodes: list[str], wanted: list[str]) -> float:
    """Median seconds to find a postcode by scanning the list: the baseline."""
    times = []
    for postcode in wanted:
        started = time.perf_counter()
        all_postcodes.index(postcode)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="postcodes in-process (0: all)")
    parser.add_argument("--server-requests", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=2000)
    parser.add_argument("--baseline-sample", type=int, default=200)
    args = parser.parse_args()

    subprocess.run([sys.executable, str(benchlib.ROOT / "scripts" / "build_postcodes.py")])
    from hikwatch import postcodes

    directory = postcodes.load()
    all_postcodes = directory.postcodes
    lons, lats = directory.coordinates()
    places = dict(zip(all_postcodes, zip(lats.tolist(), lons.tolist(), strict=True), strict=True))
    chooser = random.Random(SEED)
    wanted = list(all_postcodes)
    chooser.shuffle(wanted)
    if args.sample:
        wanted = wanted[: args.sample]
    # What a resident has typed when the box asks: 2 to 7 characters of a real postcode.
    prefixes = [
        as_typed(p, chooser)[: chooser.randint(2, 7)]
        for p in chooser.sample(all_postcodes, args.searches)
    ]

    with benchlib.OtherWork() as other_in_process:
        lookups, searches, wrong = in_process(wanted, places, prefixes)
    served, first, server_note = through_gunicorn(
        chooser.sample(all_postcodes, args.server_requests)
    )
    scan_s = linear_scan_seconds(all_postcodes, chooser.sample(all_postcodes, args.baseline_sample))

    benchlib.heading(
        f"Postcode search: {len(all_postcodes):,} London postcodes "
        f"({directory.metadata.get('edition')}), {Path(postcodes.DEFAULT_PATH).name} "
        f"{Path(postcodes.DEFAULT_PATH).stat().st_size / 1e6:.1f} MB"
    )
    rows = []
    for label, seconds in (
        (f"/api/postcodes/<postcode>, in-process, {len(lookups):,} postcodes", lookups),
        (f"/api/postcodes?q=<2-7 characters>, in-process, {len(searches):,}", searches),
        (f"/api/postcodes/<postcode>, gunicorn, {len(served):,} (new connection)", served),
    ):
        p50, p95 = p50_p95(seconds)
        rows.append((label, milliseconds(p50), milliseconds(p95), milliseconds(max(seconds))))
    print_table(("request", "p50", "p95", "max"), rows)
    lookup_p95 = p50_p95(lookups)[1]
    served_p95 = p50_p95(served)[1]
    print(
        f"wrong or missing answers: {len(wrong)}"
        + (f" (first: {wrong[:5]})" if wrong else "")
        + f"\nbaseline: finding a postcode by scanning the list, median of "
        f"{args.baseline_sample}: {milliseconds(scan_s)}, before any JSON is made.\n"
        f"gunicorn's first request (the worker loads the file): {milliseconds(first)}.\n"
        f"In-process, {other_in_process.note()}; through gunicorn, {server_note}."
    )
    every = "every" if not args.sample else f"{len(lookups):,}"
    record(
        "postcodes",
        f"/api/postcodes, {every} London postcode, p95 in-process",
        milliseconds(lookup_p95),
        f"list scan {milliseconds(scan_s)}",
        "< 5 ms",
        lookup_p95 < TARGET_P95_S,
    )
    record(
        "postcodes",
        f"/api/postcodes via gunicorn, {len(served):,} postcodes, p95",
        milliseconds(served_p95),
        "-",
        "< 5 ms",
        served_p95 < TARGET_P95_S,
    )
    record(
        "postcodes",
        "every answer is the postcode's own point",
        "yes" if not wrong else f"{len(wrong)} wrong",
        "-",
        "all",
        not wrong,
    )
    if wrong:
        sys.exit(1)


if __name__ == "__main__":
    main()
