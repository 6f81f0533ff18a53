"""Hikwatch's vocabulary: every status, kind, role and reason (OpenStreetMap's words are in
hikwatch.evidence.osm).

Each field is a `Word` enum: a `StrEnum`, so a member is equal to the string the database
stores (columns stay plain strings and migrations need none of this), and each member
carries the label people see. The order of the members is the order forms offer them.
Nothing here imports Flask or the models, so models, forms, exports, templates (through
one context processor) and tests share one source of truth.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, cast

NOT_RECORDED = "Not recorded"


class Word(StrEnum):
    """A stored value and its label: `Brand.HIKVISION == "hikvision"`, `.label == "Hikvision"`."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value.replace("_", " ").capitalize()
        return member

    @classmethod
    def of(cls, value: object) -> Self | None:
        """The member stored as `value`, or None (`"x" in Brand` raises before Python 3.12)."""
        if not isinstance(value, str):
            return None
        return cast(Self | None, cls._value2member_map_.get(value))

    @classmethod
    def has(cls, value: object) -> bool:
        return cls.of(value) is not None

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; an unknown one as stored, a missing one as such."""
        member = cls.of(value)
        if member is not None:
            return member.label
        return value or NOT_RECORDED


# ---------- what residents and moderators say about a camera ----------


class Brand(Word):
    HIKVISION = "hikvision", "Hikvision"
    HILOOK = "hilook", "HiLook (a Hikvision brand)"
    HIWATCH = "hiwatch", "HiWatch (a Hikvision brand)"
    EZVIZ = "ezviz", "EZVIZ (a Hikvision brand)"
    OTHER = "other", "Other or unsure"


# The brands counted as Hikvision anywhere: Hikvision and the brands it sells under.
HIKVISION_GROUP = frozenset({Brand.HIKVISION, Brand.HILOOK, Brand.HIWATCH, Brand.EZVIZ})


class BrandEvidence(Word):
    LOGO = "logo", "Logo visible in the photo"
    LABEL = "label", "Label or model number read"
    FORM_FACTOR = "form_factor", "Form factor only"


# What a moderator may verify a brand from: something written on the camera, never its shape.
VERIFYING_EVIDENCE = frozenset({BrandEvidence.LOGO, BrandEvidence.LABEL})


class CameraType(Word):
    FIXED = "fixed", "Fixed (points one way)"
    DOME = "dome", "Dome"
    PANNING = "panning", "Panning (PTZ, moves)"
    PANORAMA = "panorama", "Panorama (fisheye, 360°)"
    UNKNOWN = "unknown", "Not sure"


class Mount(Word):
    WALL = "wall", "Wall"
    POLE = "pole", "Pole"
    CEILING = "ceiling", "Ceiling"
    STREET_LAMP = "street_lamp", "Street lamp"
    OTHER = "other", "Other"


class OperatorType(Word):
    COUNCIL_STREET = "council_street", "Council: street CCTV"
    COUNCIL_BUILDING = "council_building", "Council: a council building"
    COUNCIL_HOUSING = "council_housing", "Council: housing estate"
    SCHOOL = "school", "School"
    NHS = "nhs", "NHS"
    POLICE = "police", "Police"
    TRANSPORT = "transport", "TfL or transport"
    PUBLIC_OTHER = "public_other", "Another public body"
    BUSINESS = "business", "Private business"
    RESIDENTIAL = "residential", "Residential (a home)"
    UNKNOWN = "unknown", "Not sure"


# Operator types campaigners count as "council-operated" in a motion.
COUNCIL_OPERATOR_TYPES = frozenset(
    {OperatorType.COUNCIL_STREET, OperatorType.COUNCIL_BUILDING, OperatorType.COUNCIL_HOUSING}
)


class LocationSource(Word):
    EXIF = "exif", "From the photo's GPS"
    DEVICE = "device", "From the phone's location"
    MAP = "map", "Placed on the map"
    TYPED = "typed", "Typed coordinates"


# What a report says when the resident leaves a field alone.
DEFAULTS = {
    "brand": Brand.HIKVISION,
    "brand_evidence": BrandEvidence.LOGO,
    "camera_type": CameraType.UNKNOWN,
    "mount": Mount.OTHER,
    "operator_type": OperatorType.UNKNOWN,
}


# ---------- where a report or a camera stands ----------


class SightingStatus(Word):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RejectReason(Word):
    NOT_HIKVISION = "not_hikvision", "Not a Hikvision-group camera"
    PHOTO_UNUSABLE = "photo_unusable", "Photo unusable"
    LOCATION_WRONG = "location_wrong", "Location wrong or outside London"
    DUPLICATE = "duplicate", "Duplicate of a report already handled"
    UNSAFE = "unsafe", "Unsafe or abusive content"
    OTHER = "other", "Other"


class ReplyPhotoUse(Word):
    """What a photo sent with a resident's reply is for."""

    EXTRA = "extra", "Add it beside my first photo"
    REPLACE = "replace", "Use it instead of my first photo"


