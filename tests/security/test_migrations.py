"""The real migrations build the schema from empty, on SQLite and (in the PostgreSQL pass)
on PostgreSQL, and what they build is what the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from hikwatch import create_app
from models import db
from tests.conftest import base_config


@pytest.fixture
def empty_app(tmp_path, postgres_template):
    """An app on a brand-new, empty database of the kind this test run uses."""
    config = base_config(tmp_path, tmp_path / "empty.db")
    created = None
    if postgres_template is not None:
        server, _ = postgres_template
        created = server.new_name("empty")
        config["SQLALCHEMY_DATABASE_URI"] = server.create(created)
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()
    if created:
        server.drop(created)


def test_migrations_apply_from_empty_and_match_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == [], (
            "The models and the migrations disagree; add a migration "
            f"(`flask --app app db migrate`):\n{differences}"
        )
        boroughs = db.session.execute(db.text("SELECT count(*) FROM borough")).scalar()
        assert boroughs == 33


def test_migrations_downgrade_to_empty_and_upgrade_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "sighting" in inspect(db.engine).get_table_names()
