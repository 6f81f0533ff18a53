"""Cameras that are gone, replaced or covered: the public's reports and moderators' rulings.

A removal report never changes a camera by itself. A moderator confirms it (the camera's
status changes from the date observed, and the change is kept in its status history) or
rejects it. A camera wrongly marked removed can be made active again; that too goes into
the history, so the record shows every status a camera has had and why.
"""

from __future__ import annotations

from datetime import date

from hikwatch import audit
from hikwatch.clock import london_today
from hikwatch.errors import ModerationError
from hikwatch.moderation.decisions import CAMERA_AUDIT_FIELDS, clean_note
from hikwatch.submissions import new_reference
from models import Camera, CameraStatusChange, Photo, RemovalReport, User, db, utcnow
from models.moderation import REMOVAL_KINDS

REMOVAL_AUDIT_FIELDS = ("status", "decided_at", "decided_by_id", "decision_note")


def public_camera(camera_id: int) -> Camera | None:
    """A camera the public may see and report on.

    Every Camera row is public: cameras only come into being when a moderator approves
    a report, and the map, counts and camera pages all show every row, so the removal
    form follows the same rule.
    """
    return db.session.get(Camera, camera_id)


def unused_removal_reference() -> str:
    while True:
        reference = new_reference()
        taken = db.session.execute(
            db.select(RemovalReport.id).filter_by(reference=reference)
        ).first()
        if not taken:
            return reference


def create_removal_report(
    camera: Camera,
    *,
    kind: str,
    observed_on: date | None,
    note: str | None,
    contact_email: str | None,
    photo: Photo | None,
) -> RemovalReport:
    """Stage a pending removal report from the public form (the caller commits)."""
    if kind not in REMOVAL_KINDS:
        raise ModerationError(400, "Choose what happened to the camera.")
    report = RemovalReport(
        reference=unused_removal_reference(),
        camera_id=camera.id,
        kind=kind,
        observed_on=observed_on,
        note=(note or "").strip() or None,
        photo=photo,
        contact_email=(contact_email or "").strip() or None,
        status="pending",
    )
    db.session.add(report)
    return report


def _pending_report(report_id: int) -> tuple[RemovalReport, Camera]:
    report = db.session.get(RemovalReport, report_id)
    if report is None:
        raise ModerationError(404, "There is no such removal report.")
    if report.status != "pending":
        raise ModerationError(409, f"This removal report was already decided ({report.status}).")
    return report, db.session.get_one(Camera, report.camera_id)


def _decide(report: RemovalReport, user: User, status: str, note: str | None) -> dict:
    before = audit.snapshot_of(report, REMOVAL_AUDIT_FIELDS)
    report.status = status
    report.decided_at = utcnow()
    report.decided_by_id = user.id
    report.decision_note = note
    return before


def confirm_removal(report_id: int, user: User, note: str | None) -> RemovalReport:
    """Accept the report: the camera takes the reported status from the date observed
    (today when the resident gave none), and the change joins its history."""
    note = clean_note(note)
    report, camera = _pending_report(report_id)
    before_camera = audit.snapshot_of(camera, CAMERA_AUDIT_FIELDS)
    changed_on = report.observed_on or london_today()
    # A second report of what is already recorded corroborates it; it must not move the
    # date the camera went to a later one.
    if camera.status != report.kind:
        camera.status = report.kind
        camera.status_changed_on = changed_on
        db.session.add(
            CameraStatusChange(
                camera_id=camera.id,
                status=report.kind,
                changed_on=changed_on,
                removal_report_id=report.id,
                note=note,
            )
        )
    before = _decide(report, user, "confirmed", note)
    audit.record_changes(
        user,
        "camera.status",
        camera,
        before_camera,
        CAMERA_AUDIT_FIELDS,
        reason=f"Removal report {report.reference} confirmed",
    )
    audit.record(
        user,
        "removal.confirm",
        "removal_report",
        report.id,
        before=before,
        after=audit.snapshot_of(report, REMOVAL_AUDIT_FIELDS),
        reason=note,
    )
    return report


def reject_removal(report_id: int, user: User, note: str | None) -> RemovalReport:
    """Decline the report; the camera is unchanged and the report stays in the record."""
    note = clean_note(note)
    report, _camera = _pending_report(report_id)
    before = _decide(report, user, "rejected", note)
    audit.record(
        user,
        "removal.reject",
        "removal_report",
        report.id,
        before=before,
        after=audit.snapshot_of(report, REMOVAL_AUDIT_FIELDS),
        reason=note,
    )
    return report


def reactivate_camera(camera_id: int, user: User, on: date | None, note: str | None) -> Camera:
    """Mark a removed, replaced or covered camera active again (say, the cover came off)."""
    note = clean_note(note)
    camera = db.session.get(Camera, camera_id)
    if camera is None:
        raise ModerationError(404, "There is no such camera.")
    if camera.status == "active":
        raise ModerationError(409, "This camera is already active.")
    before = audit.snapshot_of(camera, CAMERA_AUDIT_FIELDS)
    changed_on = on or london_today()
    camera.status = "active"
    camera.status_changed_on = changed_on
    db.session.add(
        CameraStatusChange(camera_id=camera.id, status="active", changed_on=changed_on, note=note)
    )
    audit.record_changes(
        user, "camera.reactivate", camera, before, CAMERA_AUDIT_FIELDS, reason=note
    )
    return camera


def status_history(camera_id: int) -> list[CameraStatusChange]:
    return list(
        db.session.execute(
            db.select(CameraStatusChange)
            .filter_by(camera_id=camera_id)
            .order_by(CameraStatusChange.changed_on, CameraStatusChange.id)
        ).scalars()
    )
