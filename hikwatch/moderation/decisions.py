"""Moderators' claims and decisions on residents' reports, and corrections to cameras.

Every function here stages its changes together with an audit event in the session and
leaves the commit to the caller, so a decision is stored whole, with its audit record, or
not at all. No Flask: views pass the acting user, validated values and the borough index.
Refusals are ModerationError, carrying the HTTP status the view answers with.

Claims: opening a pending report reserves it for one moderator for a few minutes, so two
volunteers do not check the same photo at once. A claim and a decision are both taken with
one conditional UPDATE, so two requests racing for the same report cannot both succeed.

Counts you can defend: only Hikvision-group brands become cameras (anything else is
rejected as "not a Hikvision-group camera"); a brand is verified only from a logo or a
label; a new camera close to a known one needs the moderator to say it is a different
camera; a resident's "it's still there" report can only confirm its camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, or_, update

from hikwatch import audit
from hikwatch.clock import london_clock, london_today
from hikwatch.errors import ModerationError, PossibleDuplicate
from hikwatch.geo import Borough, BoroughIndex
from hikwatch.moderation.checks import check_brand, counted_camera, duplicate_candidates
from hikwatch.vocab import (
    VERIFYING_EVIDENCE,
    AuditAction,
    AuditObject,
    CameraStatus,
    RejectReason,
    SightingStatus,
)
from models import Camera, CameraStatusChange, Sighting, User, db, utcnow

# What the audit trail records of each object: the fields a decision can change.
SIGHTING_AUDIT_FIELDS = (
    "status",
    "camera_id",
    "decided_at",
    "decided_by_id",
    "reject_reason",
    "reject_note",
    "info_request",
)
CAMERA_AUDIT_FIELDS = (
    "lat",
    "lon",
    "borough_code",
    "status",
    "status_changed_on",
    "status_recorded_on",
    "merged_into_id",
    "retraction_reason",
    "brand",
    "brand_evidence",
    "brand_verified",
    "verified_at",
    "verified_by_id",
    "camera_type",
    "mount",
    "direction",
    "operator_type",
    "first_seen",
    "last_confirmed",
)
NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class CameraDetails:
    """What a moderator settles about a camera: where it is and what it is (validated)."""

    lat: float
    lon: float
    brand: str
    brand_evidence: str
    camera_type: str
    mount: str
    direction: int | None
    operator_type: str

    FIELDS = (
        "lat",
        "lon",
        "brand",
        "brand_evidence",
        "camera_type",
        "mount",
        "direction",
        "operator_type",
    )

    def apply_to(self, target: Camera) -> None:
        for name in self.FIELDS:
            setattr(target, name, getattr(self, name))


# --------------------------------------------------------------------------- claims


def active_claim_holder(sighting: Sighting, now: datetime | None = None) -> int | None:
    """The id of the moderator whose claim on this report has not yet run out, if any."""
    now = now or utcnow()
    if sighting.status != SightingStatus.PENDING or sighting.claimed_by_id is None:
        return None
    if sighting.claimed_until is None or sighting.claimed_until <= now:
        return None
    return sighting.claimed_by_id


def _free_for(user: User, now: datetime) -> ColumnElement[bool]:
    """SQL: nobody else holds a live claim on the report."""
    return or_(
        Sighting.claimed_by_id.is_(None),
        Sighting.claimed_by_id == user.id,
        Sighting.claimed_until.is_(None),
        Sighting.claimed_until <= now,
    )


def _reserve(sighting_id: int, user: User, until: datetime, now: datetime) -> bool:
    """Atomically set the claim if the report is pending and free for `user`."""
    statement = (
        update(Sighting)
        .where(
            Sighting.id == sighting_id,
            Sighting.status == SightingStatus.PENDING,
            _free_for(user, now),
        )
        .values(claimed_by_id=user.id, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE answers with a CursorResult, which knows how many rows it changed.
    result = cast(CursorResult[Any], db.session.execute(statement))
    return result.rowcount == 1


def claim(sighting: Sighting, user: User, minutes: float) -> bool:
    """Reserve a pending report for `user` (renewing their own claim); False if someone
    else holds it or it is decided. Only a newly taken claim is audited, not renewals."""
    now = utcnow()
    previous_holder = active_claim_holder(sighting, now)
    won = _reserve(sighting.id, user, now + timedelta(minutes=minutes), now)
    db.session.refresh(sighting)
    if won and previous_holder != user.id:
        audit.record(
            user,
            AuditAction.SIGHTING_CLAIM,
            AuditObject.SIGHTING,
            sighting.id,
            after={"claimed_until": audit.json_safe(sighting.claimed_until)},
        )
    return won


def release(sighting: Sighting, user: User) -> None:
    """Give up one's own claim so another moderator can pick the report up at once."""
    if active_claim_holder(sighting) != user.id:
        return
    sighting.claimed_by_id = None
    sighting.claimed_until = None
    audit.record(user, AuditAction.SIGHTING_RELEASE, AuditObject.SIGHTING, sighting.id)


