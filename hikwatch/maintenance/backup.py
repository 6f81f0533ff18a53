"""Backups of the database and the photos together: `flask --app app backup DEST` and
`flask --app app restore SRC`.

A backup is a folder:

    manifest.json          written last: a folder without it is an unfinished backup
    database.sqlite3       SQLite: a copy made with sqlite3's online backup API
    tables/<table>.jsonl   PostgreSQL (and any other server): every row of every table
    uploads/…              every file the database snapshot refers to

The database is snapshotted first, consistently while the app keeps running: SQLite's
backup API copies a single consistent state, and the JSON-lines dump reads every table in
one REPEATABLE READ transaction. Then exactly the files that snapshot refers to are copied,
one by one; a file uploaded afterwards belongs to the next backup. The manifest lists the
sha256 of every file (database included) and the row count of every table; restore checks
all of it before it touches anything.

Why JSON lines rather than pg_dump for PostgreSQL: it needs no client tools matching the
server's version, the same code is tested on every run, and a backup of either database
restores into either (SQLite's copy is read through SQLAlchemy when the target is not
SQLite). Restore needs the target migrated to the backup's revision (it migrates an empty
one itself) and replaces every row.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, Integer, Table, create_engine, inspect, text

from hikwatch.storage import FileStore
from models import Photo, db, utcnow

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
TABLES_FOLDER = "tables"
UPLOADS_FOLDER = "uploads"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore we refuse, with the reason for the operator (the CLI shows it)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def tables() -> list[Table]:
    """Every table the app owns, parents before children (the order rows can be inserted)."""
    return list(db.metadata.sorted_tables)


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


# ---------------------------------------------------------------- backup


@contextmanager
def private_umask() -> Iterator[None]:
    """Files 0600 and folders 0700 from the moment they exist: a backup holds password
    hashes, residents' emails and originals with GPS. (The umask is per process; backups
    run from the command line.)"""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@private_umask()
def make_backup(destination: Path, store: FileStore) -> dict:
    """Write a backup of the running app's database and uploads into `destination`."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; give a new folder for each backup.")
    destination.mkdir(parents=True, exist_ok=True)
    destination.chmod(0o700)  # in case it was made empty beforehand
    engine = db.engine
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "dialect": engine.dialect.name,
        "revision": current_revision(engine),
    }
    if engine.dialect.name == "sqlite":
        snapshot = snapshot_sqlite(engine, destination / SQLITE_FILE)
        manifest["database"] = {"kind": "sqlite", "file": SQLITE_FILE}
    else:
        snapshot = snapshot_as_json_lines(engine, destination / TABLES_FOLDER)
        manifest["database"] = {"kind": "jsonl", "folder": TABLES_FOLDER}
    manifest["row_counts"] = snapshot["row_counts"]

    files, vanished = copy_uploads(store, snapshot["photo_paths"], destination / UPLOADS_FOLDER)
    manifest["uploads"] = files
    # Deleted between the snapshot and the copy (a sweep, say): restore reports them.
    manifest["vanished_during_backup"] = vanished
    manifest["database_files"] = {
        path.relative_to(destination).as_posix(): sha256_of(path)
        for path in sorted(destination.rglob("*"))
        if path.is_file() and path.relative_to(destination).parts[0] != UPLOADS_FOLDER
    }
    temporary = destination / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(temporary, destination / MANIFEST)
    return manifest


def snapshot_sqlite(engine: Engine, target: Path) -> dict:
    """Copy the live SQLite database with its online backup API (one consistent state)."""
    source_path = engine.url.database
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        counts = {
            table.name: copy.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
            for table in tables()
        }
        paths = [
            path
            for row in copy.execute(
                "SELECT original_path, display_path, thumb_path FROM photo"
            ).fetchall()
            for path in row
        ]
    finally:
        copy.close()
        source.close()
    return {"row_counts": counts, "photo_paths": paths}


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a backup")


def snapshot_as_json_lines(engine: Engine, folder: Path) -> dict:
    """Every row of every table, read in one snapshot transaction, one JSON object a line."""
    folder.mkdir(parents=True)
    counts: dict[str, int] = {}
    paths: list[str] = []
    snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
        for table in tables():
            count = 0
            order = list(table.primary_key.columns)
            rows = connection.execute(table.select().order_by(*order))
            with open(folder / f"{table.name}.jsonl", "w", encoding="utf-8") as handle:
                for row in rows.mappings():
                    handle.write(json.dumps(dict(row), default=json_default) + "\n")
                    count += 1
                    if table.name == Photo.__tablename__:
                        paths += [row["original_path"], row["display_path"], row["thumb_path"]]
            counts[table.name] = count
    return {"row_counts": counts, "photo_paths": paths}


