"""Cameras that are gone, replaced or covered: the public's reports and moderators' rulings.

A moderator deciding a removal report holds its claim (hikwatch.moderation.claims), as on
camera reports, so two moderators never decide the same report.

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
from hikwatch.moderation import claims
from hikwatch.moderation.decisions import CAMERA_AUDIT_FIELDS, clean_note
from hikwatch.submissions import new_reference
from hikwatch.vocab import (
    WITHDRAWN_STATUSES,
    AuditAction,
    CameraStatus,
    RemovalKind,
    RemovalStatus,
)
from models import Camera, CameraStatusChange, Photo, RemovalReport, User, db, utcnow

REMOVAL_AUDIT_FIELDS = ("status", "decided_at", "decided_by_id", "decision_note")


def public_camera(camera_id: int) -> Camera | None:
    """A camera the public may report on: any camera of its own (active or gone), not a
    record merged into another camera or retracted as recorded in error."""
    camera = db.session.get(Camera, camera_id)
    if camera is None or camera.status in WITHDRAWN_STATUSES:
        return None
    return camera


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
    if not RemovalKind.has(kind):
        raise ModerationError(400, "Choose what happened to the camera.")
    report = RemovalReport(
        reference=unused_removal_reference(),
        camera_id=camera.id,
        kind=kind,
        observed_on=observed_on,
        note=(note or "").strip() or None,
        photo=photo,
        contact_email=(contact_email or "").strip() or None,
        status=RemovalStatus.PENDING,
    )
    db.session.add(report)
    return report


def _pending_report(report_id: int, user: User) -> tuple[RemovalReport, Camera]:
    """The report, reserved for this decision: 409 if decided or another moderator holds it,
    or if its camera has since been merged away or retracted."""
    report = claims.take_removal_for_decision(report_id, user)
    camera = db.session.get_one(Camera, report.camera_id)
    if camera.status in WITHDRAWN_STATUSES:
        raise ModerationError(
            409, f"Camera #{camera.id} is {CameraStatus.label_of(camera.status).lower()}."
        )
    return report, camera


def _decide(
    report: RemovalReport, user: User, status: RemovalStatus, action: AuditAction, note: str | None
) -> None:
    """Record the moderator's ruling on the report, and audit it with the note."""
    with audit.recording(user, action, report, REMOVAL_AUDIT_FIELDS, reason=note):
        report.status = status
        report.decided_at = utcnow()
        report.decided_by_id = user.id
        report.decision_note = note
        report.claimed_by_id = None
        report.claimed_until = None


def set_status(
    camera: Camera,
    status: CameraStatus,
    on: date,
    note: str | None,
    removal_report_id: int | None = None,
) -> CameraStatusChange:
    """Stage a camera's new status and its entry in the camera's public status history;
    the day it is recorded is today (a removal's check_date in the open data)."""
    camera.status = status
    camera.status_changed_on = on
    camera.status_recorded_on = london_today()
    change = CameraStatusChange(
        camera_id=camera.id,
        status=status,
        changed_on=on,
        removal_report_id=removal_report_id,
        note=note,
    )
    db.session.add(change)
    return change


def confirm_removal(report_id: int, user: User, note: str | None) -> RemovalReport:
    """Accept the report: the camera takes the reported status from the date observed
    (today when the resident gave none), and the change joins its history."""
    note = clean_note(note)
    report, camera = _pending_report(report_id, user)
    reported = RemovalKind(report.kind).camera_status
    reason = f"Removal report {report.reference} confirmed"
    with audit.recording(
        user,
        AuditAction.CAMERA_STATUS,
        camera,
        CAMERA_AUDIT_FIELDS,
        reason=reason,
        only_changes=True,
    ):
        # A second report of what is already recorded corroborates it; it must not move
        # the date the camera went to a later one.
        if camera.status != reported:
            changed_on = report.observed_on or london_today()
            set_status(camera, reported, changed_on, note, removal_report_id=report.id)
    _decide(report, user, RemovalStatus.CONFIRMED, AuditAction.REMOVAL_CONFIRM, note)
    return report


def reject_removal(report_id: int, user: User, note: str | None) -> RemovalReport:
    """Decline the report; the camera is unchanged and the report stays in the record."""
    note = clean_note(note)
    report, _camera = _pending_report(report_id, user)
    _decide(report, user, RemovalStatus.REJECTED, AuditAction.REMOVAL_REJECT, note)
    return report


def reactivate_camera(camera_id: int, user: User, on: date | None, note: str | None) -> Camera:
    """Mark a removed, replaced or covered camera active again (say, the cover came off)."""
    note = clean_note(note)
    camera = db.session.get(Camera, camera_id)
    if camera is None:
        raise ModerationError(404, "There is no such camera.")
    if camera.status == CameraStatus.ACTIVE:
        raise ModerationError(409, "This camera is already active.")
    if camera.status in WITHDRAWN_STATUSES:
        raise ModerationError(
            409, "Merged and retracted cameras come back only by an admin's undo."
        )
    with audit.recording(
        user,
        AuditAction.CAMERA_REACTIVATE,
        camera,
        CAMERA_AUDIT_FIELDS,
        reason=note,
        only_changes=True,
    ):
        set_status(camera, CameraStatus.ACTIVE, on or london_today(), note)
    return camera


def status_history(camera_id: int) -> list[CameraStatusChange]:
    return list(
        db.session.execute(
            db.select(CameraStatusChange)
            .filter_by(camera_id=camera_id)
            .order_by(CameraStatusChange.changed_on, CameraStatusChange.id)
        ).scalars()
    )
