"""The moderators' side: the queue of pending reports, one report's page, and decisions."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from hikwatch.clock import london_clock
from hikwatch.errors import ModerationError, PossibleDuplicate, error_response, wants_json
from hikwatch.geo import distance_m
from hikwatch.mail import outbox
from hikwatch.moderation import claims, decisions, duplicates, redaction, replies
from hikwatch.security.accounts import moderator_required
from hikwatch.security.inputs import query_page
from hikwatch.vocab import WITHDRAWN_STATUSES, MailKind, RemovalStatus, SightingStatus
from hikwatch.web import resident_mail
from hikwatch.web.common import borough_index
from hikwatch.web.staff import common as moderation_common
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.forms import ApproveForm, ConfirmForm, InfoRequestForm, RejectForm
from models import Camera, RemovalReport, Sighting, User, db

bp = Blueprint("moderate", __name__, url_prefix="/moderate")
moderation_common.install(bp)

QUEUE_PAGE_SIZE = 50


@bp.get("/")
@moderator_required
def queue():
    """Pending reports oldest first, optionally for one borough; removal reports apart."""
    borough = borough_index().by_code(request.args.get("borough", ""))
    code = borough.code if borough else None
    tab = "removals" if request.args.get("tab") == "removals" else "sightings"
    sightings = (
        db.select(Sighting)
        .filter_by(status=SightingStatus.PENDING)
        .order_by(*replies.queue_order())
    )
    removals = (
        db.select(RemovalReport)
        .filter_by(status=RemovalStatus.PENDING)
        .join(Camera, RemovalReport.camera_id == Camera.id)
        .order_by(RemovalReport.created_at)
    )
    if code:
        sightings = sightings.filter_by(borough_code=code)
        removals = removals.where(Camera.borough_code == code)
    page = db.paginate(
        sightings if tab == "sightings" else removals,
        page=query_page(),
        per_page=QUEUE_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "moderate/queue.html",
        tab=tab,
        page=page,
        borough=borough,
        boroughs=sorted(borough_index().boroughs, key=lambda b: b.name),
        waiting={"sightings": count(sightings), "removals": count(removals)},
        claim_holders=claim_holders(page.items),
        cameras=cameras_of(page.items if tab == "removals" else []),
    )


def count(query) -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()


def claim_holders(reports: list[Sighting] | list[RemovalReport]) -> dict[int, User]:
    """report id -> the moderator holding a live claim on it."""
    holders = {r.id: claims.holder_id(r) for r in reports}
    ids = {user_id for user_id in holders.values() if user_id}
    users = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()}
    return {sid: users[uid] for sid, uid in holders.items() if uid in users}


def cameras_of(reports: list[RemovalReport]) -> dict[int, Camera]:
    ids = {report.camera_id for report in reports}
    found = db.session.execute(db.select(Camera).where(Camera.id.in_(ids))).scalars()
    return {camera.id: camera for camera in found}


# --------------------------------------------------------------------------- one report


def get_sighting(sighting_id: int) -> Sighting:
    return db.get_or_404(Sighting, sighting_id, description="There is no such report.")


@bp.get("/sightings/<int:sighting_id>")
@moderator_required
def sighting(sighting_id: int):
    """Everything about one report; opening a pending one claims it for a few minutes."""
    report = get_sighting(sighting_id)
    if report.status == SightingStatus.PENDING:
        decisions.claim(report, acting_user(), current_app.config["CLAIM_MINUTES"])
        db.session.commit()
    return review_page(report)


def review_page(
    report: Sighting,
    forms: dict[str, FlaskForm] | None = None,
    error: str | None = None,
    status: int = 200,
    duplicates_at_pin: list[dict] | None = None,
) -> ResponseReturnValue:
    config = current_app.config
    holder_id = decisions.active_claim_holder(report)
    nearby = [
        near
        for near in duplicates.cameras_near(
            report.lat, report.lon, max(config["NEARBY_CAMERAS_M"], config["DUPLICATE_RADIUS_M"])
        )
        if near.camera.status not in WITHDRAWN_STATUSES
    ]
    photo = report.photo
    exif_distance = None
    if photo.exif_lat is not None and photo.exif_lon is not None:
        exif_distance = distance_m(report.lat, report.lon, photo.exif_lat, photo.exif_lon)
    recheck = resolved_camera_id(report.recheck_camera_id)
    all_forms = {
        "approve": ApproveForm.blank(prefix="approve", obj=report),
        "confirm": ConfirmForm.blank(prefix="confirm", data={"camera_id": recheck}),
        "reject": RejectForm.blank(prefix="reject"),
        "info": InfoRequestForm.blank(prefix="info", data={"message": report.info_request}),
        **(forms or {}),
    }
    return render_template(
        "moderate/sighting.html",
        sighting=report,
        photo=photo,
        holder=db.session.get(User, holder_id) if holder_id else None,
        can_decide=report.status == SightingStatus.PENDING
        and holder_id in (None, acting_user().id),
        decided_by=db.session.get(User, report.decided_by_id) if report.decided_by_id else None,
        place_matches=[n for n in nearby if n.distance_m <= config["DUPLICATE_RADIUS_M"]],
        photo_matches=duplicates.similar_reports(report, config["PHASH_MAX_DISTANCE"]),
        map_cameras=[
            {"id": n.camera.id, "lat": n.camera.lat, "lon": n.camera.lon, "status": n.camera.status}
            for n in nearby
            if n.distance_m <= config["NEARBY_CAMERAS_M"]
        ],
        exif_distance=exif_distance,
        redactions=redaction.percent_rows(photo),
        forms=all_forms,
        recheck_camera_id=recheck,
        duplicate_candidates=duplicates_at_pin
        if duplicates_at_pin is not None
        else [
            {"id": n.camera.id, "distance_m": n.distance_m, "status": n.camera.status}
            for n in nearby
            if n.distance_m <= config["DUPLICATE_RADIUS_M"]
        ],
        error=error,
        claim_seconds=int(config["CLAIM_MINUTES"] * 60),
        claim=claims.state_of(report, acting_user()),
        answers=replies.replies_to(report.id),
        mails=outbox.records_for(report.id),
    ), status


def resolved_camera_id(camera_id: int | None) -> int | None:
    """The camera a re-check is about, following merges to the camera that kept the record."""
    seen: set[int] = set()
    while camera_id is not None and camera_id not in seen:
        seen.add(camera_id)
        camera = db.session.get(Camera, camera_id)
        if camera is None or camera.merged_into_id is None:
            return camera_id
        camera_id = camera.merged_into_id
    return camera_id


@bp.post("/sightings/<int:sighting_id>/claim")
@moderator_required
def claim(sighting_id: int):
    """Renew (or take) the claim; the item page's script calls this while it is open."""
    report = get_sighting(sighting_id)
    held = decisions.claim(report, acting_user(), current_app.config["CLAIM_MINUTES"])
    db.session.commit()
    if not wants_json():
        return redirect(url_for(".sighting", sighting_id=sighting_id))
    until = london_clock(report.claimed_until) if report.claimed_until else None
    body = {"held": held, "until": until}
    if not held:
        body["error"] = (
            decisions.claim_conflict_message(report)
            if report.status == SightingStatus.PENDING
            else f"This report was already decided ({report.status})."
        )
    return jsonify(body), 200 if held else 409