def claim_conflict_message(sighting: Sighting) -> str:
    holder = db.session.get(User, sighting.claimed_by_id) if sighting.claimed_by_id else None
    who = holder.email if holder else "another moderator"
    until = london_clock(sighting.claimed_until) if sighting.claimed_until else "soon"
    return f"This report is being checked by {who} until {until}. Try again after that."


def _take_for_decision(sighting_id: int, user: User) -> Sighting:
    """The pending report, reserved for this decision; 409 if decided or claimed by another."""
    now = utcnow()
    won = _reserve(sighting_id, user, now + timedelta(minutes=1), now)
    sighting = db.session.get(Sighting, sighting_id, populate_existing=True)
    if sighting is None:
        raise ModerationError(404, "There is no such report.")
    if not won:
        if sighting.status != SightingStatus.PENDING:
            raise ModerationError(409, f"This report was already decided ({sighting.status}).")
        raise ModerationError(409, claim_conflict_message(sighting))
    return sighting


def _decide(sighting: Sighting, user: User, status: SightingStatus) -> None:
    sighting.status = status
    sighting.decided_at = utcnow()
    sighting.decided_by_id = user.id
    sighting.claimed_by_id = None
    sighting.claimed_until = None


# --------------------------------------------------------------------------- decisions


def borough_for(lat: float, lon: float, index: BoroughIndex) -> Borough:
    """The council area of a (possibly corrected) location; 422 outside Greater London."""
    borough = index.locate(lon, lat)
    if borough is None:
        raise ModerationError(
            422, "That location is outside the 33 London council areas; move the pin."
        )
    return borough


def seen_on(sighting: Sighting) -> date:
    """When the camera was seen: the resident's date, else the day they reported it."""
    return sighting.seen_on or sighting.created_at.date()


def mark_brand_verified(camera: Camera, user: User, verified: bool) -> None:
    """Only a moderator's tick makes a camera count as brand-verified; who and when is kept."""
    if verified and not camera.brand_verified:
        camera.brand_verified = True
        camera.verified_at = utcnow()
        camera.verified_by_id = user.id
    elif not verified and camera.brand_verified:
        camera.brand_verified = False
        camera.verified_at = None
        camera.verified_by_id = None


def approve_as_new_camera(
    sighting_id: int,
    user: User,
    details: CameraDetails,
    *,
    brand_verified: bool,
    index: BoroughIndex,
    duplicate_radius_m: float,
    different_camera: bool = False,
) -> Camera:
    """Approve a report as a camera nobody had reported: a new Camera, active from `seen_on`.

    Refused (PossibleDuplicate, 409, listing them) when known cameras lie within
    `duplicate_radius_m` of the location, unless the moderator says it is a different one.
    """
    check_brand(details.brand, details.brand_evidence, brand_verified)
    borough = borough_for(details.lat, details.lon, index)
    sighting = _take_for_decision(sighting_id, user)
    if sighting.recheck_camera_id is not None:
        raise ModerationError(
            409,
            f"The resident sent this as a new photo of camera #{sighting.recheck_camera_id}: "
            "approve it as a sighting of that camera (or reject it), not as a new camera.",
        )
    nearby = duplicate_candidates(details.lat, details.lon, duplicate_radius_m)
    if nearby and not different_camera:
        raise PossibleDuplicate(
            [
                {"id": n.camera.id, "distance_m": round(n.distance_m, 1), "status": n.camera.status}
                for n in nearby
            ],
            duplicate_radius_m,
        )
    first_seen = seen_on(sighting)
    reason = f"Approved from report {sighting.reference}"
    if nearby:
        listed = ", ".join(f"#{n.camera.id} ({n.distance_m:.0f} m)" for n in nearby)
        reason += f"; confirmed a different camera from {listed}"
    camera = Camera(
        borough_code=borough.code,
        status=CameraStatus.ACTIVE,
        status_changed_on=first_seen,
        status_recorded_on=london_today(),
        brand_verified=False,
        first_seen=first_seen,
        last_confirmed=first_seen,
        created_by_id=user.id,
    )
    details.apply_to(camera)
    mark_brand_verified(camera, user, brand_verified)
    with audit.recording(user, AuditAction.SIGHTING_APPROVE_NEW, sighting, SIGHTING_AUDIT_FIELDS):
        db.session.add(camera)
        db.session.flush()  # the camera's id, for the link and the audit trail
        db.session.add(
            CameraStatusChange(
                camera_id=camera.id,
                status=CameraStatus.ACTIVE,
                changed_on=first_seen,
                note=f"First reported in {sighting.reference}",
            )
        )
        _decide(sighting, user, SightingStatus.APPROVED)
        sighting.camera_id = camera.id
        audit.record(
            user,
            AuditAction.CAMERA_CREATE,
            AuditObject.CAMERA,
            camera.id,
            after=audit.snapshot_of(camera, CAMERA_AUDIT_FIELDS),
            reason=reason,
        )
    return camera


