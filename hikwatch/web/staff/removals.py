"""Removal reports for moderators: check one against the camera's record, then decide.

Opening a pending report claims it for a few minutes, as with camera reports; the page
renews the claim while open and follows others' claims (moderate.js polls claim_state).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)

from hikwatch.clock import london_clock
from hikwatch.errors import wants_json
from hikwatch.moderation import claims, redaction, removals
from hikwatch.security.accounts import moderator_required
from hikwatch.vocab import RemovalStatus, SightingStatus
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.forms import NoteForm
from models import Camera, RemovalReport, Sighting, User, db

bp = Blueprint("moderate_removals", __name__, url_prefix="/moderate/removals")


def get_report(report_id: int) -> RemovalReport:
    return db.get_or_404(RemovalReport, report_id, description="There is no such report.")


@bp.get("/<int:report_id>")
@moderator_required
def removal(report_id: int):
    """The report, its photo if any, and the camera's own photos to compare with."""
    report = get_report(report_id)
    if report.status == RemovalStatus.PENDING:
        claims.claim_removal(report, acting_user(), current_app.config["CLAIM_MINUTES"])
        db.session.commit()
    camera = db.session.get_one(Camera, report.camera_id)
    state = claims.state_of(report, acting_user())
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
        claim=state,
        claim_seconds=int(current_app.config["CLAIM_MINUTES"] * 60),
    )


@bp.get("/<int:report_id>/claim")
@moderator_required
def claim_state(report_id: int):
    """Who holds the report now: the open page polls this to follow others' claims."""
    return jsonify(claims.state_of(get_report(report_id), acting_user()).as_json())


@bp.post("/<int:report_id>/claim")
@moderator_required
def claim(report_id: int):
    """Renew (or take) the claim; the report's page calls this while it is open."""
    report = get_report(report_id)
    held = claims.claim_removal(report, acting_user(), current_app.config["CLAIM_MINUTES"])
    db.session.commit()
    if not wants_json():
        return redirect(url_for(".removal", report_id=report_id))
    state = claims.state_of(report, acting_user())
    until = report.claimed_until
    body = {**state.as_json(), "until": london_clock(until) if held and until else None}
    if not held:
        body["error"] = state.message
    return jsonify(body), 200 if held else 409


@bp.post("/<int:report_id>/release")
@moderator_required
def release(report_id: int):
    """Give the report back to the queue before the claim runs out."""
    claims.release_removal(get_report(report_id), acting_user())
    db.session.commit()
    flash("Released: another moderator can pick this report up now.", "success")
    return redirect(url_for("moderate.queue", tab="removals"))


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