def copy_uploads(
    store: FileStore, relatives: Iterable[str], target: Path
) -> tuple[dict[str, str], list[str]]:
    files: dict[str, str] = {}
    vanished: list[str] = []
    for relative in sorted(set(relatives)):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            store.copy_to(relative, destination)
        except FileNotFoundError:
            vanished.append(relative)
            continue
        files[relative] = sha256_of(destination)
    return files, vanished


# ---------------------------------------------------------------- restore


def read_verified_manifest(source: Path) -> dict:
    """The manifest, once every file it lists is present with the right sha256."""
    source = Path(source)
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup, or an unfinished one.")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    expected = {
        **manifest["database_files"],
        **{f"{UPLOADS_FOLDER}/{name}": digest for name, digest in manifest["uploads"].items()},
    }
    bad = []
    for relative, digest in expected.items():
        path = source / relative
        if not path.is_file():
            bad.append(f"missing: {relative}")
        elif sha256_of(path) != digest:
            bad.append(f"changed: {relative}")
    if bad:
        shown = "\n  ".join(bad[:20])
        raise BackupError(f"The backup does not match its manifest:\n  {shown}")
    return manifest


def backup_rows(source: Path, manifest: dict) -> Iterator[tuple[Table, list[dict]]]:
    """(table, rows) in insertion order, from either kind of backup."""
    if manifest["database"]["kind"] == "jsonl":
        folder = source / manifest["database"]["folder"]
        for table in tables():
            path = folder / f"{table.name}.jsonl"
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            yield table, [decode_row(table, json.loads(line)) for line in lines]
        return
    engine = create_engine(f"sqlite:///{source / manifest['database']['file']}")
    try:
        with engine.connect() as connection:
            for table in tables():
                rows = connection.execute(table.select()).mappings()
                yield table, [dict(row) for row in rows]
    finally:
        engine.dispose()


def decode_row(table: Table, row: dict) -> dict:
    for column in table.columns:
        value = row.get(column.name)
        if value is None:
            continue
        if isinstance(column.type, DateTime):
            row[column.name] = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            row[column.name] = date.fromisoformat(value)
    return row


def database_is_empty(engine: Engine) -> bool:
    """No rows but what the migrations seed (boroughs, campaign records)."""
    seeded = {"borough", "borough_campaign"}
    with engine.connect() as connection:
        return all(
            connection.execute(db.select(db.func.count()).select_from(table)).scalar() == 0
            for table in tables()
            if table.name not in seeded
        )


def restore_backup(source: Path, store: FileStore, *, replace: bool = False) -> dict:
    """Restore a verified backup into the app's database and photo store (either kind: a
    backup of a folder restores into a bucket, which is how photos move to object storage)."""
    from flask_migrate import upgrade

    source = Path(source)
    manifest = read_verified_manifest(source)
    engine = db.engine
    revision = current_revision(engine)
    if revision is None:
        upgrade(revision=manifest["revision"])
    elif revision != manifest["revision"]:
        raise BackupError(
            f"The database is at migration {revision}, the backup at {manifest['revision']}: "
            f"restore into a new database, or migrate this one to {manifest['revision']} first."
        )
    if not replace and not database_is_empty(engine):
        raise BackupError("The database already holds data; pass --replace to overwrite it.")

    db.session.remove()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables())
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables()):
                connection.execute(table.delete())
        for table, rows in backup_rows(source, manifest):
            if rows:
                connection.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            reset_sequences(connection)
        counts = {
            table.name: connection.execute(db.select(db.func.count()).select_from(table)).scalar()
            for table in tables()
        }
    if counts != manifest["row_counts"]:
        raise BackupError(f"Row counts after restore {counts} differ from the backup's.")

    for relative in manifest["uploads"]:
        store.write(relative, (source / UPLOADS_FOLDER / relative).read_bytes())
    return manifest


def reset_sequences(connection) -> None:
    """After inserting explicit ids, move each serial column's sequence past them."""
    for table in tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or len(table.primary_key.columns) > 1:
                continue
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"table": table.name, "column": column.name},
            )