def approve_as_confirmation(
    sighting_id: int, user: User, camera_id: int, *, verify_brand: bool
) -> Camera:
    """Approve a report as another sighting of a known camera: the camera is counted once,
    and its dates widen to include this sighting (a re-check moves `last_confirmed`).

    Verifying the brand here needs a logo or label: the camera's recorded evidence, or
    this report's, which then becomes the camera's."""
    sighting = _take_for_decision(sighting_id, user)
    camera = counted_camera(camera_id, "confirm")
    evidence = camera.brand_evidence
    if verify_brand and not camera.brand_verified and evidence not in VERIFYING_EVIDENCE:
        evidence = sighting.brand_evidence
    if verify_brand:
        check_brand(camera.brand, evidence, True)
    with audit.recording(
        user,
        AuditAction.SIGHTING_APPROVE_CONFIRM,
        sighting,
        SIGHTING_AUDIT_FIELDS,
        reason=f"Another sighting of camera #{camera.id}",
    ):
        with audit.recording(
            user, AuditAction.CAMERA_CONFIRM, camera, CAMERA_AUDIT_FIELDS, only_changes=True
        ):
            when = seen_on(sighting)
            camera.last_confirmed = max(camera.last_confirmed, when)
            # An older photo of a known camera is evidence it was there earlier, too.
            camera.first_seen = min(camera.first_seen, when)
            if verify_brand:
                camera.brand_evidence = evidence
                mark_brand_verified(camera, user, True)
        _decide(sighting, user, SightingStatus.APPROVED)
        sighting.camera_id = camera.id
    return camera


def reject(sighting_id: int, user: User, reason: str, note: str | None) -> Sighting:
    """Reject a report: it never becomes public, but stays in the record with the reason."""
    chosen = RejectReason.of(reason)
    if chosen is None:
        raise ModerationError(400, "Choose a reason for rejecting the report.")
    note = clean_note(note)
    if chosen is RejectReason.OTHER and not note:
        raise ModerationError(400, "Say why the report is rejected when the reason is 'Other'.")
    sighting = _take_for_decision(sighting_id, user)
    with audit.recording(
        user,
        AuditAction.SIGHTING_REJECT,
        sighting,
        SIGHTING_AUDIT_FIELDS,
        reason=chosen.label + (f": {note}" if note else ""),
    ):
        _decide(sighting, user, SightingStatus.REJECTED)
        sighting.reject_reason = chosen
        sighting.reject_note = note
    return sighting


def request_information(sighting_id: int, user: User, message: str) -> Sighting:
    """Ask the resident for more (shown on their tracking page); the report stays pending."""
    request = clean_note(message)
    if not request:
        raise ModerationError(400, "Write what you need to know from the resident.")
    sighting = _take_for_decision(sighting_id, user)
    with audit.recording(
        user, AuditAction.SIGHTING_REQUEST_INFO, sighting, SIGHTING_AUDIT_FIELDS, reason=message
    ):
        sighting.info_request = message
        # Waiting for the resident again: no longer marked "resident replied".
        sighting.replied_at = None
        # Nothing more to do until the resident answers, so others may pick it up meanwhile.
        sighting.claimed_by_id = None
        sighting.claimed_until = None
    return sighting


def clean_note(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ModerationError(400, f"Keep notes under {NOTE_MAX_CHARS} characters.")
    return text or None


def edit_camera(
    camera_id: int,
    user: User,
    details: CameraDetails,
    *,
    brand_verified: bool,
    index: BoroughIndex,
) -> Camera:
    """Correct a camera's location or description, or (un)verify its brand; audited field
    by field. Moving it recomputes its council area; outside London is refused, and so are
    a brand outside the group (retract the camera instead) and a form-factor verification."""
    camera = counted_camera(camera_id, "edit")
    check_brand(details.brand, details.brand_evidence, brand_verified)
    borough = borough_for(details.lat, details.lon, index)
    with audit.recording(
        user, AuditAction.CAMERA_EDIT, camera, CAMERA_AUDIT_FIELDS, only_changes=True
    ):
        details.apply_to(camera)
        camera.borough_code = borough.code
        mark_brand_verified(camera, user, brand_verified)
    return camera
