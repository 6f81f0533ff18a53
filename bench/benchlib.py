"""What the benchmarks share: a real gunicorn server, percentiles, tables and the summary.

Every request goes to 127.0.0.1, every loop is bounded in count and time, and the
server runs in its own process group so it is stopped whole, by its own id.
A benchmark calls `record(...)` for each figure that meets (or misses) a goal; when
bench/run_all.py runs it, those rows make the final summary table.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
SUMMARY_ENV = "HIKWATCH_BENCH_SUMMARY"
READY_WAIT_SECONDS = 60

# As the brief for the browser measurements says; tiles are off, so nothing leaves the host.
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces with the route below: no host name but localhost resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

# ---------------------------------------------------------------- numbers and tables


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at least `share` of the values reach."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil without importing math
    return ordered[int(rank) - 1]


def p50_p95(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 0.95)


def kilobytes(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def print_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """First column left-aligned, the others right-aligned, two spaces apart."""
    rows = [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in [tuple(header), *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    print(line(header))
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row))


def heading(text: str) -> None:
    print()
    print(f"== {text} ==")


def record(
    goal: str,
    figure: str,
    measured: str,
    baseline: str,
    target: str,
    met: bool | None,
) -> None:
    """One row of run_all's summary table (nothing happens when run on its own)."""
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return
    row = {
        "goal": goal,
        "figure": figure,
        "measured": measured,
        "baseline": baseline,
        "target": target,
        "met": met,
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- the machine

CORES = os.cpu_count() or 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def process_group_cpu_seconds(group_id: int) -> float:
    """CPU seconds used so far by the live processes of one process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group_id:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def this_process_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class OtherWork:
    """Share of the machine's CPU used, during a `with` block, by processes other than this
    one and the server's: someone else's tests or browser competing for the cores.
    PostgreSQL's server processes count as other work."""

    def __init__(self, server: BenchServer | None = None) -> None:
        self.server = server
        self.share = 0.0

    def _ours(self) -> float:
        return this_process_cpu_seconds() + (self.server.cpu_seconds() if self.server else 0.0)

    def __enter__(self) -> OtherWork:
        self._started = time.perf_counter()
        self._machine, self._ours_before = machine_busy_seconds(), self._ours()
        return self

    def __exit__(self, *exc_info) -> None:
        ours = self._ours() - self._ours_before
        others = machine_busy_seconds() - self._machine - ours
        self.share = max(0.0, others) / ((time.perf_counter() - self._started) * CORES)

    def note(self) -> str:
        warning = " (figures pessimistic)" if self.share > 0.10 else ""
        return f"other processes used {self.share:.0%} of the machine{warning}"


# ---------------------------------------------------------------- databases


def sqlite_bench_url(cameras: int = 300_000) -> str:
    return f"sqlite:///{OUT / f'bench-{cameras}.db'}"


def postgres_answers(url: str, timeout_seconds: float = 3.0) -> bool:
    """Whether the PostgreSQL server in `url` accepts connections (its host and port only)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        with socket.create_connection(
            (parsed.host or "127.0.0.1", parsed.port or 5432), timeout=timeout_seconds
        ):
            return True
    except OSError:
        return False


def engine_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def _postgres_admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(libpq.render_as_string(hide_password=False), autocommit=True)


def _drop_postgres(url: str, name: str) -> None:
    from psycopg import sql

    with _postgres_admin(url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def throwaway_copy(source_url: str, folder: Path, name: str) -> Iterator[str]:
    """A copy of a benchmark database that a run may change; removed afterwards.

    SQLite: a file in `folder`, written with SQLite's backup API (WAL included).
    PostgreSQL: database `name`, made with CREATE DATABASE … TEMPLATE (the source must
    have no open connections, which synthetic.build sees to).
    """
    from sqlalchemy.engine import make_url

    if not source_url.startswith("postgresql"):
        source = sqlite3.connect(source_url.removeprefix("sqlite:///"))
        target_path = folder / f"{name}.db"
        target = sqlite3.connect(target_path)
        with target:
            source.backup(target)
        source.close()
        target.close()
        yield f"sqlite:///{target_path}"
        return

    from psycopg import sql

    source = make_url(source_url)
    _drop_postgres(source_url, name)
    with _postgres_admin(source_url) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source.database)
            )
        )
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_postgres(source_url, name)


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class BenchServer:
    """gunicorn serving Hikwatch on a free loopback port, as an operator would run it."""

    database_url: str
    folder: Path
    workers: int = 2
    extra_environment: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    # The code served: this checkout, or an older one (baseline_source) for comparison.
    source: Path = ROOT
    extra_arguments: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upload_folder(self) -> Path:
        return self.folder / "uploads"

    @property
    def log_path(self) -> Path:
        return self.folder / "gunicorn.log"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "FLASK_SQLALCHEMY_DATABASE_URI": self.database_url,
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            "FLASK_UPLOAD_FOLDER": str(self.upload_folder),
            "FLASK_LEAFLET_SOURCE": "local",
            "FLASK_TILE_URL": "",
            "FLASK_RATELIMIT_ENABLED": "false",
            "FLASK_EXPORTS_FOLDER": str(self.folder / "exports"),
            **({"PYTHONPATH": str(self.source)} if self.source != ROOT else {}),
            **self.extra_environment,
        }

    def start(self) -> BenchServer:
        self.upload_folder.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 (handed to the child, closed below)
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                # The naive baseline streams a 166 MB export for ~15 s in one request.
                "--timeout",
                "180",
                "--graceful-timeout",
                "5",
                *self.extra_arguments,
                "app:create_app()",
            ],
            cwd=self.source,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
        log.close()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if get(self.url + "/about", timeout=5).status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer:\n{self.log_path.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the master's children."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU used so far by gunicorn and its workers."""
        return process_group_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def resident_kilobytes(pid: int) -> int:
    """A process's resident set size now (VmRSS), 0 once it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def baseline_source(commit: str) -> Path:
    """The project as it was at `commit`, unpacked once into bench/out/ (git archive), to
    serve the same database with the code a figure is compared against."""
    target = OUT / f"baseline-{commit}"
    if (target / "app.py").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


# ---------------------------------------------------------------- HTTP


@dataclass
class Answer:
    status: int
    body: bytes  # as it came over the wire (compressed if Content-Encoding says so)
    headers: dict[str, str]
    seconds: float  # request sent to last body byte read, connection set-up included


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 180) -> Answer:
    """One GET on a new connection (gunicorn's sync workers close each one anyway)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks only talk to 127.0.0.1, not {url}")
    hostport, _, path = url.removeprefix("http://").partition("/")
    host, _, port = hostport.partition(":")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", "/" + path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    return Answer(response.status, body, {k.lower(): v for k, v in response.getheaders()}, seconds)


def decoded(answer: Answer) -> bytes:
    """The body once its Content-Encoding is undone."""
    import gzip
    import zlib

    encoding = answer.headers.get("content-encoding", "")
    if encoding == "gzip":
        return gzip.decompress(answer.body)
    if encoding == "deflate":
        return zlib.decompress(answer.body)
    if encoding:
        raise ValueError(f"unexpected Content-Encoding {encoding!r}")
    return answer.body


# ---------------------------------------------------------------- the browser


def open_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )


def is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1:", "http://localhost:", "data:", "blob:"))


def block_non_local(context) -> list[str]:
    """Abort every request that would leave the machine; returns the list of those tried."""
    tried: list[str] = []

    def refuse(route) -> None:
        tried.append(route.request.url)
        route.abort()

    context.route(lambda url: not is_local(url), refuse)
    return tried
