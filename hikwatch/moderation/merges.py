"""Repairing the record: merge a duplicate camera into another, retract one recorded in
error, and (admins) undo either.

Merging camera B into camera A moves B's reports (with their photos), removal reports and
status history to A, widens A's dates to cover them, and leaves B as a `merged` record
pointing at A: /cameras/B redirects to A, and B is in no figure, export, feed or map.
Retracting a camera leaves it in no figure either, but its public page says it was
recorded in error, and why. Snapshots already taken are never touched.

Each correction is kept as a CameraCorrection (what moved, the status before), so an
admin's undo restores exactly that; both the correction and its undo are audited. Like
hikwatch.moderation.decisions, every function stages its changes with their audit record
and leaves the commit to the caller. No Flask.
"""

from __future__ import annotations

from datetime import date

from hikwatch import audit
from hikwatch.clock import london_today
from hikwatch.errors import ModerationError
from hikwatch.moderation.decisions import CAMERA_AUDIT_FIELDS, clean_note, seen_on
from hikwatch.moderation.removals import set_status
from hikwatch.vocab import (
    WITHDRAWN_STATUSES,
    AuditAction,
    CameraStatus,
    CorrectionKind,
    SightingStatus,
)
from models import (
    Camera,
    CameraCorrection,
    CameraStatusChange,
    RemovalReport,
    Sighting,
    User,
    db,
    utcnow,
)

# What a merge moves from B to A, by model and the column pointing at the camera.
MOVABLE: dict[str, tuple[type[Sighting] | type[RemovalReport] | type[CameraStatusChange], str]] = {
    "sightings": (Sighting, "camera_id"),
    "rechecks": (Sighting, "recheck_camera_id"),
    "removal_reports": (RemovalReport, "camera_id"),
    "status_changes": (CameraStatusChange, "camera_id"),
}


def _camera(camera_id: int) -> Camera:
    camera = db.session.get(Camera, camera_id)
    if camera is None:
        raise ModerationError(404, f"There is no camera #{camera_id}.")
    return camera


def _own_camera(camera_id: int) -> Camera:
    """A camera that is a camera of its own, neither merged nor retracted (409 if it is)."""
    camera = _camera(camera_id)
    if camera.status in WITHDRAWN_STATUSES:
        raise ModerationError(
            409, f"Camera #{camera.id} is {CameraStatus.label_of(camera.status).lower()}."
        )
    return camera


