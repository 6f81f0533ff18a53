"""The resident's side of "needs more information": a private reply link and the answer.

A report's public reference only shows its status. Answering needs a private key: 128
random bits, shown once after submitting (and sent in each "we need more information"
email), and stored only as its SHA-256, so neither the database nor the reference gives
it away. A report may have several keys; any of them opens its reply page.

Through it the resident answers the open question with words, a new photo (in place of
their first one, or beside it) or a moved pin (its council area worked out again). The
answer is kept, the question closes, and the report goes back to the top of the queue
marked "resident replied". Like decisions, these functions stage changes with an audit
event and leave the commit to the caller.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from hikwatch import audit
from hikwatch.errors import SubmissionError
from hikwatch.geo import BoroughIndex
from hikwatch.vocab import AuditAction, ReplyPhotoUse, SightingStatus
from models import Photo, ReplyKey, ResidentReply, Sighting, db, utcnow

KEY_BYTES = 16  # 128 bits
# token_urlsafe(16) is 22 characters; anything much longer is not a key of ours.
KEY_MAX_CHARS = 64
# What a reply can change on the report, for the audit trail.
REPLY_AUDIT_FIELDS = ("info_request", "replied_at", "photo_id", "lat", "lon", "borough_code")
# Less than this (in degrees, about 10 cm) is the same pin written back, not a move.
SAME_PLACE_DEGREES = 1e-6
MESSAGE_MAX_CHARS = 2000


def key_hash(key: str) -> str:
    """The stored form of a key. Keys are random, so a plain SHA-256 is enough (no salt
    or slow hash is needed against guessing 128 bits) and survives a new SECRET_KEY."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(sighting: Sighting) -> str:
    """A new private key for this report; only its hash is staged. Show or send it once."""
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(ReplyKey(sighting_id=sighting.id, key_hash=key_hash(key)))
    return key


def sighting_for_key(key: str | None) -> Sighting | None:
    """The report this key opens, or None."""
    if not key or len(key) > KEY_MAX_CHARS:
        return None
    return db.session.execute(
        db.select(Sighting)
        .join(ReplyKey, ReplyKey.sighting_id == Sighting.id)
        .where(ReplyKey.key_hash == key_hash(key))
    ).scalar_one_or_none()


def awaiting_reply(sighting: Sighting) -> bool:
    """A moderator's question is open: the report is pending and nobody has answered yet."""
    return sighting.status == SightingStatus.PENDING and bool(sighting.info_request)


@dataclass(frozen=True)
class Answer:
    """What the resident sent (already parsed); any part may be missing, not all of them."""

    message: str | None = None
    photo: Photo | None = None
    photo_use: ReplyPhotoUse = ReplyPhotoUse.EXTRA
    lat: float | None = None
    lon: float | None = None


def moved(sighting: Sighting, answer: Answer) -> bool:
    if answer.lat is None or answer.lon is None:
        return False
    return (
        abs(answer.lat - sighting.lat) > SAME_PLACE_DEGREES
        or abs(answer.lon - sighting.lon) > SAME_PLACE_DEGREES
    )


def check_answer(sighting: Sighting, answer: Answer, index: BoroughIndex) -> str | None:
    """Refuse an answer that cannot be taken, before any file is written; return the new
    council area's code when the pin moved."""
    if not awaiting_reply(sighting):
        raise SubmissionError(
            409, "There is no question waiting for an answer on this report any more."
        )
    message = (answer.message or "").strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise SubmissionError(
            400, f"Keep your answer under {MESSAGE_MAX_CHARS} characters.", "message"
        )
    pin_moved = moved(sighting, answer)
    if not message and answer.photo is None and not pin_moved:
        raise SubmissionError(400, "Write an answer, add a photo or move the pin.", "message")
    if not pin_moved:
        return None
    assert answer.lat is not None and answer.lon is not None  # moved() checked both
    borough = index.locate(answer.lon, answer.lat)
    if borough is None:
        raise SubmissionError(
            422,
            "That location is outside the 33 London council areas. Hikwatch covers "
            "Greater London only: put the pin on the camera.",
            "lat",
        )
    return borough.code


def record_answer(sighting: Sighting, answer: Answer, index: BoroughIndex) -> ResidentReply:
    """Keep the answer, close the question and send the report back to the top of the
    queue (the caller commits, together with any photo's files)."""
    borough_code = check_answer(sighting, answer, index)
    with audit.recording(
        None,
        AuditAction.SIGHTING_RESIDENT_REPLY,
        sighting,
        REPLY_AUDIT_FIELDS,
        reason="Answered through the private reply link",
        only_changes=True,
    ):
        reply = ResidentReply(
            sighting_id=sighting.id,
            question=sighting.info_request,
            message=(answer.message or "").strip() or None,
        )
        if answer.photo is not None:
            db.session.flush()  # the new photo's id
            reply.photo_id = answer.photo.id
            reply.photo_use = answer.photo_use
            if answer.photo_use is ReplyPhotoUse.REPLACE:
                reply.replaced_photo_id = sighting.photo_id
                sighting.photo_id = answer.photo.id
        if borough_code is not None:
            assert answer.lat is not None and answer.lon is not None
            reply.moved_from_lat, reply.moved_from_lon = sighting.lat, sighting.lon
            reply.moved_to_lat, reply.moved_to_lon = answer.lat, answer.lon
            sighting.lat, sighting.lon = answer.lat, answer.lon
            sighting.borough_code = borough_code
        sighting.info_request = None
        sighting.replied_at = utcnow()
        db.session.add(reply)
    return reply


def replies_to(sighting_id: int) -> list[ResidentReply]:
    return list(
        db.session.execute(
            db.select(ResidentReply)
            .filter_by(sighting_id=sighting_id)
            .order_by(ResidentReply.created_at, ResidentReply.id)
        ).scalars()
    )


def queue_order() -> list[ColumnElement[int] | QueryableAttribute[Any]]:
    """Pending reports in the order moderators should take them: answers from residents
    first (oldest answer first), then new reports oldest first, then those still waiting
    for the resident to answer."""
    group = case(
        (Sighting.replied_at.is_not(None), 0),
        (Sighting.info_request.is_(None), 1),
        else_=2,
    )
    return [group, Sighting.replied_at, Sighting.created_at, Sighting.id]
