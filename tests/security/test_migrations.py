"""The real migrations build the schema from empty, on SQLite and (in the PostgreSQL pass)
on PostgreSQL, and what they build is what the models describe."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from hikwatch import create_app
from hikwatch.evidence import counts
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


CAMERA_AT_0003 = (
    "INSERT INTO camera (id, lat, lon, borough_code, status, status_changed_on, brand, "
    "brand_evidence, brand_verified, camera_type, mount, operator_type, first_seen, "
    "last_confirmed, created_at, verified_at) VALUES (:id, 51.5, -0.12, 'E09000033', "
    ":status, :changed_on, :brand, :evidence, :verified, 'dome', 'wall', 'council_street', "
    "'2026-03-01', '2026-04-01', '2026-03-02 10:00:00', :verified_at)"
)
# id, status, brand, evidence, verified: every kind of camera the previous schema held.
CAMERAS_AT_0003 = [
    (1, "active", "hikvision", "logo", True),  # stays verified
    (2, "active", "hilook", "form_factor", True),  # verified from the shape: unconfirmed now
    (3, "active", "hiwatch", "form_factor", False),  # unconfirmed, as it was
    (4, "active", "other", "form_factor", True),  # outside the group: retracted
    (5, "removed", "other", "logo", False),  # outside the group, gone: retracted too
    (6, "covered", "ezviz", "label", True),  # verified, then covered: removed
]


def test_upgrade_from_the_previous_head_carries_existing_data_across(empty_app):
    """A database made at 0003 (one snapshot a day, four statuses, no brand tiers) comes
    through 0004 with every camera in the right figure and its snapshots intact."""
    with empty_app.app_context():
        upgrade(revision="0003_public_evidence")
        run = db.session.execute
        for camera_id, status, brand, evidence, verified in CAMERAS_AT_0003:
            run(
                db.text(CAMERA_AT_0003),
                {
                    "id": camera_id, "status": status, "brand": brand, "evidence": evidence,
                    "verified": verified, "changed_on": "2026-05-01",
                    "verified_at": "2026-03-02 10:00:00" if verified else None,
                },
            )  # fmt: skip
        run(
            db.text(
                "INSERT INTO camera_status_change (camera_id, status, changed_on, recorded_at) "
                "VALUES (6, 'covered', '2026-05-01', '2026-05-03 09:00:00')"
            )
        )
        payload = {"format": "hikwatch-snapshot/1", "totals": {"active": 4}}
        run(
            db.text(
                "INSERT INTO snapshot (taken_on, taken_at, payload, payload_sha256) "
                "VALUES ('2026-05-01', '2026-05-01 09:41:07', :payload, 'abc')"
            ),
            {"payload": json.dumps(payload)},
        )
        db.session.commit()

        upgrade(revision="0004_counts_you_can_defend")

        rows = {
            row.id: row
            for row in run(
                db.text(
                    "SELECT id, status, brand_verified, verified_at, retraction_reason, "
                    "status_recorded_on FROM camera"
                )
            )
        }
        assert rows[1].status == "active" and bool(rows[1].brand_verified)
        assert not rows[2].brand_verified and rows[2].verified_at is None
        assert rows[3].status == "active" and not rows[3].brand_verified
        for retracted in (4, 5):
            assert rows[retracted].status == "retracted"
            assert rows[retracted].retraction_reason == (
                "Recorded before brand checks: not a Hikvision-group brand"
            )
        assert str(rows[6].status_recorded_on) == "2026-05-03"  # when the removal was recorded
        corrections = run(
            db.text("SELECT camera_id, previous_status FROM camera_correction ORDER BY camera_id")
        ).all()
        assert [tuple(c) for c in corrections] == [(4, "active"), (5, "removed")]
        audited = run(
            db.text("SELECT action, object_id FROM audit_event ORDER BY object_id, action")
        ).all()
        assert [tuple(a) for a in audited] == [
            ("camera.edit", "2"),
            ("camera.edit", "4"),
            ("camera.retract", "4"),
            ("camera.retract", "5"),
        ]
        snapshot = run(db.text("SELECT name, payload FROM snapshot")).one()
        assert snapshot.name == "2026-05-01T09-41Z"
        stored = (
            snapshot.payload if isinstance(snapshot.payload, dict) else json.loads(snapshot.payload)
        )
        assert stored == payload  # a cited snapshot is never rewritten

        figures = counts.counts_by_borough(db.session)["E09000033"]
        assert figures == {"verified": 1, "council_operated": 1, "unconfirmed": 2, "removed": 1}
