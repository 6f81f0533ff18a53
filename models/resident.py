"""Closing the loop with the resident: private reply keys, their replies, and the emails
waiting to be sent to them."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, utcnow


class ReplyKey(Model):
    """A private reply link's key, kept only as its SHA-256: the link itself is shown once
    (after submitting) or sent once (by email) and never stored. A report may have several:
    the one shown when it was sent and one per "we need more information" email."""

    __tablename__ = "reply_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sighting.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidentReply(Model):
    """The resident's answer to a moderator's question: words, a photo, a moved pin, or all."""

    __tablename__ = "resident_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sighting.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The question it answers, as the moderator asked it.
    question: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    # A new photo, and whether it replaced the report's photo or was added beside it
    # (hikwatch.vocab.ReplyPhotoUse). A replaced photo stays in the record, never public.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    photo_use: Mapped[str | None] = mapped_column(String(12))
    replaced_photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    # A moved pin: where it was and where the resident put it.
    moved_from_lat: Mapped[float | None] = mapped_column(Float)
    moved_from_lon: Mapped[float | None] = mapped_column(Float)
    moved_to_lat: Mapped[float | None] = mapped_column(Float)
    moved_to_lon: Mapped[float | None] = mapped_column(Float)


class OutboundMail(Model):
    """An email to a resident, stored with the decision that calls for it and sent after
    the commit (or by `flask mail send-pending`). Unsent messages are retried with
    backoff, so nothing is lost while the mail server is down. The recipient is read from
    the report when sending, so the address is kept in one place only."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    sighting_id: Mapped[int] = mapped_column(ForeignKey("sighting.id"), index=True)
    # What the message says beyond the report itself: the question, the camera, the reason.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The site's address for the links in the message (PUBLIC_URL, or the moderator's).
    site_url: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender holds the message while it talks to the server, so two never send it at once.
    sending_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Set when the server refused the address for good (a 5xx answer): never retried.
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
