"""The resident's side: the submission page, its no-JavaScript path, and tracking a report."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from hikwatch.errors import PhotoError, SubmissionError
from hikwatch.moderation import replies
from hikwatch.security.inputs import MAX_ID, query_int
from hikwatch.security.limits import rate_limit
from hikwatch.submissions import (
    add_photo,
    commit_with_files,
    create_sighting,
    find_own_upload,
    process_upload,
)
from hikwatch.vocab import CameraStatus, LocationSource, RemovalStatus, SightingStatus
from hikwatch.web.common import (
    borough_index,
    file_store,
    photo_limits,
    send_stored,
    upload_owner,
)
from hikwatch.web.forms import SubmitForm
from hikwatch.web.reply import remember_key, remembered_key, reply_url
from models import Camera, Photo, RemovalReport, Sighting, db

bp = Blueprint("submit", __name__)


@bp.route("/submit", methods=["GET", "POST"])
@rate_limit("uploads")  # counts POSTs only: the form carries the photo
def submit():
    """Report a camera. With JavaScript the page uploads first and posts JSON to the API;
    without it, this form carries the photo and the fields in one request."""
    form = SubmitForm()
    rechecked = still_there(form)
    if form.validate_on_submit():
        try:
            sighting, key = submit_without_javascript(form)
        except (SubmissionError, PhotoError) as error:
            field = form._fields.get(error.field or "")
            if field is not None:
                field.errors = [*field.errors, error.message]
            page = render_template(
                "submit/submit.html", form=form, error=error.message, rechecked=rechecked
            )
            return page, error.status
        # The thank-you page (/track?submitted=1) shows the private reply link from here.
        remember_key(sighting.reference, key)
        return redirect(url_for("submit.track", reference=sighting.reference, submitted=1))
    status = 400 if form.is_submitted() else 200
    return render_template("submit/submit.html", form=form, rechecked=rechecked), status


def still_there(form: SubmitForm) -> Camera | None:
    """/submit?camera=<id> ("It's still there: add a photo"): the camera, with the form
    starting at its place and description; None for an ordinary report."""
    camera_id = query_int("camera", 0, 0)
    if not camera_id and form.recheck_camera_id.data:
        camera_id = form.recheck_camera_id.data
    # Only an id a row could have: anything else is no camera, never a database error.
    known = isinstance(camera_id, int) and 0 < camera_id <= MAX_ID
    camera = db.session.get(Camera, camera_id) if known else None
    if camera is None or camera.status != CameraStatus.ACTIVE:
        return None
    if not form.is_submitted():
        form.recheck_camera_id.data = camera.id
        form.lat.data, form.lon.data = camera.lat, camera.lon
        form.location_source.data = LocationSource.MAP
        for name in ("brand", "camera_type", "mount", "operator_type", "direction"):
            getattr(form, name).data = getattr(camera, name)
    return camera


def submit_without_javascript(form: SubmitForm) -> tuple[Sighting, str]:
    """The stored report and its private reply key."""
    fields = dict(form.data)
    owner = upload_owner()
    if form.upload_id.data:
        photo = find_own_upload(form.upload_id.data, owner)
        sighting = create_sighting(
            with_location(fields, photo.exif_lat, photo.exif_lon), photo, borough_index()
        )
        key = with_reply_key(sighting)
        db.session.commit()
        return sighting, key
    upload = next((f for f in request.files.getlist("photo") if f and f.filename), None)
    if upload is None:
        raise SubmissionError(400, "Add a photo of the camera.", "photo")
    original = upload.read()
    processed = process_upload(original, photo_limits())
    fields = with_location(fields, processed.exif.lat, processed.exif.lon)
    store = file_store()
    with commit_with_files(store) as written:
        photo = add_photo(original, processed, store, written, owner)
        sighting = create_sighting(fields, photo, borough_index())
        key = with_reply_key(sighting)
    return sighting, key


def with_reply_key(sighting: Sighting) -> str:
    """Stage the new report's private reply key (committed with the report)."""
    db.session.flush()  # the report's id
    return replies.issue_key(sighting)


def with_location(fields: dict, exif_lat: float | None, exif_lon: float | None) -> dict:
    """Typed coordinates win; otherwise the photo's own GPS; otherwise ask for them."""
    if fields.get("lat") is not None and fields.get("lon") is not None:
        return fields
    if exif_lat is None or exif_lon is None:
        raise SubmissionError(
            400,
            "This photo has no location in it: type the camera's latitude and longitude.",
            "lat",
        )
    return {**fields, "lat": exif_lat, "lon": exif_lon, "location_source": LocationSource.EXIF}


@bp.get("/submit/preview/<token>")
def preview(token: str):
    """The uploader's own preview while the report is undecided; nobody else's."""
    photo = db.session.execute(db.select(Photo).filter_by(token=token)).scalar_one_or_none()
    if photo is None or photo.owner_hash != upload_owner() or photo_is_decided(photo):
        abort(404)
    response = send_stored(photo.display_path, "image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def photo_is_decided(photo: Photo) -> bool:
    """True once a moderator has approved or rejected the report the photo belongs to: it
    is then the moderators' (and, if approved, the public page's) to show, not a preview."""
    decided = db.union(
        db.select(Sighting.id).where(
            Sighting.photo_id == photo.id, Sighting.status != SightingStatus.PENDING
        ),
        db.select(RemovalReport.id).where(
            RemovalReport.photo_id == photo.id, RemovalReport.status != RemovalStatus.PENDING
        ),
    )
    return db.session.execute(decided.limit(1)).first() is not None


@bp.get("/track/<reference>")
@rate_limit("lookups")
def track(reference: str):
    """A report's status for the resident who kept its reference."""
    sighting = db.session.execute(
        db.select(Sighting).filter_by(reference=reference.strip().upper())
    ).scalar_one_or_none()
    if sighting is None:
        abort(404, "No report has that reference. Check it and try again.")
    key = remembered_key(sighting)
    return render_template(
        "submit/track.html",
        sighting=sighting,
        submitted=request.args.get("submitted") == "1",
        # Only for the browser that sent the report: the reference alone never gives it.
        reply_url=reply_url(key) if key else None,
    )


@bp.get("/track")
def track_lookup():
    """Look a reference up from the form on the submission and About pages."""
    reference = request.args.get("reference", "").strip()
    if not reference:
        return redirect(url_for("submit.submit"))
    return redirect(url_for("submit.track", reference=reference))
