"""The audit trail in words: "moderator@example.org approved report K7P3-9QXM as camera
#12", with links, and each change as "Status: Pending → Approved" in the vocabulary's
words rather than stored values and ids.

Events are stored as they happened (hikwatch.audit); this only reads them. Everything a
page of events refers to (accounts, reports, boroughs) is looked up once per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for

from hikwatch.clock import london_datetime
from hikwatch.evidence.campaign import FIELD_LABELS as CAMPAIGN_LABELS
from hikwatch.vocab import (
    AuditAction,
    AuditObject,
    Brand,
    BrandEvidence,
    CameraStatus,
    CameraType,
    FoiFinding,
    MotionStatus,
    Mount,
    OperatorType,
    RejectReason,
    RemovalKind,
    RemovalStatus,
    Role,
    SightingStatus,
    Word,
)
from hikwatch.web.common import borough_index
from models import AuditEvent, RemovalReport, Sighting, User, db

NOTHING = "—"

FIELD_LABELS = {
    "status": "Status",
    "camera_id": "Camera",
    "merged_into_id": "Merged into",
    "decided_at": "Decided",
    "decided_by_id": "Decided by",
    "reject_reason": "Reason",
    "reject_note": "Moderator's note",
    "info_request": "Question to the resident",
    "replied_at": "Resident answered",
    "photo_id": "Photo",
    "lat": "Latitude",
    "lon": "Longitude",
    "borough_code": "Council area",
    "status_changed_on": "Status since",
    "brand": "Brand",
    "brand_evidence": "Brand evidence",
    "brand_verified": "Brand verified",
    "verified_at": "Verified",
    "verified_by_id": "Verified by",
    "camera_type": "Camera type",
    "mount": "Mounted on",
    "direction": "Direction",
    "operator_type": "Operator",
    "first_seen": "First seen",
    "last_confirmed": "Last confirmed",
    "decision_note": "Note",
    "kind": "Says",
    "email": "Email",
    "role": "Role",
    "enabled": "Enabled",
    "claimed_until": "Held until",
    "redactions": "Hidden areas",
    "changed": "Moved",
    "outside": "Outside London",
    "taken_on": "Day",
    "payload_sha256": "SHA-256",
    **CAMPAIGN_LABELS,
}
# Stored values that are words of the vocabulary.
WORD_FIELDS: dict[str, type[Word]] = {
    "brand": Brand,
    "brand_evidence": BrandEvidence,
    "camera_type": CameraType,
    "mount": Mount,
    "operator_type": OperatorType,
    "reject_reason": RejectReason,
    "role": Role,
    "motion_status": MotionStatus,
    "foi_finding": FoiFinding,
    "kind": RemovalKind,
}
STATUS_WORDS: dict[str, type[Word]] = {
    AuditObject.SIGHTING: SightingStatus,
    AuditObject.CAMERA: CameraStatus,
    AuditObject.REMOVAL_REPORT: RemovalStatus,
}
USER_FIELDS = frozenset({"decided_by_id", "verified_by_id"})

# What each action did, as the verb of the sentence.
VERBS = {
    AuditAction.SIGHTING_CLAIM: "took",
    AuditAction.SIGHTING_RELEASE: "released",
    AuditAction.SIGHTING_APPROVE_NEW: "approved",
    AuditAction.SIGHTING_APPROVE_CONFIRM: "approved",
    AuditAction.SIGHTING_REJECT: "rejected",
    AuditAction.SIGHTING_REQUEST_INFO: "asked the resident about",
    AuditAction.SIGHTING_RESIDENT_REPLY: "answered the question on",
    AuditAction.CAMERA_CREATE: "created",
    AuditAction.CAMERA_CONFIRM: "saw again",
    AuditAction.CAMERA_EDIT: "edited",
    AuditAction.CAMERA_STATUS: "changed the status of",
    AuditAction.CAMERA_REACTIVATE: "made active again",
    AuditAction.CAMERA_MERGE: "merged",
    AuditAction.CAMERA_UNMERGE: "undid the merge of",
    AuditAction.CAMERA_RETRACT: "retracted",
    AuditAction.CAMERA_UNRETRACT: "undid the retraction of",
    AuditAction.REMOVAL_CLAIM: "took",
    AuditAction.REMOVAL_RELEASE: "released",
    AuditAction.REMOVAL_CONFIRM: "confirmed",
    AuditAction.REMOVAL_REJECT: "rejected",
    AuditAction.PHOTO_REDACT: "hid areas of",
    AuditAction.USER_CREATE: "created",
    AuditAction.USER_ENABLE: "enabled",
    AuditAction.USER_DISABLE: "disabled",
    AuditAction.USER_SET_ROLE: "changed the role of",
    AuditAction.LOGIN: "logged in as",
    AuditAction.LOGIN_FAILED: "failed to log in as",
    AuditAction.TWO_FACTOR_ENABLE: "set up two-factor for",
    AuditAction.TWO_FACTOR_REQUIRE: "required two-factor of",
    AuditAction.TWO_FACTOR_RESET: "reset two-factor of",
    AuditAction.RECOVERY_CODES_RENEW: "renewed the recovery codes of",
    AuditAction.CAMPAIGN_UPDATE: "updated the campaign record of",
    AuditAction.BOROUGHS_REASSIGN_CAMERAS: "re-assigned cameras to",
    AuditAction.BOROUGHS_REASSIGN_REPORTS: "re-assigned reports to",
    AuditAction.SNAPSHOT_TAKE: "took",
}


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Change:
    label: str
    before: Link
    after: Link


@dataclass
class Line:
    """One event as a sentence: actor, verb, subject, then what it became; and its changes."""

    event: AuditEvent
    actor: str
    verb: str
    subject: Link
    outcome: list[Link] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


class Names:
    """Everything one page of events refers to, fetched once."""

    def __init__(self, events: list[AuditEvent]) -> None:
        user_ids: set[int] = set()
        sighting_ids: set[int] = set()
        removal_ids: set[int] = set()
        for event in events:
            if event.user_id:
                user_ids.add(event.user_id)
            if event.object_type == AuditObject.USER:
                add_id(user_ids, event.object_id)
            elif event.object_type == AuditObject.SIGHTING:
                add_id(sighting_ids, event.object_id)
            elif event.object_type == AuditObject.REMOVAL_REPORT:
                add_id(removal_ids, event.object_id)
            for values in (event.before or {}, event.after or {}):
                for name in USER_FIELDS & set(values):
                    add_id(user_ids, values[name])
        self.emails = dict(
            db.session.execute(db.select(User.id, User.email).where(User.id.in_(user_ids))).all()
        )
        self.sightings = dict(
            db.session.execute(
                db.select(Sighting.id, Sighting.reference).where(Sighting.id.in_(sighting_ids))
            ).all()
        )
        self.removals = dict(
            db.session.execute(
                db.select(RemovalReport.id, RemovalReport.reference).where(
                    RemovalReport.id.in_(removal_ids)
                )
            ).all()
        )

    def email(self, user_id: Any) -> str:
        return self.emails.get(as_int(user_id), f"account #{user_id}")


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_id(ids: set[int], value: Any) -> None:
    number = as_int(value)
    if number is not None:
        ids.add(number)


def camera_link(camera_id: Any) -> Link:
    number = as_int(camera_id)
    if number is None:
        return Link(NOTHING)
    return Link(f"camera #{number}", url_for("moderate_cameras.camera", camera_id=number))


def subject_of(event: AuditEvent, names: Names) -> Link:
    kind, key = event.object_type, event.object_id
    number = as_int(key)
    if kind == AuditObject.SIGHTING and number is not None:
        reference = names.sightings.get(number, f"#{number}")
        return Link(f"report {reference}", url_for("moderate.sighting", sighting_id=number))
    if kind == AuditObject.CAMERA:
        return camera_link(key)
    if kind == AuditObject.REMOVAL_REPORT and number is not None:
        reference = names.removals.get(number, f"#{number}")
        url = url_for("moderate_removals.removal", report_id=number)
        return Link(f"removal report {reference}", url)
    if kind == AuditObject.PHOTO and number is not None:
        return Link(f"photo #{number}", url_for("moderate_photos.photo_page", photo_id=number))
    if kind == AuditObject.USER:
        return Link(f"account {names.email(key)}", url_for("admin.users"))
    if kind in (AuditObject.BOROUGH_CAMPAIGN, AuditObject.BOROUGH):
        borough = borough_index().by_code(key)
        if borough is None:
            return Link("every council area")
        return Link(borough.name, url_for("boroughs.show", slug=borough.slug))
    if kind == AuditObject.SNAPSHOT:
        return Link(f"snapshot {key}", url_for("snapshots.show", name=key))
    return Link(f"{kind} {key}")


def outcome_of(event: AuditEvent) -> list[Link]:
    """What a decision made of its report, when the sentence should say it."""
    after = event.after or {}
    if event.action == AuditAction.SIGHTING_APPROVE_NEW:
        return [Link("as new "), camera_link(after.get("camera_id"))]
    if event.action == AuditAction.SIGHTING_APPROVE_CONFIRM:
        return [Link("as a sighting of "), camera_link(after.get("camera_id"))]
    if event.action == AuditAction.CAMERA_MERGE and after.get("merged_into_id"):
        return [Link("into "), camera_link(after["merged_into_id"])]
    return []


def show_value(name: str, value: Any, object_type: str, names: Names) -> Link:
    """One stored value in words."""
    if value is None or value == "" or value == []:
        return Link(NOTHING)
    if isinstance(value, bool):
        return Link("Yes" if value else "No")
    if name == "status" and object_type in STATUS_WORDS:
        return Link(STATUS_WORDS[object_type].label_of(value))
    if name in WORD_FIELDS:
        return Link(WORD_FIELDS[name].label_of(value))
    if name in USER_FIELDS:
        return Link(names.email(value))
    if name in ("camera_id", "merged_into_id"):
        return camera_link(value)
    if name == "borough_code":
        borough = borough_index().by_code(value)
        return Link(borough.name if borough else str(value))
    if name == "direction":
        return Link(f"{value}°")
    if name == "redactions" and isinstance(value, list):
        return Link(f"{len(value)} area{'' if len(value) == 1 else 's'}")
    if isinstance(value, str):
        return Link(readable_moment(value))
    return Link(str(value))


def readable_moment(text: str) -> str:
    """ISO dates and times as people write them; any other text as it is."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).strftime("%-d %b %Y")
        if len(text) >= 19 and text[10] == "T":
            return london_datetime(datetime.fromisoformat(text))
    except ValueError:
        pass
    return text


