"""Cameras for moderators: the list, one camera's record, corrections and status, and
repairs: merging a duplicate, retracting a camera recorded in error (admins undo both)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from hikwatch.errors import ModerationError
from hikwatch.moderation import decisions, duplicates, merges, removals
from hikwatch.security.accounts import admin_required, moderator_required
from hikwatch.security.inputs import query_page
from hikwatch.vocab import WITHDRAWN_STATUSES, CameraStatus
from hikwatch.web.common import borough_index
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.forms import CameraForm, MergeForm, NoteForm, ReactivateForm, RetractForm
from models import Camera, RemovalReport, Sighting, User, db

bp = Blueprint("moderate_cameras", __name__, url_prefix="/moderate/cameras")

LIST_PAGE_SIZE = 50


@bp.get("/")
@moderator_required
def cameras():
    """Every camera, newest first, filterable by borough and status."""
    borough = borough_index().by_code(request.args.get("borough", ""))
    status = request.args.get("status", "")
    query = db.select(Camera).order_by(Camera.id.desc())
    if borough:
        query = query.filter_by(borough_code=borough.code)
    if CameraStatus.has(status):
        query = query.filter_by(status=status)
    return render_template(
        "moderate/cameras.html",
        page=db.paginate(query, page=query_page(), per_page=LIST_PAGE_SIZE, error_out=False),
        borough=borough,
        status=status,
        boroughs=sorted(borough_index().boroughs, key=lambda b: b.name),
    )


def get_camera(camera_id: int) -> Camera:
    return db.get_or_404(Camera, camera_id, description="There is no such camera.")


@bp.get("/<int:camera_id>")
@moderator_required
def camera(camera_id: int):
    """A camera's record: details, the reports behind it, status history; edit forms."""
    return camera_page(get_camera(camera_id))


def camera_page(
    record: Camera,
    edit_form: CameraForm | None = None,
    reactivate_form: ReactivateForm | None = None,
    error: str | None = None,
    status: int = 200,
    repair_forms: dict | None = None,
) -> ResponseReturnValue:
    config = current_app.config
    nearby = duplicates.cameras_near(
        record.lat, record.lon, max(config["NEARBY_CAMERAS_M"], config["DUPLICATE_RADIUS_M"])
    )
    corrections = merges.corrections_of(record.id)
    people = {record.created_by_id, record.verified_by_id} - {None}
    people |= {c.made_by_id for c in corrections} | {c.undone_by_id for c in corrections}
    people -= {None}
    found = db.session.execute(db.select(User).where(User.id.in_(people))).scalars()
    return render_template(
        "moderate/camera.html",
        camera=record,
        users={user.id: user for user in found},
        sightings=db.session.execute(
            db.select(Sighting).filter_by(camera_id=record.id).order_by(Sighting.created_at)
        )
        .scalars()
        .all(),
        history=removals.status_history(record.id),
        removal_reports=db.session.execute(
            db.select(RemovalReport)
            .filter_by(camera_id=record.id)
            .order_by(RemovalReport.created_at.desc())
        )
        .scalars()
        .all(),
        map_cameras=[
            {"id": n.camera.id, "lat": n.camera.lat, "lon": n.camera.lon, "status": n.camera.status}
            for n in nearby
            if n.camera.id != record.id and n.distance_m <= config["NEARBY_CAMERAS_M"]
        ],
        merge_candidates=[
            n
            for n in nearby
            if n.camera.id != record.id
            and n.distance_m <= config["DUPLICATE_RADIUS_M"]
            and n.camera.status not in WITHDRAWN_STATUSES
        ],
        corrections=corrections,
        withdrawn=record.status in WITHDRAWN_STATUSES,
        edit_form=edit_form or CameraForm.blank(prefix="camera", obj=record),
        reactivate_form=reactivate_form or ReactivateForm.blank(prefix="reactivate"),
        forms={
            "merge": MergeForm.blank(prefix="merge"),
            "retract": RetractForm.blank(prefix="retract"),
            "undo": NoteForm.blank(prefix="undo"),
            **(repair_forms or {}),
        },
        error=error,
    ), status


