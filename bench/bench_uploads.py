"""Goal 5: 20 residents uploading real phone photos at once, through real gunicorn.

    python bench/bench_uploads.py [--seconds 60] [--uploaders 20] [--workers 2 [1 ...]]
                                  [--no-postgres]

Each uploader is one browser: GET /submit (session cookie, CSRF token from the
csrf-token meta tag), then, until the time is up, POST /api/uploads (multipart field
`photo`) and POST /api/sightings (JSON: the upload id, a point in Westminster, location
source "map"), both with X-CSRFToken. Photos, in turn: a 12 MP phone-like JPEG (made as
bench_photos.py makes it), tests/resources/sewing-threads.heic (real, 4000x3000), and
three smaller real photos from tests/resources.

gunicorn (2 workers, rate limits off) serves a throwaway copy of the 300,000-camera
benchmark database, on SQLite and on PostgreSQL (hikwatch_bench, copied with CREATE
DATABASE … TEMPLATE). Afterwards every acknowledged report (201) must be in the
database with its photo's three files on disk: `lost` counts those that are not.
Baseline: SQLite and PostgreSQL side by side (and 1 worker against 2 with --workers 1 2).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import benchlib
from benchlib import milliseconds, p50_p95, print_table, record

sys.path.insert(0, str(benchlib.ROOT / "bench"))

RESOURCES = benchlib.ROOT / "tests" / "resources"
WESTMINSTER = {"lat": 51.5007, "lon": -0.1246}
REQUEST_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    content_type: str


def phone_photos() -> list[Photo]:
    import bench_photos

    def real(name: str, content_type: str = "image/jpeg") -> Photo:
        return Photo(name, (RESOURCES / name).read_bytes(), content_type)

    return [
        Photo("phone-12mp.jpg", bench_photos.make_camera_jpeg(), "image/jpeg"),
        real("sewing-threads.heic", "image/heic"),
        real("IMG_20180725_163423-tiny.jpg"),  # Pixel, 1012x759
        real("UTC-20240413-203530-Montevideo.jpg"),  # 1920x1080
        real("newyear_london.jpg"),  # iPhone X, 400x300
    ]


# ---------------------------------------------------------------- one resident


@dataclass
class Tally:
    """What every uploader saw; shared by their threads."""

    references: list[str] = field(default_factory=list)  # answered 201 by /api/sightings
    upload_seconds: list[float] = field(default_factory=list)
    sighting_seconds: list[float] = field(default_factory=list)
    report_seconds: list[float] = field(default_factory=list)  # upload + sighting
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class Resident:
    """One browser: its own session cookie and CSRF token, one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, answer
        finally:
            connection.close()

    def start_session(self) -> None:
        status, html = self.request("GET", "/submit")
        match = re.search(rb'<meta name="csrf-token" content="([^"]+)"', html)
        if status != 200 or match is None:
            raise RuntimeError(f"GET /submit answered {status} without a CSRF token")
        self.token = match.group(1).decode()

    def report(self, photo: Photo, tally: Tally) -> None:
        boundary = secrets.token_hex(12)
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="photo"; filename="{photo.name}"\r\n'
                f"Content-Type: {photo.content_type}\r\n\r\n"
            ).encode()
            + photo.data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "X-CSRFToken": self.token,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        started = time.perf_counter()
        status, answer = self.request("POST", "/api/uploads", body, headers)
        uploaded = time.perf_counter()
        if status != 201:
            tally.error(f"upload {photo.name}: {status} {answer[:200]!r}")
            return
        payload = {
            "upload_id": json.loads(answer)["upload_id"],
            **WESTMINSTER,
            "location_source": "map",
        }
        headers = {"X-CSRFToken": self.token, "Content-Type": "application/json"}
        status, answer = self.request(
            "POST", "/api/sightings", json.dumps(payload).encode(), headers
        )
        finished = time.perf_counter()
        if status != 201:
            tally.error(f"sighting {photo.name}: {status} {answer[:200]!r}")
            return
        with tally.lock:
            tally.references.append(json.loads(answer)["reference"])
            tally.upload_seconds.append(uploaded - started)
            tally.sighting_seconds.append(finished - uploaded)
            tally.report_seconds.append(finished - started)


def run_uploaders(
    port: int, uploaders: int, seconds: float, photos: list[Photo]
) -> tuple[Tally, float]:
    """`uploaders` threads reporting until `seconds` have passed; (tally, elapsed seconds).

    A report started before the deadline is finished; none starts after it.
    """
    tally = Tally()
    deadline = time.monotonic() + seconds

    def uploader(number: int) -> None:
        resident = Resident(port)
        try:
            resident.start_session()
            turn = number
            while time.monotonic() < deadline:
                resident.report(photos[turn % len(photos)], tally)
                turn += 1
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            tally.error(f"uploader {number}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=uploader, args=(n,), daemon=True) for n in range(uploaders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 2 * REQUEST_TIMEOUT_SECONDS)
    return tally, time.perf_counter() - started


# ---------------------------------------------------------------- the databases


def lost_reports(database_url: str, upload_folder: Path, references: list[str]) -> list[str]:
    """Acknowledged references missing from the database or missing any of their 3 files."""
    from hikwatch import create_app
    from models import Photo as PhotoRow
    from models import Sighting, db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "benchmark-only",
            "UPLOAD_FOLDER": str(upload_folder),
        }
    )
    store = app.extensions["file_store"]
    with app.app_context():
        stored = dict(
            db.session.execute(
                db.select(Sighting.reference, PhotoRow).join(
                    PhotoRow, Sighting.photo_id == PhotoRow.id
                )
            ).all()
        )
        lost = [
            reference
            for reference in references
            if reference not in stored
            or not all(store.exists(path) for path in stored[reference].file_paths)
        ]
        db.session.remove()
        db.engine.dispose()
    return lost


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    engine: str
    workers: int
    elapsed: float
    tally: Tally
    lost: list[str]
    others_share: float  # of the machine's CPU, used by other processes during the run

    @property
    def per_second(self) -> float:
        return len(self.tally.references) / self.elapsed