def _open_correction(camera: Camera, kind: CorrectionKind) -> CameraCorrection:
    correction = db.session.execute(
        db.select(CameraCorrection)
        .filter_by(camera_id=camera.id, kind=kind, undone_at=None)
        .order_by(CameraCorrection.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if correction is None:
        raise ModerationError(409, f"Camera #{camera.id} has no {kind.label.lower()} to undo.")
    return correction


def _withdraw(camera: Camera, status: CameraStatus, note: str) -> dict[str, object]:
    """Stage the camera's new status (today) and return what it had, for the correction."""
    before: dict[str, object] = {
        "previous_status": camera.status,
        "previous_status_changed_on": camera.status_changed_on,
        "previous_status_recorded_on": camera.status_recorded_on,
    }
    set_status(camera, status, london_today(), note)
    return before


def _restore(camera: Camera, correction: CameraCorrection, note: str) -> None:
    """Give the camera back the status it had; the undo joins its public history."""
    status = CameraStatus(correction.previous_status)
    set_status(camera, status, london_today(), note)
    camera.status_changed_on = correction.previous_status_changed_on
    camera.status_recorded_on = correction.previous_status_recorded_on


# --------------------------------------------------------------------------- merges


def merge(duplicate_id: int, into_id: int, user: User, note: str | None) -> CameraCorrection:
    """Merge camera `duplicate_id` (B) into camera `into_id` (A): B's reports, photos,
    removal reports and history move to A; B becomes a `merged` record pointing at A."""
    note = clean_note(note)
    if duplicate_id == into_id:
        raise ModerationError(400, "Choose another camera to merge this one into.")
    duplicate, into = _own_camera(duplicate_id), _own_camera(into_id)
    moved = {
        name: list(
            db.session.execute(
                db.select(model.id).where(getattr(model, column) == duplicate.id).order_by(model.id)
            ).scalars()
        )
        for name, (model, column) in MOVABLE.items()
    }
    correction = CameraCorrection(
        kind=CorrectionKind.MERGE,
        camera_id=duplicate.id,
        into_camera_id=into.id,
        into_first_seen=into.first_seen,
        into_last_confirmed=into.last_confirmed,
        reason=note,
        moved=moved,
        made_by_id=user.id,
    )
    reason = f"Camera #{duplicate.id} merged into camera #{into.id}" + (f": {note}" if note else "")
    with audit.recording(
        user, AuditAction.CAMERA_MERGE, into, CAMERA_AUDIT_FIELDS, reason=reason, only_changes=True
    ):
        _move(moved, duplicate.id, into.id)
        into.first_seen = min(into.first_seen, duplicate.first_seen)
        into.last_confirmed = max(into.last_confirmed, duplicate.last_confirmed)
    with audit.recording(
        user, AuditAction.CAMERA_MERGE, duplicate, CAMERA_AUDIT_FIELDS, reason=reason
    ):
        for name, value in _withdraw(duplicate, CameraStatus.MERGED, reason).items():
            setattr(correction, name, value)
        duplicate.merged_into_id = into.id
    db.session.add(correction)
    return correction


def _move(moved: dict[str, list[int]], from_id: int, to_id: int) -> None:
    """Point the listed rows that still point at `from_id` at `to_id`."""
    for name, ids in moved.items():
        model, column = MOVABLE[name]
        if not ids:
            continue
        rows = db.session.execute(
            db.select(model).where(model.id.in_(ids), getattr(model, column) == from_id)
        ).scalars()
        for row in rows:
            setattr(row, column, to_id)
    db.session.flush()


def unmerge(duplicate_id: int, user: User, note: str | None) -> CameraCorrection:
    """Undo a merge (admins): the rows it moved go back to B, B's status comes back, and
    A's dates shrink to what its own reports show."""
    note = clean_note(note)
    duplicate = _camera(duplicate_id)
    if duplicate.status != CameraStatus.MERGED:
        raise ModerationError(409, f"Camera #{duplicate.id} is not merged into another camera.")
    correction = _open_correction(duplicate, CorrectionKind.MERGE)
    into = _camera(correction.into_camera_id or 0)
    if into.status in WITHDRAWN_STATUSES:
        raise ModerationError(
            409,
            f"Camera #{into.id}, which #{duplicate.id} was merged into, is itself "
            f"{CameraStatus.label_of(into.status).lower()}: undo that first.",
        )
    reason = f"Merge of camera #{duplicate.id} into camera #{into.id} undone" + (
        f": {note}" if note else ""
    )
    with audit.recording(
        user,
        AuditAction.CAMERA_UNMERGE,
        into,
        CAMERA_AUDIT_FIELDS,
        reason=reason,
        only_changes=True,
    ):
        _move(correction.moved or {}, into.id, duplicate.id)
        into.first_seen, into.last_confirmed = _own_dates(
            into, correction.into_first_seen, correction.into_last_confirmed
        )
    with audit.recording(
        user, AuditAction.CAMERA_UNMERGE, duplicate, CAMERA_AUDIT_FIELDS, reason=reason
    ):
        _restore(duplicate, correction, reason)
        duplicate.merged_into_id = None
    _mark_undone(correction, user, note)
    return correction


def _own_dates(
    camera: Camera, first_seen: date | None, last_confirmed: date | None
) -> tuple[date, date]:
    """A camera's dates from what it had before a merge and the reports it still has."""
    seen = [
        seen_on(sighting)
        for sighting in db.session.execute(
            db.select(Sighting).filter_by(camera_id=camera.id, status=SightingStatus.APPROVED)
        ).scalars()
    ]
    earliest = [d for d in [first_seen, *seen] if d is not None] or [camera.first_seen]
    latest = [d for d in [last_confirmed, *seen] if d is not None] or [camera.last_confirmed]
    return min(earliest), max(latest)


def _mark_undone(correction: CameraCorrection, user: User, note: str | None) -> None:
    correction.undone_at = utcnow()
    correction.undone_by_id = user.id
    correction.undo_reason = note


# --------------------------------------------------------------------------- retractions


def retract(camera_id: int, user: User, reason: str | None) -> CameraCorrection:
    """Retract a camera recorded in error: it leaves every figure, and its public page
    says so, with the reason (required)."""
    reason = clean_note(reason)
    if not reason:
        raise ModerationError(
            400, "Say why the camera was recorded in error: the public page shows it."
        )
    camera = _own_camera(camera_id)
    correction = CameraCorrection(
        kind=CorrectionKind.RETRACTION, camera_id=camera.id, reason=reason, made_by_id=user.id
    )
    with audit.recording(
        user, AuditAction.CAMERA_RETRACT, camera, CAMERA_AUDIT_FIELDS, reason=reason
    ):
        for name, value in _withdraw(camera, CameraStatus.RETRACTED, reason).items():
            setattr(correction, name, value)
        camera.retraction_reason = reason
    db.session.add(correction)
    return correction


def unretract(camera_id: int, user: User, note: str | None) -> CameraCorrection:
    """Undo a retraction (admins): the camera gets back the status it had."""
    note = clean_note(note)
    camera = _camera(camera_id)
    if camera.status != CameraStatus.RETRACTED:
        raise ModerationError(409, f"Camera #{camera.id} is not retracted.")
    correction = _open_correction(camera, CorrectionKind.RETRACTION)
    reason = "Retraction undone" + (f": {note}" if note else "")
    with audit.recording(
        user, AuditAction.CAMERA_UNRETRACT, camera, CAMERA_AUDIT_FIELDS, reason=reason
    ):
        _restore(camera, correction, reason)
        camera.retraction_reason = None
    _mark_undone(correction, user, note)
    return correction


def corrections_of(camera_id: int) -> list[CameraCorrection]:
    """Every merge and retraction involving the camera, either side, newest first."""
    return list(
        db.session.execute(
            db.select(CameraCorrection)
            .where(
                (CameraCorrection.camera_id == camera_id)
                | (CameraCorrection.into_camera_id == camera_id)
            )
            .order_by(CameraCorrection.id.desc())
        ).scalars()
    )
