"""Goal 7: the full open-data exports at 300,000 cameras, built files vs the streamed build.

    python bench/bench_exports.py [--database-url URL] [--rate 20]

Two gunicorn servers (2 workers each) serve the synthetic 300,000-camera database
(bench/synthetic.py), one after the other:

- **Hikwatch**: this checkout with gunicorn.conf.py (threaded workers); the exports are
  built first with `flask --app app exports build` (its time is reported) and sent as
  files.
- **baseline**: the code before exports became files (BASELINE_COMMIT, unpacked into
  bench/out/ with git archive), sync workers, which build the GeoJSON in the request and
  stream it as it goes.

For each: one full GeoJSON download (`/api/cameras.geojson`, uncompressed): time to first
byte, total time, and the workers' resident memory growth while it is served (sampled
every 20 ms, largest growth of any worker); then four clients download it at once, each
reading at --rate MB/s, while one more client loads the /boroughs page again and again
until they finish: its p95 and worst, and whether each export arrived whole. Targets: no
worker builds an export (memory growth < 50 MB), /boroughs p95 < 200 ms meanwhile.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import benchlib
from benchlib import milliseconds, p50_p95, print_table, record

# main before exports became files (the merge this work started from).
BASELINE_COMMIT = "4214c74"
EXPORT = "/api/cameras.geojson"
TARGET_MEMORY_KB = 50 * 1024
TARGET_BOROUGHS_P95_S = 0.200
BUSY_CLIENTS = 4


@dataclass
class Download:
    status: int = 0
    first_byte: float = 0.0
    total: float = 0.0
    size: int = 0
    whole: bool = False
    error: str = ""


def download(
    port: int, path: str = EXPORT, timeout: float = 600, rate: float | None = None
) -> Download:
    """GET and read to the end, at most `rate` bytes a second if given; whole = nothing
    cut short (length or final chunk)."""
    result = Download()
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        result.status = response.status
        chunk = response.read(1)
        result.first_byte = time.perf_counter() - started
        result.size = len(chunk)
        while chunk := response.read(1 << 20):
            result.size += len(chunk)
            if rate:  # a client on a real connection, not loopback
                time.sleep(max(0.0, started + result.size / rate - time.perf_counter()))
        result.whole = result.status == 200
    except (OSError, http.client.HTTPException) as error:
        result.error = type(error).__name__
    finally:
        connection.close()
    result.total = time.perf_counter() - started
    return result


@dataclass
class MemoryWatch:
    """Resident memory of every worker, sampled until stopped."""

    server: benchlib.BenchServer
    before: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemoryWatch:
        self.before = {pid: benchlib.resident_kilobytes(pid) for pid in self.server.worker_pids()}
        self.peak = dict(self.before)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self.before:
                self.peak[pid] = max(self.peak[pid], benchlib.resident_kilobytes(pid))
            time.sleep(0.02)

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()

    def growth_kb(self) -> int:
        return max((self.peak[pid] - self.before[pid] for pid in self.before), default=0)


def busy(server: benchlib.BenchServer, rate: float) -> tuple[list, list]:
    """4 clients download the export at once, each at `rate` bytes a second, while a fifth
    loads /boroughs back to back until they are done; (page latencies, downloads)."""
    downloads: list[Download] = []
    lock = threading.Lock()

    def client() -> None:
        result = download(server.port, rate=rate)
        with lock:
            downloads.append(result)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(BUSY_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    pages: list[float] = []
    while any(thread.is_alive() for thread in threads):
        answer = benchlib.get(f"{server.url}/boroughs", timeout=600)
        if answer.status != 200:
            raise SystemExit(f"/boroughs answered {answer.status}")
        pages.append(answer.seconds)
    return pages, downloads


def build_exports(server: benchlib.BenchServer) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(benchlib.FLASK), "--app", "app", "exports", "build"],
        cwd=benchlib.ROOT,
        env=server.environment(),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def measure(server: benchlib.BenchServer, rate: float) -> dict:
    for _ in range(4):  # both workers have loaded the app (not the export)
        benchlib.get(f"{server.url}/boroughs")
    with MemoryWatch(server) as memory:
        single = download(server.port)
    with benchlib.OtherWork(server) as other_work:
        pages, downloads = busy(server, rate)
    return {
        "single": single,
        "memory_kb": memory.growth_kb(),
        "pages": pages,
        "downloads": downloads,
        "other_work": other_work.note(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: the SQLite bench file")
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument(
        "--rate", type=float, default=20.0, help="MB/s each busy client reads at (20)"
    )
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    import synthetic

    url = synthetic.build(
        args.database_url or benchlib.sqlite_bench_url(args.cameras), args.cameras
    )
    engine = benchlib.engine_label(url)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-exports-", dir=benchlib.OUT) as folder:
        server = benchlib.BenchServer(url, Path(folder) / "new", workers=2)
        server.folder.mkdir(parents=True)
        build_seconds = build_exports(server)
        with server:
            results["Hikwatch: built file"] = measure(server, args.rate * 1e6)
        if not args.no_baseline:
            old = benchlib.BenchServer(
                url,
                Path(folder) / "baseline",
                workers=2,
                source=benchlib.baseline_source(BASELINE_COMMIT),
                extra_arguments=["--worker-class", "sync", "--threads", "1"],
            )
            old.folder.mkdir(parents=True)
            with old:
                results["baseline: streamed build"] = measure(old, args.rate * 1e6)

    benchlib.heading(f"Goal 7: the full GeoJSON export at 300,000 cameras, {engine}")
    rows = []
    for label, result in results.items():
        single, pages = result["single"], result["pages"]
        whole = sum(1 for d in result["downloads"] if d.whole)
        rows.append(
            (
                label,
                milliseconds(single.first_byte),
                f"{single.total:,.2f} s",
                f"{single.size / 1e6:,.0f} MB",
                f"{result['memory_kb'] / 1024:,.1f} MB",
                f"{milliseconds(p50_p95(pages)[1])} / {milliseconds(max(pages))} (n={len(pages)})",
                f"{whole} of {len(result['downloads'])}",
            )
        )
    print_table(
        (
            "server",
            "first byte",
            "total",
            "size",
            "worker memory growth",
            "/boroughs p95 / max, 4 exports on",
            "exports whole",
        ),
        rows,
    )
    print(
        f"Exports built by `flask exports build` in {build_seconds:.1f} s (all six files and "
        "their .gz; outside any request).\nOne download of the full GeoJSON, uncompressed, "
        f"on loopback; then {BUSY_CLIENTS} clients downloading it at once, each reading at "
        f"{args.rate:g} MB/s (a fast connection),\nwhile /boroughs is loaded back to back "
        "until they finish. Memory: largest resident growth of a worker during the single "
        "download (workers warmed with /boroughs only).\n"
        + "\n".join(f"{label}: {result['other_work']}." for label, result in results.items())
    )
    new = results["Hikwatch: built file"]
    old = results.get("baseline: streamed build")

    def baseline(text) -> str:
        return text(old) if old else "-"

    record(
        "7 exports",
        f"{engine}: full GeoJSON, first byte / total",
        f"{milliseconds(new['single'].first_byte)} / {new['single'].total:.2f} s",
        baseline(lambda r: f"{milliseconds(r['single'].first_byte)} / {r['single'].total:.1f} s"),
        "file-served",
        None,
    )
    record(
        "7 exports",
        f"{engine}: worker memory growth serving it",
        f"{new['memory_kb'] / 1024:.1f} MB",
        baseline(lambda r: f"{r['memory_kb'] / 1024:.1f} MB"),
        "< 50 MB",
        new["memory_kb"] < TARGET_MEMORY_KB,
    )
    p95 = p50_p95(new["pages"])[1]
    whole = all(d.whole for d in new["downloads"])
    record(
        "7 exports",
        f"{engine}: /boroughs p95 while 4 exports run",
        f"{milliseconds(p95)} (max {milliseconds(max(new['pages']))}), "
        f"exports whole: {'all' if whole else 'NOT all'}",
        baseline(
            lambda r: (
                f"{milliseconds(p50_p95(r['pages'])[1])} (max {milliseconds(max(r['pages']))}), "
                f"{sum(d.whole for d in r['downloads'])} of {len(r['downloads'])} whole"
            )
        ),
        "< 200 ms",
        p95 < TARGET_BOROUGHS_P95_S and whole,
    )
    if not whole:
        sys.exit(1)


if __name__ == "__main__":
    main()