def workers_label(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


def one_run(source_url: str, workers: int, args, photos: list[Photo]) -> Run:
    engine = benchlib.engine_label(source_url)
    with (
        tempfile.TemporaryDirectory(prefix="bench-uploads-", dir=benchlib.OUT) as folder,
        benchlib.throwaway_copy(source_url, Path(folder), "hikwatch_bench_uploads") as url,
    ):
        with (
            benchlib.BenchServer(url, Path(folder), workers=workers) as server,
            benchlib.OtherWork(server) as other_work,
        ):
            tally, elapsed = run_uploaders(server.port, args.uploaders, args.seconds, photos)
        lost = lost_reports(url, server.upload_folder, tally.references)
    run = Run(engine, workers, elapsed, tally, lost, other_work.share)
    print(
        f"{engine}, {workers_label(workers)}: {len(tally.references)} reports in {elapsed:.1f} s, "
        f"{len(tally.errors)} errors, {len(lost)} lost",
        flush=True,
    )
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per run (60)")
    parser.add_argument("--uploaders", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[2], help="gunicorn workers")
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument("--postgres-url", default=None, help="default: hikwatch_bench")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    import synthetic

    photos = phone_photos()
    sources = [synthetic.build(benchlib.sqlite_bench_url(args.cameras), args.cameras)]
    postgres_url = args.postgres_url or synthetic.POSTGRES_URL
    if args.no_postgres:
        pass
    elif benchlib.postgres_answers(postgres_url):
        sources.append(synthetic.build(postgres_url, args.cameras))
    else:
        print(f"PostgreSQL does not answer at {postgres_url}: SQLite only")

    runs = [
        one_run(source, workers, args, photos) for source in sources for workers in args.workers
    ]

    benchlib.heading(
        f"Goal 5: {args.uploaders} concurrent uploaders for {args.seconds:.0f} s, gunicorn"
    )
    rows = []
    for run in runs:
        upload_p50, upload_p95 = p50_p95(run.tally.upload_seconds or [0.0])
        sighting_p50, sighting_p95 = p50_p95(run.tally.sighting_seconds or [0.0])
        rows.append(
            (
                f"{run.engine}, {workers_label(run.workers)}",
                str(len(run.tally.references)),
                f"{run.per_second:.2f}",
                f"{milliseconds(upload_p50)} / {milliseconds(upload_p95)}",
                f"{milliseconds(sighting_p50)} / {milliseconds(sighting_p95)}",
                str(len(run.tally.errors)),
                str(len(run.lost)),
                f"{run.others_share:.0%}",
            )
        )
    print_table(
        (
            "database, gunicorn",
            "reports",
            "reports/s",
            "upload p50 / p95",
            "sighting p50 / p95",
            "errors",
            "lost",
            "others' CPU",
        ),
        rows,
    )
    sizes = ", ".join(f"{photo.name} {len(photo.data) / 1e6:.2f} MB" for photo in photos)
    print(f"photos, in turn: {sizes}")
    print(
        "A report is an upload (the server makes the display copy, thumbnail and hash) and a "
        "sighting; latency includes the wait for a free worker (2 cores).\nothers' CPU: "
        "share of the machine other processes used meanwhile (PostgreSQL's server "
        "included); above ~10% the figures are pessimistic."
    )
    for run in runs:
        for error in run.tally.errors[:5]:
            print(f"  {run.engine} error: {error}")
        for reference in run.lost[:5]:
            print(f"  {run.engine} lost: {reference}")

    baseline = runs[0]
    for run in runs:
        label = f"{run.engine}, {workers_label(run.workers)}"
        compared = "-" if run is baseline else f"{baseline.engine} {baseline.per_second:.2f}/s"
        upload_p95 = p50_p95(run.tally.upload_seconds or [0.0])[1]
        record(
            "5 uploads",
            f"{label}: reports/s (upload p95)",
            f"{run.per_second:.2f}/s ({milliseconds(upload_p95)})",
            compared,
            "-",
            None,
        )
        record(
            "5 uploads",
            f"{label}: errors / lost",
            f"{len(run.tally.errors)} / {len(run.lost)}",
            "-",
            "0 / 0",
            not run.tally.errors and not run.lost,
        )
    if any(run.tally.errors or run.lost for run in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
