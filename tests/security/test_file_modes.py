"""Private files are private from the moment they exist: originals, backups, the SQLite
database and the secret key are 0600 in 0700 folders even under the common umask 022,
never created readable and chmod-ed afterwards."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from hikwatch import create_app
from hikwatch.factory import instance_secret, private_sqlite_file
from hikwatch.maintenance.backup import make_backup
from hikwatch.storage import FolderStore
from tests.conftest import base_config, csrf_token, plain_jpeg

PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private_tree(root: Path) -> int:
    """Every folder 0700 and every file 0600 under (and including) root; returns the files."""
    assert mode(root) == PRIVATE_FOLDER, root
    files = 0
    for path in root.rglob("*"):
        expected = PRIVATE_FOLDER if path.is_dir() else PRIVATE_FILE
        assert mode(path) == expected, (path, oct(mode(path)))
        files += path.is_file()
    return files


def test_the_secret_key_is_created_private(tmp_path, umask_022):
    instance = tmp_path / "instance"
    instance.mkdir(mode=PRIVATE_FOLDER)
    key = instance_secret(str(instance))
    assert len(key) == 64
    assert mode(instance / "secret_key") == PRIVATE_FILE
    assert instance_secret(str(instance)) == key  # read back, not replaced


def test_a_new_sqlite_database_is_created_private(tmp_path, umask_022):
    database = tmp_path / "data" / "hikwatch.db"
    private_sqlite_file(f"sqlite:///{database}", str(tmp_path / "instance"))
    assert mode(database) == PRIVATE_FILE and mode(database.parent) == PRIVATE_FOLDER
    # A relative path is relative to the instance folder, as Flask-SQLAlchemy reads it.
    private_sqlite_file("sqlite:///relative.db", str(tmp_path / "instance"))
    assert mode(tmp_path / "instance" / "relative.db") == PRIVATE_FILE
    private_sqlite_file("postgresql+psycopg://postgres@127.0.0.1/x", str(tmp_path))  # no-op


def test_the_app_creates_its_sqlite_file_private_and_sqlite_keeps_it(tmp_path, umask_022):
    database = tmp_path / "fresh" / "hikwatch.db"
    config = {**base_config(tmp_path, database), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from models import db

        upgrade()
        db.engine.dispose()
    assert mode(database) == PRIVATE_FILE and mode(database.parent) == PRIVATE_FOLDER
    for sidecar in database.parent.glob("hikwatch.db-*"):  # WAL and shared memory
        assert mode(sidecar) == PRIVATE_FILE, sidecar


def test_stored_photos_are_private(tmp_path, umask_022):
    store = FolderStore(tmp_path / "uploads")
    store.write("originals/ab/abcdef.jpg", b"original")
    store.write("display/cd/cdef.jpg", b"display")
    assert assert_private_tree(tmp_path / "uploads") == 2


def test_backups_are_private(app, tmp_path, umask_022):
    client = app.test_client()
    response = client.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 201
    destination = tmp_path / "backups" / "today"
    with app.app_context():
        make_backup(destination, app.extensions["file_store"])
    assert os.umask(0o022) == 0o022  # the backup put the process's umask back
    assert assert_private_tree(destination) >= 5  # manifest, database, three photo files
    # A folder made empty beforehand (e.g. by a script) is made private too.
    ready = tmp_path / "ready"
    ready.mkdir(mode=0o755)
    with app.app_context():
        make_backup(ready, app.extensions["file_store"])
    assert_private_tree(ready)
