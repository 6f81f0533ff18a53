"""Hikwatch under real gunicorn on a free loopback port, and residents hammering it.

Used by the crash and concurrency tests. The server runs in its own process group, so the
test can SIGKILL the master and every worker at once, as a power cut or an OOM kill would.
Every request goes to 127.0.0.1 only and every loop is bounded in count.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
FLASK = Path(sys.executable).with_name("flask")
WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}
READY_WAIT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_uri: str, folder: Path) -> dict[str, str]:
    """What an operator would export: every worker shares the secret, database and folder."""
    return {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_uri,
        "FLASK_UPLOAD_FOLDER": str(folder / "uploads"),
        "FLASK_EXPORTS_FOLDER": str(folder / "exports"),
        "FLASK_SECRET_KEY": secrets.token_hex(16),
        "FLASK_RATELIMIT_ENABLED": "false",
        "FLASK_LEAFLET_SOURCE": "local",
        "FLASK_TILE_URL": '""',
    }


@dataclass
class GunicornServer:
    environment: dict[str, str]
    workers: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    # None: gunicorn.conf.py's (gthread). "sync" needs one thread: more make it gthread.
    worker_class: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_path: Path) -> GunicornServer:
        self.log_path = log_path
        log = open(log_path, "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                *(["--worker-class", self.worker_class] if self.worker_class else []),
                *(["--threads", "1"] if self.worker_class == "sync" else []),
                "app:create_app()",
            ],
            cwd=ROOT,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed together below
        )
        log.close()
        self.wait_until_ready()
        return self

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/about", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and all its workers at once: no clean shutdown at all."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run `flask --app app …` against the same database and upload folder."""
        return subprocess.run(
            [str(FLASK), "--app", "app", *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
        )


def small_jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (seed % 256, (seed * 7) % 256, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(field_name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Tally:
    """What the residents saw, shared by their threads."""

    acknowledged: list[str] = field(default_factory=list)  # references answered 201
    server_errors: list[str] = field(default_factory=list)  # any 5xx
    refused: list[str] = field(default_factory=list)  # other unexpected answers
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Resident:
    """One browser: its own cookies, session and CSRF token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token: str | None = None

    def request(self, path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=headers or {}, method="POST" if body else "GET"
        )
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def start_session(self) -> None:
        _, html = self.request("/submit")
        match = re.search(rb'<meta name="csrf-token" content="([^"]+)"', html)
        self.token = match.group(1).decode()

    def report_a_camera(self, seed: int, tally: Tally) -> bool:
        """Upload then submit; True if the report was acknowledged."""
        if self.token is None:
            self.start_session()
        body, content_type = multipart("photo", f"c{seed}.jpg", small_jpeg(seed))
        headers = {"X-CSRFToken": self.token, "Content-Type": content_type}
        status, answer = self.request("/api/uploads", body, headers)
        if not self.record(status, answer, 201, tally):
            return False
        payload = {"upload_id": json.loads(answer)["upload_id"], **WESTMINSTER}
        headers = {"X-CSRFToken": self.token, "Content-Type": "application/json"}
        status, answer = self.request("/api/sightings", json.dumps(payload).encode(), headers)
        if not self.record(status, answer, 201, tally):
            return False
        with tally.lock:
            tally.acknowledged.append(json.loads(answer)["reference"])
        return True

    @staticmethod
    def record(status: int, answer: bytes, expected: int, tally: Tally) -> bool:
        if status == expected:
            return True
        with tally.lock:
            target = tally.server_errors if status >= 500 else tally.refused
            target.append(f"{status}: {answer[:200]!r}")
        return False


def run_residents(
    base_url: str,
    residents: int,
    reports_each: int,
    tally: Tally,
    stop: threading.Event | None = None,
) -> None:
    """`residents` threads, each sending up to `reports_each` reports; returns when all end.

    A connection error (the server was killed) ends that resident's run.
    """

    def resident_run(number: int) -> None:
        resident = Resident(base_url)
        for report in range(reports_each):
            if stop is not None and stop.is_set():
                return
            try:
                resident.report_a_camera(number * 1000 + report, tally)
            except (OSError, http.client.HTTPException):
                with tally.lock:
                    tally.connection_errors += 1
                return

    threads = [
        threading.Thread(target=resident_run, args=(number,), daemon=True)
        for number in range(residents)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_SECONDS * reports_each * 2)
