"""Time the public map data and evidence pages against many synthetic cameras.

Usage, from the repository root:

    python bench/bench_evidence.py [--cameras 300000] [--requests 40] [--database-url URL]

Builds (once) a database of synthetic cameras with bench/synthetic.py, in its own file
(bench/out/evidence-<N>.db unless a URL is given), then requests each URL through the
app, in process, and prints p50/p95 latency and response size. "cold" is the first
request after the data changed (nothing cached), "warm" the steady state.
Goals: /api/map p95 < 100 ms and < 250 KB; pages p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402

CITY_WIDE = "bbox=-0.5104,51.2868,0.3340,51.6919&zoom=11"
WIDE_PHONE = "bbox=-0.1800,51.4900,-0.0800,51.5300&zoom=13"
NEIGHBOURHOOD = "bbox=-0.1500,51.5000,-0.1100,51.5160&zoom=15"
STREET = "bbox=-0.1320,51.5060,-0.1240,51.5100&zoom=17"
STREET_DESKTOP = "bbox=-0.1400,51.5040,-0.1160,51.5120&zoom=17"

URLS = [
    ("map: city-wide (z11)", f"/api/map?{CITY_WIDE}"),
    ("map: city-wide, all statuses", f"/api/map?{CITY_WIDE}&status=all"),
    ("map: city-wide, council, verified", f"/api/map?{CITY_WIDE}&operator=council&verified=yes"),
    ("map: inner London (z13)", f"/api/map?{WIDE_PHONE}"),
    ("map: neighbourhood (z15)", f"/api/map?{NEIGHBOURHOOD}"),
    ("map: street, phone (z17)", f"/api/map?{STREET}"),
    ("map: street, desktop (z17)", f"/api/map?{STREET_DESKTOP}"),
    ("page: home", "/"),
    ("page: boroughs table", "/boroughs?sort=verified"),
    ("page: borough", "/boroughs/westminster"),
    ("page: borough list (council)", "/boroughs/westminster/cameras?count=council_operated"),
    ("page: camera", "/cameras/1000"),
    ("api: camera popup", "/api/cameras/1000"),
    ("api: boroughs", "/api/boroughs"),
    ("page: motion pack", "/boroughs/westminster/pack"),
    ("feed: borough", "/boroughs/westminster/feed.atom"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(client, url: str, repeats: int) -> tuple[float, float, float, int]:
    """(cold ms, p50 ms, p95 ms, bytes); cold runs with the cache emptied first."""
    client.application.extensions.get("data_cache") and client.application.extensions[
        "data_cache"
    ].clear()
    started = time.perf_counter()
    response = client.get(url)
    cold = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.get_data())
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(url).get_data()
        times.append((time.perf_counter() - started) * 1000)
    return cold, statistics.median(times), percentile(times, 0.95), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    synthetic.OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{synthetic.OUT / f'evidence-{args.cameras}.db'}"
    synthetic.build(url, args.cameras)

    from hikwatch import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark-only",
            "UPLOAD_FOLDER": str(synthetic.OUT / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    print(f"{args.cameras:,} cameras, {args.requests} requests per URL ({url})")
    print(f"{'what':36} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'KB':>8}")
    for label, target in URLS:
        cold, p50, p95, size = measure(client, target, args.requests)
        print(f"{label:36} {cold:8.1f} {p50:8.1f} {p95:8.1f} {size / 1024:8.1f}")


if __name__ == "__main__":
    main()
