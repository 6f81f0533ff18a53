"""Removal reports for moderators: check one against the camera's record, then decide."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from hikwatch.moderation import redaction, removals
from hikwatch.security.accounts import moderator_required
from hikwatch.vocab import SightingStatus
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.forms import NoteForm
from models import Camera, RemovalReport, Sighting, User, db

bp = Blueprint("moderate_removals", __name__, url_prefix="/moderate/removals")


@bp.get("/<int:report_id>")
@moderator_required
def removal(report_id: int):
    """The report, its photo if any, and the camera's own photos to compare with."""
    report = db.get_or_404(RemovalReport, report_id, description="There is no such report.")
    camera = db.session.get_one(Camera, report.camera_id)
    return render_template(
        "moderate/removal.html",
        report=report,
        camera=camera,
        camera_sightings=db.session.execute(
            db.select(Sighting)
            .filter_by(camera_id=camera.id, status=SightingStatus.APPROVED)
            .order_by(Sighting.created_at.desc())
            .limit(4)
        )
        .scalars()
        .all(),
        decided_by=db.session.get(User, report.decided_by_id) if report.decided_by_id else None,
        redactions=redaction.percent_rows(report.photo) if report.photo else [],
        confirm_form=NoteForm.blank(prefix="confirm"),
        reject_form=NoteForm.blank(prefix="reject"),
    )


@bp.post("/<int:report_id>/confirm")
@moderator_required
def confirm(report_id: int):
    """Accept: the camera takes the reported status from the date observed.

    The note is optional and only length-checked (by clean_note), so no form validation.
    """
    form = NoteForm(prefix="confirm")
    report = removals.confirm_removal(report_id, acting_user(), form.note.data)
    db.session.commit()
    flash(
        f"Confirmed {report.reference}: camera #{report.camera_id} is now {report.kind}.",
        "success",
    )
    return redirect(url_for("moderate.queue", tab="removals"))


@bp.post("/<int:report_id>/reject")
@moderator_required
def reject(report_id: int):
    """Decline: the camera stays as it is; the report stays in the record."""
    form = NoteForm(prefix="reject")
    report = removals.reject_removal(report_id, acting_user(), form.note.data)
    db.session.commit()
    flash(f"Rejected removal report {report.reference}.", "success")
    return redirect(url_for("moderate.queue", tab="removals"))
