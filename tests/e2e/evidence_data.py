"""What moderators and admins would have produced, written into a live server's database
through the app's own functions: approved cameras, removal reports, a campaign record and a
snapshot. For pages that need that state to show (accessibility checks, screenshots), not
for the journeys that produce it themselves in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask

from hikwatch.evidence import campaign, snapshots
from hikwatch.moderation import decisions, removals
from hikwatch.security.accounts import find_user
from models import BoroughCampaign, Camera, Sighting, db
from tests.e2e.live_server import create_account, seed_report

# Two cameras a few metres apart, so the city-wide map draws them as one cluster.
WESTMINSTER = (51.50075, -0.12457)
NEAR_WESTMINSTER = (51.50088, -0.12438)
CAMDEN = (51.5390, -0.1426)


def sighting_id(app: Flask, reference: str) -> int:
    with app.app_context():
        return db.session.execute(
            db.select(Sighting.id).filter_by(reference=reference)
        ).scalar_one()


def approve_report(
    app: Flask, reference: str, moderator_email: str, *, brand_verified: bool = True
) -> int:
    """Approve a pending report as a new camera where the resident put it, as a moderator's
    "Approve as a new camera" does, saying it is a different camera from any close by (the
    seeds put cameras a few metres apart on purpose); returns the camera's id."""
    with app.app_context():
        sighting = db.session.execute(
            db.select(Sighting).filter_by(reference=reference)
        ).scalar_one()
        details = decisions.CameraDetails(
            **{name: getattr(sighting, name) for name in decisions.CameraDetails.FIELDS}
        )
        camera = decisions.approve_as_new_camera(
            sighting.id,
            find_user(moderator_email),
            details,
            brand_verified=brand_verified,
            index=app.extensions["borough_index"],
            duplicate_radius_m=app.config["DUPLICATE_RADIUS_M"],
            different_camera=True,
        )
        db.session.commit()
        return camera.id


def seed_camera(
    app: Flask,
    moderator_email: str,
    at: tuple[float, float] = WESTMINSTER,
    photo_name: str = "big_ben.jpg",
    **fields,
) -> int:
    """A resident's report, approved as a new camera; the camera's id."""
    reference = seed_report(app, photo_name, lat=at[0], lon=at[1], location_source="map", **fields)
    return approve_report(app, reference, moderator_email)


def report_removal(app: Flask, camera_id: int, kind: str = "removed") -> tuple[int, str]:
    """A pending removal report from the public form, without a photo: (id, reference)."""
    with app.app_context():
        report = removals.create_removal_report(
            db.session.get(Camera, camera_id),
            kind=kind,
            observed_on=None,
            note="The bracket is still on the wall but the camera has gone.",
            contact_email=None,
            photo=None,
        )
        db.session.commit()
        return report.id, report.reference


def confirm_removal(app: Flask, report_id: int, moderator_email: str) -> None:
    with app.app_context():
        removals.confirm_removal(report_id, find_user(moderator_email), None)
        db.session.commit()


def record_motion(
    app: Flask, borough_code: str, admin_email: str, note: str | None = None, **values
) -> None:
    """Save a borough's campaign record as the admin's form does."""
    with app.app_context():
        record = db.session.get(BoroughCampaign, borough_code)
        if record is None:
            record = BoroughCampaign(
                borough_code=borough_code, motion_status="none", foi_finding="unknown"
            )
            db.session.add(record)
        campaign.update_campaign(record, values, find_user(admin_email), note)
        db.session.commit()


def take_snapshot(app: Flask, admin_email: str) -> str:
    """A snapshot taken now; its name as in /snapshots/<name>."""
    with app.app_context():
        snapshot = snapshots.take(db.session, find_user(admin_email).id)
        return snapshot.name


@dataclass(frozen=True)
class Evidence:
    """What `seed_evidence` made, for building the pages' addresses."""

    moderator: str
    admin: str
    pending_sighting_id: int
    camera_id: int
    photo_id: int
    removal_report_id: int
    removal_reference: str
    snapshot_name: str
    borough_slug: str = "westminster"
    borough_code: str = "E09000033"


def seed_evidence(app: Flask) -> Evidence:
    """Every kind of page with something on it: two pending reports (one a likely duplicate
    of a known camera), three cameras in Westminster (two of them close together, one since
    removed), one in Camden, a pending removal report, Westminster's motion passed with a
    timetable, and a snapshot."""
    moderator = create_account(app, "moderator@example.org", "moderator")
    admin = create_account(app, "admin@example.org", "admin")
    camera_id = seed_camera(app, moderator, WESTMINSTER, operator_type="council_street")
    seed_camera(app, moderator, NEAR_WESTMINSTER, "newyear_london.jpg", operator_type="business")
    seed_camera(app, moderator, CAMDEN, "big_ben.jpg", operator_type="council_housing")
    gone = seed_camera(app, moderator, (51.4994, -0.1273), "newyear_london.jpg")
    confirm_removal(app, report_removal(app, gone)[0], moderator)
    removal_id, removal_reference = report_removal(app, camera_id)
    pending = seed_report(
        app, "big_ben.jpg", lat=WESTMINSTER[0], lon=WESTMINSTER[1], location_source="map"
    )
    seed_report(app, "newyear_london.jpg", camera_type="bullet", mount="wall")
    record_motion(
        app,
        "E09000033",
        admin,
        motion_status="passed",
        motion_date=date(2026, 1, 20),
        motion_source_url="https://example.org/westminster/minutes/2026-01-20",
        timetable_target=date(2027, 3, 31),
        timetable_scope="All Hikvision cameras on council buildings and streets.",
        timetable_source_url="https://example.org/westminster/cabinet/2026-02-03",
        note="Passed at full council.",
    )
    with app.app_context():
        photo_id = db.session.execute(
            db.select(Sighting.photo_id).filter_by(camera_id=camera_id)
        ).scalar_one()
    return Evidence(
        moderator=moderator,
        admin=admin,
        pending_sighting_id=sighting_id(app, pending),
        camera_id=camera_id,
        photo_id=photo_id,
        removal_report_id=removal_id,
        removal_reference=removal_reference,
        snapshot_name=take_snapshot(app, admin),
    )