def changes_of(event: AuditEvent, names: Names) -> list[Change]:
    """Each field that changed (every field of something created), before → after."""
    before, after = event.before or {}, event.after or {}

    def change(name: str) -> Change:
        label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        return Change(
            label,
            show_value(name, before.get(name), event.object_type, names),
            show_value(name, after.get(name), event.object_type, names),
        )

    return [
        change(name)
        for name in dict.fromkeys([*before, *after])
        if name not in before or before.get(name) != after.get(name)
    ]


def actor_of(event: AuditEvent, names: Names) -> str:
    if event.user_id:
        return names.email(event.user_id)
    if event.action == AuditAction.SIGHTING_RESIDENT_REPLY:
        return "The resident"
    if event.action == AuditAction.LOGIN_FAILED:
        return "Someone at the login page"
    return "The server console"


def verb_of(event: AuditEvent) -> str:
    action = AuditAction.of(event.action)
    return event.action if action is None else VERBS.get(action, event.action)


def describe(events: Iterable[AuditEvent]) -> list[Line]:
    events = list(events)
    names = Names(events)
    return [
        Line(
            event=event,
            actor=actor_of(event, names),
            verb=verb_of(event),
            subject=subject_of(event, names),
            outcome=outcome_of(event),
            changes=changes_of(event, names),
        )
        for event in events
    ]


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """(value, label) for the filter: the vocabulary's label, or the stored action."""
    return [(action, AuditAction.label_of(action)) for action in actions]