@bp.post("/<int:camera_id>")
@moderator_required
def edit(camera_id: int):
    """Correct the location or description, or (un)tick the brand verification."""
    record = get_camera(camera_id)
    form = CameraForm(prefix="camera")
    if not form.validate_on_submit():
        return camera_page(record, form, None, "Check the highlighted fields.", 400)
    try:
        decisions.edit_camera(
            camera_id,
            acting_user(),
            form.details(),
            brand_verified=form.brand_verified.data,
            index=borough_index(),
        )
        db.session.commit()
    except ModerationError as refusal:
        db.session.rollback()
        return camera_page(get_camera(camera_id), form, None, refusal.message, refusal.status)
    flash(f"Camera #{camera_id} saved.", "success")
    return redirect(url_for(".camera", camera_id=camera_id))


@bp.post("/<int:camera_id>/reactivate")
@moderator_required
def reactivate(camera_id: int):
    """Mark a removed, replaced or covered camera active again."""
    record = get_camera(camera_id)
    form = ReactivateForm(prefix="reactivate")
    if not form.validate_on_submit():
        return camera_page(record, None, form, "Check the highlighted fields.", 400)
    removals.reactivate_camera(camera_id, acting_user(), form.on.data, form.note.data)
    db.session.commit()
    flash(f"Camera #{camera_id} is active again.", "success")
    return redirect(url_for(".camera", camera_id=camera_id))


# --------------------------------------------------------------------------- repairs


def repair(camera_id: int, name: str, form, action) -> ResponseReturnValue:
    """Validate, run a repair, commit with its audit record; refusals show the camera page
    again with the reason and the form as filled."""
    record = get_camera(camera_id)
    if not form.validate_on_submit():
        return camera_page(record, None, None, "Check the highlighted fields.", 400, {name: form})
    try:
        message = action()
        db.session.commit()
    except ModerationError as refusal:
        db.session.rollback()
        return camera_page(
            get_camera(camera_id), None, None, refusal.message, refusal.status, {name: form}
        )
    flash(message, "success")
    return redirect(url_for(".camera", camera_id=camera_id))


@bp.post("/<int:camera_id>/merge")
@moderator_required
def merge(camera_id: int):
    """Merge this camera (a duplicate) into another: it leaves every figure and redirects."""
    form = MergeForm(prefix="merge")

    def action() -> str:
        merges.merge(camera_id, form.into_id.data, acting_user(), form.note.data)
        return f"Camera #{camera_id} merged into camera #{form.into_id.data}."

    return repair(camera_id, "merge", form, action)


@bp.post("/<int:camera_id>/retract")
@moderator_required
def retract(camera_id: int):
    """Retract a camera recorded in error, with the reason its public page will show."""
    form = RetractForm(prefix="retract")

    def action() -> str:
        merges.retract(camera_id, acting_user(), form.reason.data)
        return f"Camera #{camera_id} retracted; it is in no figure now."

    return repair(camera_id, "retract", form, action)


@bp.post("/<int:camera_id>/unmerge")
@admin_required
def unmerge(camera_id: int):
    """Undo a merge: the camera and what moved with it come back."""
    form = NoteForm(prefix="undo")

    def action() -> str:
        correction = merges.unmerge(camera_id, acting_user(), form.note.data)
        return f"Merge undone: camera #{camera_id} is separate from #{correction.into_camera_id}."

    return repair(camera_id, "undo", form, action)


@bp.post("/<int:camera_id>/unretract")
@admin_required
def unretract(camera_id: int):
    """Undo a retraction: the camera is counted again as it was."""
    form = NoteForm(prefix="undo")

    def action() -> str:
        merges.unretract(camera_id, acting_user(), form.note.data)
        return f"Retraction undone: camera #{camera_id} is counted again."

    return repair(camera_id, "undo", form, action)