@bp.get("/sightings/<int:sighting_id>/claim")
@moderator_required
def claim_state(sighting_id: int):
    """Who holds the report now: the open page polls this to follow others' claims."""
    return jsonify(claims.state_of(get_sighting(sighting_id), acting_user()).as_json())


@bp.post("/sightings/<int:sighting_id>/release")
@moderator_required
def release(sighting_id: int):
    """Give the report back to the queue before the claim runs out."""
    decisions.release(get_sighting(sighting_id), acting_user())
    db.session.commit()
    flash("Released: another moderator can pick this report up now.", "success")
    return redirect(url_for(".queue"))


# --------------------------------------------------------------------------- decisions


def tell_resident(sighting_id: int, kind: MailKind, **details) -> None:
    """Queue the resident's email with the decision (sent once it is committed)."""
    resident_mail.after_decision(get_sighting(sighting_id), kind, **details)


def decide(
    sighting_id: int, name: str, form: FlaskForm, action: Callable[[], str]
) -> ResponseReturnValue:
    """Validate, run the decision, commit once; on refusal show the page again with the
    reason and the moderator's input (scripts asking for JSON get {"error": ...} and, for a
    possible duplicate, the candidates); on success back to the queue."""
    if not form.validate_on_submit():
        message = "Check the highlighted fields."
        if wants_json():
            return jsonify(error=message, fields=form.errors), 400
        return review_page(get_sighting(sighting_id), {name: form}, message, 400)
    try:
        success = action()
        db.session.commit()
    except ModerationError as refusal:
        db.session.rollback()
        candidates = refusal.candidates if isinstance(refusal, PossibleDuplicate) else None
        if wants_json():
            if candidates is not None:
                return jsonify(error=refusal.message, candidates=candidates), refusal.status
            return error_response(refusal.status, refusal.message, refusal.field)
        report = get_sighting(sighting_id)
        return review_page(report, {name: form}, refusal.message, refusal.status, candidates)
    if wants_json():
        return jsonify(message=success)
    flash(success, "success")
    return redirect(url_for(".queue"))


