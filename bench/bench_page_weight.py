"""Goal 6: what the home and submit pages weigh on a first visit, in headless Chromium.

    python bench/bench_page_weight.py [--database-url URL]

Chromium loads each page with an empty cache until the network is idle (the home page's
map data included) and sums, over every response, Chrome's own count of bytes received
(CDP Network.loadingFinished encodedDataLength: headers and body as transferred).
No map tiles are configured and the pages show no photos, so this is the weight
"before map tiles and photos". Goal: < 300 KB each.

Baseline, side by side: the same pages from a server with compression turned off
(FLASK_COMPRESS_REGISTER=false), i.e. as Flask served them before Flask-Compress.
Leaflet is served locally (FLASK_LEAFLET_SOURCE=local): this machine has no network.
With the default `cdn` source the browser fetches Leaflet from unpkg, which compresses
it too, so the weight is about the same, split between two hosts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import benchlib
from benchlib import kilobytes, print_table, record

sys.path.insert(0, str(benchlib.ROOT / "bench"))

PAGES = ["/", "/submit"]
TARGET_BYTES = 300 * 1024


@dataclass
class Resource:
    url: str = ""
    kind: str = ""
    encoding: str = ""
    transferred: int = 0  # encodedDataLength: as received, headers included
    decoded: int = 0  # body after decompression


@dataclass
class PageLoad:
    resources: dict[str, Resource] = field(default_factory=lambda: defaultdict(Resource))

    @property
    def transferred(self) -> int:
        return sum(r.transferred for r in self.resources.values())

    @property
    def decoded(self) -> int:
        return sum(r.decoded for r in self.resources.values())


def load_page(browser, url: str) -> PageLoad:
    """One first visit (fresh profile, empty cache) until the network has been idle."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked = benchlib.block_non_local(context)
    page = context.new_page()
    load = PageLoad()
    cdp = context.new_cdp_session(page)

    def on_response(event) -> None:
        resource = load.resources[event["requestId"]]
        resource.url = event["response"]["url"]
        resource.kind = event.get("type", "")
        headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
        resource.encoding = headers.get("content-encoding", "")

    def on_data(event) -> None:
        load.resources[event["requestId"]].decoded += event["dataLength"]

    def on_finished(event) -> None:
        load.resources[event["requestId"]].transferred = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.goto(url, wait_until="networkidle")
    context.close()
    if blocked:
        raise SystemExit(f"the page tried to reach another host: {blocked[0]}")
    return load


def measure(database_url: str, compressed: bool) -> dict[str, PageLoad]:
    from playwright.sync_api import sync_playwright

    environment = {} if compressed else {"FLASK_COMPRESS_REGISTER": "false"}
    with (
        tempfile.TemporaryDirectory(prefix="bench-weight-", dir=benchlib.OUT) as folder,
        benchlib.BenchServer(database_url, Path(folder), extra_environment=environment) as server,
        sync_playwright() as playwright,
    ):
        browser = benchlib.open_chromium(playwright)
        try:
            return {path: load_page(browser, server.url + path) for path in PAGES}
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: the SQLite bench file")
    parser.add_argument("--cameras", type=int, default=300_000)
    args = parser.parse_args()

    import synthetic

    url = synthetic.build(
        args.database_url or benchlib.sqlite_bench_url(args.cameras), args.cameras
    )
    compressed = measure(url, compressed=True)
    uncompressed = measure(url, compressed=False)

    benchlib.heading("Goal 6: first-visit page weight in Chromium (no tiles, no photos)")
    rows = []
    for path in PAGES:
        ours, baseline = compressed[path], uncompressed[path]
        rows.append(
            (
                path,
                str(len(ours.resources)),
                kilobytes(ours.transferred),
                kilobytes(baseline.transferred),
                f"{baseline.transferred / ours.transferred:.1f}x",
                kilobytes(ours.decoded),
            )
        )
        record(
            "6 page weight",
            f"{path} first visit, transferred",
            kilobytes(ours.transferred),
            f"uncompressed {kilobytes(baseline.transferred)}",
            "< 300 KB",
            ours.transferred < TARGET_BYTES,
        )
    print_table(
        (
            "page",
            "requests",
            "compressed",
            "baseline: uncompressed",
            "saving",
            "decoded bodies",
        ),
        rows,
    )
    print(
        "transferred = Chrome's encodedDataLength summed over every response, headers "
        "included; Leaflet served locally.\nIn cdn mode Leaflet (about 45 KB compressed of "
        "the total) comes compressed from unpkg instead; not measurable offline."
    )
    print("\nWhere the home page's bytes go (compressed server):")
    home = sorted(compressed["/"].resources.values(), key=lambda r: -r.transferred)
    print_table(
        ("resource", "type", "encoding", "transferred", "decoded"),
        [
            (
                r.url.split("/", 3)[-1][:60] or "/",
                r.kind,
                r.encoding or "-",
                kilobytes(r.transferred),
                kilobytes(r.decoded),
            )
            for r in home
        ],
    )


if __name__ == "__main__":
    main()
