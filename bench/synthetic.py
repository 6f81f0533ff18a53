"""Build a benchmark database of synthetic cameras, kept apart from any real one.

    python bench/synthetic.py --cameras 300000 [--database-url URL]
    python bench/synthetic.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hikwatch_bench

Synthetic data lives only in its own database, bench/out/bench-<N>.db by default
(git-ignored), never in the real one: the script refuses a database that already
holds a different number of cameras. A PostgreSQL URL names a database of its own, which
is created (through the server's `postgres` database) when it does not exist yet. Rows are
marked as synthetic by having no creating moderator, no linked reports and brand evidence
"form_factor".
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "bench" / "out"
# Where `make bench` builds its PostgreSQL copy (created when missing, never a real database).
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/hikwatch_bench"

STATUSES = (["active"] * 85) + (["removed"] * 10) + (["replaced"] * 3) + (["covered"] * 2)
OPERATORS = (
    ["council_street"] * 25
    + ["council_building"] * 10
    + ["council_housing"] * 10
    + ["business"] * 30
    + ["residential"] * 10
    + ["transport"] * 5
    + ["school"] * 5
    + ["unknown"] * 5
)
TYPES = ["dome", "fixed", "fixed", "panning", "panorama", "unknown"]
MOUNTS = ["wall", "wall", "pole", "ceiling", "street_lamp", "other"]
BRANDS = ["hikvision"] * 8 + ["hilook", "hiwatch"]


def default_url(count: int) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT / f'bench-{count}.db'}"


def ensure_database(database_url: str) -> None:
    """Create a PostgreSQL benchmark database if missing; SQLite files create themselves."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.get_backend_name().startswith("postgresql"):
        return
    name = url.database
    if not name or name == "postgres":
        raise SystemExit("Give the benchmark its own PostgreSQL database, e.g. .../hikwatch_bench")
    # CREATE DATABASE cannot run inside a transaction, hence AUTOCOMMIT.
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        server.dispose()


def migrated_by_another_history(database_url: str) -> bool:
    """Whether the database is stamped with a revision this checkout's migrations lack.

    Revisions are renumbered while branches are in flight; a benchmark database built
    under the old numbering cannot be upgraded, only rebuilt.
    """
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            stamped = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()
    known = {
        script.revision for script in ScriptDirectory(str(ROOT / "migrations")).walk_revisions()
    }
    return bool(stamped - known)


def at_head(engine) -> bool:
    """Whether the database is already at the newest migration (then upgrade() is skipped,
    and so is its logging)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def drop_database(database_url: str) -> None:
    """Remove a benchmark database (a bench/out file, or a PostgreSQL database) entirely."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        server.dispose()


def london_points(index, count: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Uniform random points inside the 33 areas (rejection sampling on the bbox)."""
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = index.bounds
    lats, lons, codes = [], [], []
    have = 0
    while have < count:
        lon = rng.uniform(min_lon, max_lon, count)
        lat = rng.uniform(min_lat, max_lat, count)
        found = index.locate_many(lon, lat)
        inside = found >= 0
        lons.append(lon[inside])
        lats.append(lat[inside])
        codes.extend(index.codes_for(found[inside]))
        have += int(inside.sum())
    return np.concatenate(lats)[:count], np.concatenate(lons)[:count], codes[:count]


def build(database_url: str, count: int, seed: int = 7) -> str:
    """Create (or reuse, if it already holds `count` cameras) the benchmark database."""
    from hikwatch import create_app
    from models import db

    ensure_database(database_url)
    if migrated_by_another_history(database_url):
        print(f"synthetic: {database_url} was built by other migrations; rebuilding it")
        drop_database(database_url)
        ensure_database(database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "benchmark-only",
            "UPLOAD_FOLDER": str(OUT / "uploads"),
        }
    )
    with app.app_context():
        try:
            fill(app, database_url, count, seed)
        finally:
            # Close pooled connections: a PostgreSQL database with open sessions cannot
            # serve as the template for the upload benchmark's throwaway copy.
            db.session.remove()
            db.engine.dispose()
    return database_url


def fill(app, database_url: str, count: int, seed: int) -> None:
    """Migrate, then insert `count` cameras unless the database already holds them."""
    from flask_migrate import upgrade

    from models import Camera, db

    if not at_head(db.engine):
        upgrade()
    existing = db.session.execute(db.select(db.func.count(Camera.id))).scalar_one()
    if existing == count:
        return
    if existing:
        raise SystemExit(f"{database_url} already holds {existing} cameras; use an empty database.")
    started = time.perf_counter()
    index = app.extensions["borough_index"]
    lats, lons, codes = london_points(index, count, seed)
    rng = np.random.default_rng(seed + 1)
    first_seen = date(2026, 1, 1)
    rows = []
    for i in range(count):
        seen = first_seen + timedelta(days=int(rng.integers(0, 300)))
        status = STATUSES[int(rng.integers(0, len(STATUSES)))]
        rows.append(
            {
                "lat": float(lats[i]),
                "lon": float(lons[i]),
                "borough_code": codes[i],
                "status": status,
                "status_changed_on": seen if status != "active" else None,
                "brand": BRANDS[int(rng.integers(0, len(BRANDS)))],
                "brand_evidence": "form_factor",
                "brand_verified": bool(rng.random() < 0.7),
                "camera_type": TYPES[int(rng.integers(0, len(TYPES)))],
                "mount": MOUNTS[int(rng.integers(0, len(MOUNTS)))],
                "direction": int(rng.integers(0, 360)),
                "operator_type": OPERATORS[int(rng.integers(0, len(OPERATORS)))],
                "first_seen": seen,
                "last_confirmed": seen,
            }
        )
    for start in range(0, count, 20_000):
        db.session.execute(db.insert(Camera), rows[start : start + 20_000])
    db.session.commit()
    if database_url.startswith("sqlite"):
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    else:
        # VACUUM as autovacuum soon would: until the visibility map is set, PostgreSQL
        # cannot answer the counts from the index alone and scans the table instead.
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("VACUUM ANALYZE camera"))
    took = time.perf_counter() - started
    print(f"synthetic: {count:,} cameras written to {database_url} in {took:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=300_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    build(args.database_url or default_url(args.cameras), args.cameras)


if __name__ == "__main__":
    main()