@bp.post("/sightings/<int:sighting_id>/approve")
@moderator_required
def approve(sighting_id: int):
    """Approve as a new camera, at the (possibly corrected) location; with known cameras
    close by, only once the moderator says it is a different camera (else 409)."""
    form = ApproveForm(prefix="approve")

    def action() -> str:
        camera = decisions.approve_as_new_camera(
            sighting_id,
            acting_user(),
            form.details(),
            brand_verified=form.brand_verified.data,
            index=borough_index(),
            duplicate_radius_m=current_app.config["DUPLICATE_RADIUS_M"],
            different_camera=form.different_camera.data,
        )
        tell_resident(sighting_id, MailKind.VERIFIED, camera_id=camera.id)
        return f"Approved as new camera #{camera.id} in {camera.borough.name}."

    return decide(sighting_id, "approve", form, action)


@bp.post("/sightings/<int:sighting_id>/confirm")
@moderator_required
def confirm(sighting_id: int):
    """Approve as another sighting of a known camera."""
    form = ConfirmForm(prefix="confirm")

    def action() -> str:
        camera = decisions.approve_as_confirmation(
            sighting_id, acting_user(), form.camera_id.data, verify_brand=form.verify_brand.data
        )
        tell_resident(sighting_id, MailKind.VERIFIED, camera_id=camera.id)
        return f"Approved as a confirmation of camera #{camera.id}."

    return decide(sighting_id, "confirm", form, action)


@bp.post("/sightings/<int:sighting_id>/reject")
@moderator_required
def reject(sighting_id: int):
    """Reject with a reason; the report never becomes public."""
    form = RejectForm(prefix="reject")

    def action() -> str:
        report = decisions.reject(sighting_id, acting_user(), form.reason.data, form.note.data)
        tell_resident(sighting_id, MailKind.NOT_USED, reason=report.reject_reason)
        return f"Rejected {report.reference}."

    return decide(sighting_id, "reject", form, action)


@bp.post("/sightings/<int:sighting_id>/request-info")
@moderator_required
def request_info(sighting_id: int):
    """Ask the resident for more; the report stays pending."""
    form = InfoRequestForm(prefix="info")

    def action() -> str:
        report = decisions.request_information(sighting_id, acting_user(), form.message.data)
        tell_resident(sighting_id, MailKind.NEEDS_INFO, question=report.info_request)
        return f"Asked for more information on {report.reference}; it stays in the queue."

    return decide(sighting_id, "info", form, action)
