"""What moderators do: the audit trail, removal reports and camera status history."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hikwatch.vocab import RemovalStatus
from models import Model, utcnow
from models.photo import Photo
from models.user import User


class AuditEvent(Model):
    """One moderation or admin action. Append-only: the app never updates or deletes these."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    user: Mapped[User | None] = relationship()
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


class CameraStatusChange(Model):
    """A camera's status over time (active, gone, merged, retracted), shown publicly."""

    __tablename__ = "camera_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    changed_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removal_report_id: Mapped[int | None] = mapped_column(ForeignKey("removal_report.id"))
    note: Mapped[str | None] = mapped_column(Text)


class RemovalReport(Model):
    """Someone says a camera is gone, replaced or covered; a moderator confirms or rejects."""

    __tablename__ = "removal_report"
    __table_args__ = (
        Index("ix_removal_report_status_created", "status", "created_at"),
        # "Is this photo public?" looks removal reports up by photo (migration 0003).
        Index("ix_removal_report_photo_id", "photo_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    observed_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    photo: Mapped[Photo | None] = relationship()
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(12), default=RemovalStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A claim stops two moderators deciding the same report at once, as on camera reports.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_until: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)


class CameraCorrection(Model):
    """A camera record taken out of every figure: merged into another camera, or retracted.

    Keeps what the correction changed (the rows a merge moved, the status before) so an
    admin can undo it exactly; `undone_at` is set when one does. The audit trail has both.
    """

    __tablename__ = "camera_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    # A merge: the camera that kept the record, and its dates before the merge widened them.
    into_camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"), index=True)
    into_first_seen: Mapped[date | None]
    into_last_confirmed: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(Text)
    previous_status: Mapped[str] = mapped_column(String(12))
    previous_status_changed_on: Mapped[date | None]
    previous_status_recorded_on: Mapped[date | None]
    # Ids of the rows a merge moved from camera_id to into_camera_id.
    moved: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    undo_reason: Mapped[str | None] = mapped_column(Text)
