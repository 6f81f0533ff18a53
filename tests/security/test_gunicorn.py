"""Under real gunicorn: crash it mid-stream and nothing acknowledged is lost; 20 residents
at once and every report is stored whole. On SQLite, and on PostgreSQL in the suite's
PostgreSQL pass (TEST_DATABASE_URL), because `database_uri` gives whichever is in use."""

from __future__ import annotations

import threading

import pytest

from hikwatch import create_app
from models import Photo, Sighting, db
from tests.conftest import base_config
from tests.security.gunicorn_server import GunicornServer, Tally, run_residents, server_environment

pytestmark = pytest.mark.slow

CONCURRENT_RESIDENTS = 20
REPORTS_EACH = 10  # 200 upload+submit pairs in all
CRASH_RESIDENTS = 4
CRASH_AFTER_ACKNOWLEDGED = 12
CRASH_REPORTS_EACH = 40  # an upper bound: the kill comes long before


def stored_state(database_uri: str, folder) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """(reference -> its photo's three paths, set of every file) as the server left them."""
    config = {**base_config(folder, folder / "unused.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    config["UPLOAD_FOLDER"] = str(folder / "uploads")
    inspector = create_app(config)
    with inspector.app_context():
        rows = db.session.execute(
            db.select(Sighting.reference, Photo).join(Photo, Sighting.photo_id == Photo.id)
        ).all()
        by_reference = {reference: photo.file_paths for reference, photo in rows}
        unsubmitted = db.session.execute(
            db.select(Photo).where(Photo.id.not_in(db.select(Sighting.photo_id)))
        ).scalars()
        for photo in unsubmitted:
            by_reference[f"unsubmitted-{photo.id}"] = photo.file_paths
        files = set(inspector.extensions["file_store"].walk())
        db.engine.dispose()
    return by_reference, files


@pytest.fixture
def server_folder(tmp_path):
    (tmp_path / "uploads").mkdir()
    return tmp_path


def test_twenty_residents_at_once_lose_nothing(database_uri, server_folder):
    environment = server_environment(database_uri, server_folder)
    server = GunicornServer(environment, workers=3).start(server_folder / "gunicorn.log")
    tally = Tally()
    try:
        run_residents(server.url, CONCURRENT_RESIDENTS, REPORTS_EACH, tally)
    finally:
        server.stop()
    print(f"{len(tally.acknowledged)} reports acknowledged by {CONCURRENT_RESIDENTS} residents")
    assert tally.server_errors == [], tally.server_errors[:5]
    assert tally.refused == [] and tally.connection_errors == 0
    assert len(tally.acknowledged) == CONCURRENT_RESIDENTS * REPORTS_EACH
    assert len(set(tally.acknowledged)) == len(tally.acknowledged)

    stored, files = stored_state(database_uri, server_folder)
    assert set(tally.acknowledged) == set(stored)
    expected_files = {path for paths in stored.values() for path in paths}
    assert files == expected_files  # every row has its 3 files; no file without a row
    assert len(files) == 3 * len(stored)
    check = server.flask("storage", "check", "--grace-minutes", "0")
    assert check.returncode == 0, check.stdout + check.stderr


def test_sigkill_mid_stream_loses_no_acknowledged_report(database_uri, server_folder):
    environment = server_environment(database_uri, server_folder)
    server = GunicornServer(environment, workers=2).start(server_folder / "gunicorn.log")
    tally = Tally()
    stop = threading.Event()
    residents = threading.Thread(
        target=run_residents,
        args=(server.url, CRASH_RESIDENTS, CRASH_REPORTS_EACH, tally, stop),
    )
    residents.start()
    try:
        # Kill once enough reports are in, whatever the clock says: a count, not a timing.
        while residents.is_alive() and len(tally.acknowledged) < CRASH_AFTER_ACKNOWLEDGED:
            residents.join(timeout=0.05)
        server.kill()
    finally:
        stop.set()
        residents.join(timeout=120)
        server.stop()
    assert len(tally.acknowledged) >= CRASH_AFTER_ACKNOWLEDGED
    assert tally.server_errors == [], tally.server_errors[:5]

    restarted = GunicornServer(environment, workers=2).start(server_folder / "gunicorn.log")
    try:
        first_check = restarted.flask("storage", "check", "--grace-minutes", "0")
        report = first_check.stdout
        print(f"after SIGKILL with {len(tally.acknowledged)} acknowledged:\n{report}")
        # A crash can only leave files without rows (written just before a commit that
        # never happened), never a row without its files.
        assert "missing files" not in report, report
        fixed = restarted.flask("storage", "check", "--fix", "--grace-minutes", "0")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        again = restarted.flask("storage", "check", "--grace-minutes", "0")
        assert again.returncode == 0 and "agree" in again.stdout, again.stdout

        stored, files = stored_state(database_uri, server_folder)
        missing = set(tally.acknowledged) - set(stored)
        assert missing == set(), f"acknowledged but lost: {sorted(missing)}"
        assert files == {path for paths in stored.values() for path in paths}
        # The restarted server takes reports again.
        after = Tally()
        run_residents(restarted.url, 1, 1, after)
        assert len(after.acknowledged) == 1, after
    finally:
        restarted.stop()
