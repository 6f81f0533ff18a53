"""Security figures: a worker's memory peak over a hostile corpus of photos and at the
largest photo the decode budget allows, and the time of a failed login for an existing
and an unknown email.

    python bench/bench_security.py            # about 1 minute
    python bench/bench_security.py --quick    # fewer logins, no run without the budget

Each photo is processed in a fresh process that has built the app, as a gunicorn worker
has, through the same call the upload views make (`submissions.process_upload`: the
decode-budget check, then decoding and the public derivatives). The peak is that
process's maximum resident set size; the rise is the peak less what the process held
before the photo. The baseline is the same worker without the decode budget (the
10000 x 10000 RGBA PNG from the security review then decodes). Logins go through the app
with the production password hash (scrypt). Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib
from benchlib import print_table, record

sys.path.insert(0, str(benchlib.ROOT))

from tests.security.hostile_images import blank_png, jpeg_declaring, one_bit_png  # noqa: E402

CORPUS = benchlib.OUT / "hostile"
MB = 1024 * 1024
BUDGET = 256 * MB
SQUARE_RGB = int((BUDGET / 3) ** 0.5)  # the largest square RGB photo within the budget


def corpus() -> dict[str, tuple[bytes, str]]:
    """name -> (file, what it is); hostile files first, then what the budget allows."""
    phone = (benchlib.ROOT / "tests" / "resources" / "big_ben.jpg").read_bytes()
    return {
        "png-10000x10000-rgba": (blank_png(10_000, 10_000, 4), "hostile"),
        "png-9500x9500-rgb": (blank_png(9_500, 9_500, 3), "hostile"),
        "png-30000x30000-1bit": (one_bit_png(30_000, 30_000), "hostile"),
        "jpeg-declaring-60000x60000": (jpeg_declaring(small_jpeg(), 60_000, 60_000), "hostile"),
        f"png-{SQUARE_RGB}x{SQUARE_RGB}-rgb": (blank_png(SQUARE_RGB, SQUARE_RGB, 3), "allowed"),
        "png-8192x8192-rgba": (blank_png(8_192, 8_192, 4), "allowed"),
        "phone-jpeg-big-ben": (phone, "allowed"),
    }


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def child(path: Path, budget: int) -> None:
    """In a fresh process: build the app, then process one photo; print JSON figures."""
    from hikwatch import create_app
    from hikwatch.errors import PhotoError
    from hikwatch.submissions import PhotoLimits, process_upload

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'unused.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "DECODE_BUDGET_BYTES": budget,
        }
    )
    limits = PhotoLimits.from_config(app.config)
    data = path.read_bytes()
    before = max_rss_mb()
    started = time.perf_counter()
    try:
        process_upload(data, limits)
        outcome = "accepted"
    except PhotoError as error:
        outcome = f"refused {error.status}"
    seconds = time.perf_counter() - started
    peak = max_rss_mb()
    print(json.dumps({"before": before, "peak": peak, "outcome": outcome, "seconds": seconds}))


def measure(path: Path, budget: int = BUDGET) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--budget", str(budget)],
        cwd=benchlib.ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def login_times(logins: int) -> tuple[float, float]:
    """Median seconds of a failed login for an existing and for an unknown email."""
    from flask_migrate import upgrade

    from hikwatch import create_app
    from hikwatch.security.accounts import create_user
    from models import db

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            # Delays would answer 429 without comparing anything: count every try.
            "LOGIN_FAILURE_LIMIT": 10**6,
            "LOGIN_CLIENT_FAILURE_LIMIT": 10**6,
        }
    )
    with app.app_context():
        upgrade()
        create_user("moderator@example.org", "correct horse battery staple", "moderator")
        db.session.commit()
    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(logins):
        for kind, email in (("known", "moderator@example.org"), ("unknown", "no@example.org")):
            started = time.perf_counter()
            response = client.post("/login", data={"email": email, "password": f"wrong {n}"})
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 401, response.status_code
    with app.app_context():
        db.engine.dispose()
    return statistics.median(times["known"]), statistics.median(times["unknown"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=int, default=BUDGET, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.budget)
        return

    CORPUS.mkdir(parents=True, exist_ok=True)
    rows, results = [], {}
    for name, (data, kind) in corpus().items():
        path = CORPUS / f"{name}.bin"
        path.write_bytes(data)
        result = measure(path)
        results[name] = (kind, result)
        rows.append(
            (
                name,
                kind,
                f"{len(data) / 1024:,.0f} KB",
                result["outcome"],
                f"{result['peak']:,.0f} MB",
                f"+{result['peak'] - result['before']:,.0f} MB",
                f"{result['seconds'] * 1000:,.0f} ms",
            )
        )
    print(f"Each photo in a fresh worker-like process; decode budget {BUDGET // MB} MB.")
    print_table(("photo", "kind", "file", "outcome", "peak RSS", "rise", "time"), rows)

    hostile = {n: r for n, (kind, r) in results.items() if kind == "hostile"}
    allowed = {n: r for n, (kind, r) in results.items() if kind == "allowed"}
    worst_name = max(hostile, key=lambda n: hostile[n]["peak"])
    worst = hostile[worst_name]
    largest_name = max(allowed, key=lambda n: allowed[n]["peak"])
    largest = allowed[largest_name]
    baseline = "not measured (--quick)"
    if not args.quick:
        path = CORPUS / "png-10000x10000-rgba.bin"
        unbudgeted = measure(path, budget=10**15)
        baseline = f"{unbudgeted['peak']:,.0f} MB without the budget ({unbudgeted['outcome']})"
        print(f"\nBaseline: png-10000x10000-rgba without a decode budget: {baseline}.")
    print(f"\nWorst worker peak over the hostile corpus: {worst['peak']:,.0f} MB ({worst_name}).")
    print(f"Largest allowed photo: {largest['peak']:,.0f} MB peak ({largest_name}).")
    record(
        "sec",
        "worst worker peak, hostile photos",
        f"{worst['peak']:,.0f} MB ({worst_name})",
        baseline,
        "all refused",
        all(r["outcome"].startswith("refused") for r in hostile.values()),
    )
    record(
        "sec",
        "worker peak, largest allowed photo",
        f"{largest['peak']:,.0f} MB ({largest_name})",
        "",
        "",
        None,
    )

    logins = 5 if args.quick else 20
    known, unknown = login_times(logins)
    print(
        f"\nFailed login, median of {logins} (scrypt): existing email {known * 1000:,.0f} ms, "
        f"unknown email {unknown * 1000:,.0f} ms."
    )
    record(
        "sec",
        "failed login, existing / unknown email",
        f"{known * 1000:,.0f} / {unknown * 1000:,.0f} ms",
        "150 / 13 ms before the dummy hash",
        "within 20%",
        abs(known - unknown) <= 0.2 * max(known, unknown),
    )


if __name__ == "__main__":
    main()