class MailKind(Word):
    """The emails a resident who left an address receives about their report."""

    NEEDS_INFO = "needs_info", "We need more information"
    VERIFIED = "verified", "Verified: it is on the map"
    NOT_USED = "not_used", "Not used"


class MailStatus(Word):
    """Where an email to a resident stands (worked out from the outbox row)."""

    WAITING = "waiting", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Refused by the mail server"


class CameraStatus(Word):
    """Every status is public. Active and gone cameras are on the map and in the figures;
    merged and retracted records are in no figure, but their pages say what happened."""

    ACTIVE = "active", "Active"
    REMOVED = "removed", "Removed"
    REPLACED = "replaced", "Replaced by another brand"
    COVERED = "covered", "Covered"
    MERGED = "merged", "Merged into another camera"
    RETRACTED = "retracted", "Retracted: recorded in error"


GONE_STATUSES = (CameraStatus.REMOVED, CameraStatus.REPLACED, CameraStatus.COVERED)
# Records that are no camera of their own: a duplicate merged away, or one recorded in error.
WITHDRAWN_STATUSES = (CameraStatus.MERGED, CameraStatus.RETRACTED)
# What the public map can show: cameras there, and cameras gone.
MAPPED_STATUSES = (CameraStatus.ACTIVE, *GONE_STATUSES)


class CorrectionKind(Word):
    """How a camera record leaves every figure; an admin can undo either."""

    MERGE = "merge", "Merged into another camera"
    RETRACTION = "retraction", "Retracted"


class RemovalKind(Word):
    """What a removal report says happened; confirming it gives the camera that status."""

    REMOVED = "removed", "Removed: the camera is gone"
    REPLACED = "replaced", "Replaced by another brand"
    COVERED = "covered", "Covered or bagged"

    @property
    def camera_status(self) -> CameraStatus:
        return CameraStatus(self.value)


class RemovalStatus(Word):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class RedactionMode(Word):
    BLUR = "blur", "Blur"
    BLACK = "black", "Black box"


# ---------- photo files ----------


class PhotoFolder(Word):
    """Where each kind of photo file is stored; originals stay private whatever happens."""

    ORIGINALS = "originals"
    DISPLAY = "display"
    THUMBS = "thumbs"


class PhotoUrlMode(Word):
    """Who serves the public derivatives (PHOTO_URLS); originals are only ever served by
    the app, to moderators."""

    APP = "app"  # the app reads the file and sends it (any store)
    PRESIGNED = "presigned"  # a redirect to a short-lived signed URL (object storage)
    PUBLIC = "public"  # a redirect to PHOTO_PUBLIC_BASE_URL (a public bucket path or CDN)


class PhotoVariant(Word):
    """The public derivatives served at /photos/<id>/<variant>.jpg."""

    THUMB = "thumb"
    DISPLAY = "display"


class PublicPhotoKind(Word):
    SIGHTING = "sighting", "Reported"
    REMOVAL = "removal", "Removal report"


# ---------- figures ----------


class Count(Word):
    """The figures campaigners cite; evidence.counts says which cameras each one counts.

    `verified` is the headline; `council_operated` is part of it; `unconfirmed` is shown
    beside it and never added in."""

    VERIFIED = "verified", "Verified cameras"
    COUNCIL_OPERATED = "council_operated", "Council-operated"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    REMOVED = "removed", "Removed, replaced or covered"


# ---------- campaign records ----------


class MotionStatus(Word):
    NONE = "none", "No motion yet"
    TABLED = "tabled", "Motion tabled"
    PASSED = "passed", "Motion passed"
    AMENDED = "amended", "Passed as amended"
    REJECTED = "rejected", "Motion rejected"
    WITHDRAWN = "withdrawn", "Motion withdrawn"


class FoiFinding(Word):
    YES = "yes", "Yes: the council reported Hikvision equipment"
    NO = "no", "No: the council reported none"
    UNKNOWN = "unknown", "Unknown: no FOI answer on record"

    @property
    def short(self) -> str:
        """'Yes', 'No' or 'Unknown': for badges and tables."""
        return self.value.capitalize()


# ---------- accounts and the audit trail ----------


