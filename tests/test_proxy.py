"""Hikwatch behind Debian's nginx, configured from deploy/nginx/, as production runs it.

Slow clients (one body byte every second on more sockets than gunicorn has workers)
hold bare gunicorn's sync workers, and a quick page waits for them; behind nginx, which
reads bodies whole before passing them on, the same page is answered while they are
still sending. The order of events is asserted, never a duration. nginx also refuses
bodies over the app's limit unread, and sends the built export files itself.

nginx comes from scripts/install_nginx.py (run by `make test`); the test fails, rather
than skips, without it.
"""

from __future__ import annotations

import getpass
import gzip
import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hikwatch import create_app
from hikwatch.web.export_serving import build_now
from models import db
from tests.conftest import base_config
from tests.factories import WESTMINSTER, make_camera
from tests.security.gunicorn_server import GunicornServer, free_port, server_environment

pytestmark = pytest.mark.slow

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 4  # more than gunicorn's 2 workers
BODY_BYTES = 8  # sent one a second: each slow client takes about 8 s
EXAMPLE_UPSTREAM = "127.0.0.1:8000"
EXAMPLE_EXPORTS = "/srv/hikwatch/instance/exports/"


def nginx_config(folder: Path, port: int, app_port: int, exports: Path) -> Path:
    """A main nginx.conf around deploy/nginx's upstream and locations, paths replaced."""
    site = (DEPLOY / "hikwatch.conf").read_text()
    upstream = re.search(r"upstream hikwatch_app \{.*?\n\}", site, re.S)
    assert upstream and EXAMPLE_UPSTREAM in upstream.group(0), "deploy/nginx/hikwatch.conf changed"
    locations = (DEPLOY / "hikwatch-locations.conf").read_text()
    assert EXAMPLE_EXPORTS in locations, "deploy/nginx/hikwatch-locations.conf changed"
    (folder / "hikwatch-locations.conf").write_text(
        locations.replace(EXAMPLE_EXPORTS, f"{exports}/")
    )
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(
        f"""
user {getpass.getuser()};
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    {upstream.group(0).replace(EXAMPLE_UPSTREAM, f"127.0.0.1:{app_port}")}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {folder}/hikwatch-locations.conf;
    }}
}}
"""
    )
    return config


@dataclass
class Nginx:
    config: Path
    port: int
    process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        check = subprocess.run([NGINX, "-t", "-c", str(self.config)], capture_output=True)
        assert check.returncode == 0, check.stderr.decode()
        self.process = subprocess.Popen(
            [NGINX, "-c", str(self.config)], stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()  # our own nginx master, by its id; its worker follows
        self.process.wait(timeout=30)


@dataclass
class SlowClients:
    """Clients posting a form one byte a second; when each began and finished sending."""

    port: int
    started: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=120) as connection:
            connection.sendall(
                b"POST /login HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {BODY_BYTES}\r\n\r\n".encode()
            )
            with self.lock:
                self.started.append(time.monotonic())
            for _ in range(BODY_BYTES):
                time.sleep(1)
                connection.sendall(b"x")
            with self.lock:
                self.finished.append(time.monotonic())
            connection.recv(1024)  # the answer, whatever it is

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.send, daemon=True) for _ in range(SLOW_CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(self.started) < SLOW_CLIENTS and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # the first bytes are in: gunicorn's workers are reading them
        return threads


def quick_page(port: int) -> tuple[int, float]:
    """GET /about; (status, when it was answered)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", "/about")
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic()
    finally:
        connection.close()


def page_while_slow_clients_send(port: int) -> tuple[int, float, SlowClients]:
    slow = SlowClients(port)
    threads = slow.start()
    status, answered = quick_page(port)
    for thread in threads:
        thread.join(timeout=120)
    assert len(slow.finished) == SLOW_CLIENTS
    return status, answered, slow


@pytest.fixture
def sync_gunicorn(tmp_path, database_uri):
    """Two sync workers, the app's exports built: a small server without a proxy."""
    config = {
        **base_config(tmp_path, tmp_path / "unused.db"),
        "SQLALCHEMY_DATABASE_URI": database_uri,
    }
    app = create_app(config)
    with app.app_context():
        make_camera(WESTMINSTER)
        db.session.commit()
        build_now()
        db.engine.dispose()
    environment = {
        **server_environment(database_uri, tmp_path),
        "FLASK_EXPORTS_ACCEL_REDIRECT": "/_exports/",
    }
    server = GunicornServer(environment, workers=2, worker_class="sync")
    server.start(tmp_path / "gunicorn.log")
    try:
        yield server
    finally:
        server.stop()


def test_slow_senders_hold_bare_gunicorn_but_not_nginx_in_front(sync_gunicorn, tmp_path):
    # Bare gunicorn: both workers read slow bodies; the page waits until one is done.
    status, answered, slow = page_while_slow_clients_send(sync_gunicorn.port)
    assert status == 200
    assert answered > min(slow.finished), "the page was answered while every worker was held"

    port = free_port()
    config = nginx_config(tmp_path, port, sync_gunicorn.port, tmp_path / "exports")
    with Nginx(config, port):
        status, answered, slow = page_while_slow_clients_send(port)
    assert status == 200
    assert answered < min(slow.finished), "behind nginx the page waited for the slow senders"


def test_nginx_refuses_bodies_over_the_apps_limit_and_sends_the_export_files(
    sync_gunicorn, tmp_path
):
    port = free_port()
    config = nginx_config(tmp_path, port, sync_gunicorn.port, tmp_path / "exports")
    with Nginx(config, port):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(
                b"POST /api/uploads HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                b"Content-Length: 30000000\r\n\r\n"
            )
            assert connection.recv(1024).startswith(b"HTTP/1.1 413")

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/api/cameras.geojson", headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/geo+json"
        assert response.getheader("Content-Encoding") == "gzip"
        assert 'rel="license"' in response.getheader("Link")
        assert response.getheader("ETag")
        whole = gzip.decompress(body)
        assert b'"FeatureCollection"' in whole and whole.count(b'"Feature"') == 1

        connection.request("GET", "/api/cameras.csv", headers={"Range": "bytes=0-1"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (206, b"id")
        assert "hikwatch-cameras.csv" in response.getheader("Content-Disposition")
        connection.close()
