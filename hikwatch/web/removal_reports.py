"""The public's side of removals: say a camera is gone, replaced or covered, and track it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from hikwatch.errors import PhotoError, SubmissionError
from hikwatch.moderation import removals
from hikwatch.security.limits import rate_limit
from hikwatch.submissions import add_photo, commit_with_files, process_upload
from hikwatch.vocab import RemovalKind
from hikwatch.web.common import borough_index, file_store, photo_limits, upload_owner
from hikwatch.web.forms import choices, contact_email_field, not_in_future
from models import Camera, RemovalReport, db

bp = Blueprint("removal_reports", __name__)


class RemovalForm(FlaskForm):
    kind = RadioField(
        "What has happened to the camera?",
        choices=choices(RemovalKind),
        validators=[InputRequired("Choose what has happened to the camera.")],
    )
    observed_on = DateField(
        "When did you see this? (optional)", validators=[Optional(), not_in_future]
    )
    note = TextAreaField("Anything else (optional)", validators=[Optional(), Length(max=2000)])
    photo = FileField("A photo of the spot (optional)")
    contact_email = contact_email_field()


@bp.route("/cameras/<int:camera_id>/report-removal", methods=["GET", "POST"])
@rate_limit("removals")
def report_removal(camera_id: int):
    """Tell the moderators a mapped camera has gone, been replaced or been covered."""
    camera = removals.public_camera(camera_id)
    if camera is None:
        merged = db.session.get(Camera, camera_id)
        if merged is not None and merged.merged_into_id is not None:
            return redirect(url_for(".report_removal", camera_id=merged.merged_into_id), 301)
        abort(404, "There is no camera with that number on the map.")
    form = RemovalForm()
    error = None
    if form.validate_on_submit():
        try:
            report = store_report(camera, form)
        except (SubmissionError, PhotoError) as refusal:
            form.photo.errors = [refusal.message]
            error, status = refusal.message, refusal.status
        else:
            return redirect(url_for(".removal_status", reference=report.reference, sent=1))
    else:
        status = 400 if form.is_submitted() else 200
    borough = borough_index().by_code(camera.borough_code)
    return render_template(
        "removals/report.html", form=form, camera=camera, borough=borough, error=error
    ), status


def store_report(camera, form: RemovalForm) -> RemovalReport:
    """The report, with its photo if one came, stored whole or not at all."""
    upload = next((f for f in request.files.getlist(form.photo.name) if f and f.filename), None)
    fields = {
        "kind": form.kind.data,
        "observed_on": form.observed_on.data,
        "note": form.note.data,
        "contact_email": form.contact_email.data,
    }
    store = file_store()
    if upload is None:
        report = removals.create_removal_report(camera, photo=None, **fields)
        db.session.commit()
        return report
    original = upload.read()
    processed = process_upload(original, photo_limits())
    with commit_with_files(store) as written:
        photo = add_photo(original, processed, store, written, upload_owner())
        report = removals.create_removal_report(camera, photo=photo, **fields)
    return report


@bp.get("/removal-reports/<reference>")
@rate_limit("lookups")
def removal_status(reference: str):
    """Where a removal report has got to, for whoever kept its reference."""
    report = db.session.execute(
        db.select(RemovalReport).filter_by(reference=reference.strip().upper())
    ).scalar_one_or_none()
    if report is None:
        abort(404, "No removal report has that reference. Check it and try again.")
    return render_template(
        "removals/status.html",
        report=report,
        sent=request.args.get("sent") == "1",
    )
