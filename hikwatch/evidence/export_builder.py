"""Build the export files in a process of their own, one build at a time across servers'
workers, after the data has been quiet for a moment.

    python -m hikwatch.evidence.export_builder --folder F --base-url U [--debounce S] [--now]

The database URL comes from the environment (DATABASE_URL_ENV), never the command line,
where `ps` would show its password. A web worker that finds a file missing or older than
the data calls `start_builder`, which starts this module as a detached process unless one
is running already (an exclusive lock on `.build.lock` in the folder says so), and goes
back to serving the previous file. The process waits until the data version has not
moved for `debounce` seconds (a moderator approving twenty reports causes one build, not
twenty), builds, and repeats while the data moved during the build. `--now` (a snapshot
was just taken), or the hurry file another process touches, skips the wait.

`flask --app app exports build` runs the same build in the foreground (setup, timers).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from hikwatch.evidence import export_files
from hikwatch.evidence.datacache import data_version

DATABASE_URL_ENV = "HIKWATCH_EXPORTS_DATABASE_URL"
LOCK_FILE = ".build.lock"
HURRY_FILE = ".build.now"
LOG_FILE = ".build.log"
POLL_SECONDS = 1.0
MAX_WAIT_FACTOR = 6  # however busy the moderators, a build starts within 6 debounces
MAX_ROUNDS = 20  # then stop; the next stale request starts another builder

log = logging.getLogger("hikwatch.exports")


@contextlib.contextmanager
def build_lock(folder: Path, wait: bool) -> Iterator[bool]:
    """An exclusive lock on the folder's lock file: True if held, False if another has it."""
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_building(folder: Path) -> bool:
    with build_lock(folder, wait=False) as held:
        return not held


def engine_for(url: str) -> Engine:
    # SQLite: wait for a writer's lock rather than fail (WAL readers rarely need to).
    connect_args = {"timeout": 15} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=connect_args)


@contextlib.contextmanager
def snapshot_session(engine: Engine) -> Iterator[Session]:
    """A read-only session whose every query sees the same committed state.

    PostgreSQL: one REPEATABLE READ transaction. SQLite: an explicit BEGIN, since the
    driver would otherwise run each SELECT in a transaction of its own.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        else:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as session:
            try:
                yield session
            finally:
                session.rollback()


def current_version(engine: Engine) -> list:
    with Session(engine) as session:
        return list(data_version(session))


def build_once(engine: Engine, folder: Path, base_url: str) -> export_files.Manifest:
    with snapshot_session(engine) as session:
        return export_files.build(session, folder, base_url)


def wait_for_quiet(
    engine: Engine, folder: Path, debounce: float, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Return once the data version has held still for `debounce` seconds (or a hurry)."""
    started = last_change = time.monotonic()
    version = current_version(engine)
    while True:
        now = time.monotonic()
        if now - last_change >= debounce or now - started >= debounce * MAX_WAIT_FACTOR:
            return
        if (folder / HURRY_FILE).exists():
            return
        sleep(POLL_SECONDS)
        latest = current_version(engine)
        if latest != version:
            version, last_change = latest, time.monotonic()


def run(engine: Engine, folder: Path, base_url: str, debounce: float, now: bool) -> int:
    """Build until the files match the data; how many builds it took."""
    builds = 0
    for _ in range(MAX_ROUNDS):
        manifest = export_files.read_manifest(folder)
        if manifest is not None and manifest.is_fresh(current_version(engine)) and not now:
            break
        if not now:
            wait_for_quiet(engine, folder, debounce)
        (folder / HURRY_FILE).unlink(missing_ok=True)
        manifest = build_once(engine, folder, base_url)
        builds += 1
        now = False
        log.info("exports built from data version %s in %.1f s", manifest.version, manifest.seconds)
    return builds


# ---------------------------------------------------------------- starting one


class Starter:
    """Starts builder processes for one web worker: at most one at a time from here, and
    none while any process holds the folder's lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._started_at = 0.0

    def start(
        self,
        database_url: str,
        folder: Path,
        base_url: str,
        debounce: float,
        now: bool = False,
    ) -> bool:
        """Start a builder unless one runs; True if this call started one."""
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        if now:
            (folder / HURRY_FILE).touch()
        with self._lock:
            mine = self._process
            if mine is not None and mine.poll() is None:
                return False
            # A builder that failed is not restarted in a tight loop.
            if mine is not None and time.monotonic() - self._started_at < max(debounce, 5.0):
                return False
            if is_building(folder):
                return False
            self._process = spawn(database_url, folder, base_url, debounce, now)
            self._started_at = time.monotonic()
        # Reap it when it ends, so it never lingers as a zombie of this worker.
        threading.Thread(target=self._process.wait, daemon=True).start()
        return True


def spawn(
    database_url: str, folder: Path, base_url: str, debounce: float, now: bool
) -> subprocess.Popen:
    arguments = [sys.executable, "-m", __name__, "--folder", str(folder)]
    arguments += ["--base-url", base_url, "--debounce", str(debounce)]
    if now:
        arguments.append("--now")
    log_handle: IO[bytes] = open(folder / LOG_FILE, "ab")  # noqa: SIM115 (child's stderr)
    with log_handle:
        return subprocess.Popen(
            arguments,
            env={**os.environ, DATABASE_URL_ENV: database_url},
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=log_handle,
            start_new_session=True,  # not in the web server's process group or signals
            close_fds=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--debounce", type=float, default=10.0)
    parser.add_argument("--now", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s exports: %(message)s")
    url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        parser.error(f"set {DATABASE_URL_ENV} to the database URL")
    with build_lock(args.folder, wait=False) as held:
        if not held:
            return 0  # another builder is at work; it builds until the files are fresh
        engine = engine_for(url)
        try:
            run(engine, args.folder, args.base_url, args.debounce, args.now)
        except Exception:
            log.exception("exports build failed; the previous files are still served")
            return 1
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
