"""Photos for moderators: the images of reports not yet public, originals, and redaction.

Every response here is `private, no-store`: pending photos and originals (which still
carry the resident's GPS and device) must never sit in a shared or disk cache.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import or_

from hikwatch.errors import ModerationError
from hikwatch.moderation import decisions, redaction
from hikwatch.security.accounts import moderator_required
from hikwatch.submissions import commit_with_files
from hikwatch.web.common import file_store, photo_limits, send_stored
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.login import safe_next
from models import Photo, RemovalReport, ResidentReply, Sighting, db

bp = Blueprint("moderate_photos", __name__, url_prefix="/moderate/photos")

ORIGINAL_MIMETYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heif": "image/heic",
}


def reported_photo(photo_id: int) -> tuple[Photo, Sighting | None, RemovalReport | None]:
    """A photo that belongs to a report or removal report (never a stray upload), including
    one a resident sent with an answer, or one their answer replaced."""
    photo = db.get_or_404(Photo, photo_id)
    sighting = db.session.execute(
        db.select(Sighting).filter_by(photo_id=photo.id)
    ).scalar_one_or_none()
    if sighting is None:
        answered = db.session.execute(
            db.select(ResidentReply.sighting_id).where(
                or_(ResidentReply.photo_id == photo.id, ResidentReply.replaced_photo_id == photo.id)
            )
        ).first()
        sighting = db.session.get(Sighting, answered[0]) if answered else None
    removal = db.session.execute(
        db.select(RemovalReport).filter_by(photo_id=photo.id)
    ).scalar_one_or_none()
    if sighting is None and removal is None:
        abort(404)
    return photo, sighting, removal


def private_file(relative: str, mimetype: str, **options) -> Response:
    response = send_stored(relative, mimetype, max_age=0, **options)
    response.headers["Cache-Control"] = "private, no-store"
    # Opened directly in a tab, an image is inert: no scripts, no plugins, nothing loaded.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/<int:photo_id>/display.jpg")
@moderator_required
def display(photo_id: int):
    """The upright, metadata-free display image (redacted, if it has been)."""
    photo, _, _ = reported_photo(photo_id)
    return private_file(photo.display_path, "image/jpeg")


@bp.get("/<int:photo_id>/thumb.jpg")
@moderator_required
def thumb(photo_id: int):
    photo, _, _ = reported_photo(photo_id)
    return private_file(photo.thumb_path, "image/jpeg")


@bp.get("/<int:photo_id>/original")
@moderator_required
def original(photo_id: int):
    """The file exactly as uploaded, metadata and all. HEIC downloads (browsers cannot show it)."""
    photo, sighting, removal = reported_photo(photo_id)
    report = sighting or removal
    assert report is not None  # reported_photo answers 404 for a photo of no report
    reference = report.reference
    extension = photo.original_path.rsplit(".", 1)[-1]
    return private_file(
        photo.original_path,
        ORIGINAL_MIMETYPES.get(photo.format, "application/octet-stream"),
        as_attachment=photo.format not in ("jpeg", "png", "webp"),
        download_name=f"hikwatch-{reference}-original.{extension}",
    )


@bp.get("/<int:photo_id>")
@moderator_required
def photo_page(photo_id: int):
    """Redact a photo that is already published (from the camera page)."""
    photo, sighting, removal = reported_photo(photo_id)
    return render_template(
        "moderate/photo.html",
        photo=photo,
        sighting=sighting,
        removal=removal,
        redactions=redaction.percent_rows(photo),
        return_to=safe_next(request.args.get("next")) or request.path,
    )


@bp.post("/<int:photo_id>/redactions")
@moderator_required
def save_redactions(photo_id: int):
    """Store the rectangles and rebuild the public images from the private original."""
    photo, sighting, _ = reported_photo(photo_id)
    back = safe_next(request.form.get("next")) or url_for(".photo_page", photo_id=photo.id)
    user = acting_user()
    holder = decisions.active_claim_holder(sighting) if sighting else None
    if sighting is not None and holder not in (None, user.id):
        raise ModerationError(409, decisions.claim_conflict_message(sighting))
    form = request.form
    try:
        rectangles = redaction.parse_percent_rows(
            *(form.getlist(f"redaction-{key}") for key in ("x", "y", "w", "h", "mode"))
        )
        store = file_store()
        with commit_with_files(store) as written:
            old_paths = redaction.redact(photo, rectangles, user, store, photo_limits(), written)
    except ModerationError as refusal:
        flash(refusal.message, "error")
        return redirect(back)
    # Only now that the new paths are committed are the old files unreferenced.
    store.delete(*old_paths)
    if old_paths:
        count = len(rectangles)
        flash(f"Saved: {count} area(s) hidden; the public images were rebuilt.", "success")
    else:
        flash("Nothing changed.", "success")
    return redirect(back)