class Role(Word):
    """Admins can do everything moderators can."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class AuditObject(Word):
    SIGHTING = "sighting"
    CAMERA = "camera"
    REMOVAL_REPORT = "removal_report"
    PHOTO = "photo"
    USER = "user"
    BOROUGH_CAMPAIGN = "borough_campaign"
    BOROUGH = "borough"
    SNAPSHOT = "snapshot"


class AuditAction(Word):
    """What was done; the label names it in the audit trail's filter."""

    SIGHTING_CLAIM = "sighting.claim", "Report: taken to check"
    SIGHTING_RELEASE = "sighting.release", "Report: released"
    SIGHTING_APPROVE_NEW = "sighting.approve_new", "Report: approved as a new camera"
    SIGHTING_APPROVE_CONFIRM = "sighting.approve_confirm", "Report: approved as a known camera"
    SIGHTING_REJECT = "sighting.reject", "Report: rejected"
    SIGHTING_REQUEST_INFO = "sighting.request_info", "Report: more information asked for"
    SIGHTING_RESIDENT_REPLY = "sighting.resident_reply", "Report: the resident answered"
    CAMERA_CREATE = "camera.create", "Camera: created"
    CAMERA_CONFIRM = "camera.confirm", "Camera: seen again"
    CAMERA_EDIT = "camera.edit", "Camera: edited"
    CAMERA_STATUS = "camera.status", "Camera: status changed"
    CAMERA_REACTIVATE = "camera.reactivate", "Camera: made active again"
    CAMERA_MERGE = "camera.merge", "Camera: merged into another"
    CAMERA_UNMERGE = "camera.unmerge", "Camera: merge undone"
    CAMERA_RETRACT = "camera.retract", "Camera: retracted (recorded in error)"
    CAMERA_UNRETRACT = "camera.unretract", "Camera: retraction undone"
    REMOVAL_CLAIM = "removal.claim", "Removal report: taken to check"
    REMOVAL_RELEASE = "removal.release", "Removal report: released"
    REMOVAL_CONFIRM = "removal.confirm", "Removal report: confirmed"
    REMOVAL_REJECT = "removal.reject", "Removal report: rejected"
    PHOTO_REDACT = "photo.redact", "Photo: areas hidden"
    USER_CREATE = "user.create", "Account: created"
    USER_ENABLE = "user.enable", "Account: enabled"
    USER_DISABLE = "user.disable", "Account: disabled"
    USER_SET_ROLE = "user.set_role", "Account: role changed"
    LOGIN = "auth.login", "Login"
    LOGIN_FAILED = "auth.login_failed", "Login: failed"
    TWO_FACTOR_ENABLE = "user.two_factor_enable", "Account: two-factor set up"
    TWO_FACTOR_REQUIRE = "user.two_factor_require", "Account: two-factor required"
    TWO_FACTOR_RESET = "user.two_factor_reset", "Account: two-factor reset"
    RECOVERY_CODES_RENEW = "user.recovery_codes_renew", "Account: recovery codes renewed"
    CAMPAIGN_UPDATE = "campaign.update", "Campaign record: updated"
    BOROUGHS_REASSIGN_CAMERAS = "boroughs.reassign.cameras", "Council areas: cameras re-assigned"
    BOROUGHS_REASSIGN_REPORTS = "boroughs.reassign.reports", "Council areas: reports re-assigned"
    SNAPSHOT_TAKE = "snapshot.take", "Snapshot: taken"


# Claims are a third of all events: the audit trail hides them unless asked.
CLAIM_ACTIONS = frozenset(
    {
        AuditAction.SIGHTING_CLAIM,
        AuditAction.SIGHTING_RELEASE,
        AuditAction.REMOVAL_CLAIM,
        AuditAction.REMOVAL_RELEASE,
    }
)


# Handed to every template by one context processor (hikwatch.web.template_words).
TEMPLATE_WORDS: dict[str, object] = {
    word.__name__: word
    for word in (
        Brand,
        BrandEvidence,
        CameraType,
        Mount,
        OperatorType,
        LocationSource,
        SightingStatus,
        RejectReason,
        CameraStatus,
        CorrectionKind,
        RemovalKind,
        RemovalStatus,
        ReplyPhotoUse,
        MailKind,
        MailStatus,
        RedactionMode,
        PublicPhotoKind,
        Count,
        MotionStatus,
        FoiFinding,
        Role,
    )
} | {
    "COUNCIL_OPERATOR_TYPES": COUNCIL_OPERATOR_TYPES,
    "HIKVISION_GROUP": HIKVISION_GROUP,
    "MAPPED_STATUSES": MAPPED_STATUSES,
}
