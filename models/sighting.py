from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hikwatch.vocab import SightingStatus
from models import Model, utcnow
from models.borough import Borough
from models.photo import Photo

if TYPE_CHECKING:
    from models.camera import Camera


class Sighting(Model):
    """One resident's report of a camera: a photo, where it is, and what they saw.

    Pending until a moderator decides; nothing here is public before then, and
    `contact_email` never is.
    """

    __tablename__ = "sighting"
    __table_args__ = (
        Index("ix_sighting_status_created", "status", "created_at"),
        # A camera's approved reports: its photos and confirmations (migration 0003).
        Index("ix_sighting_camera_status", "camera_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=SightingStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"), unique=True)
    photo: Mapped[Photo] = relationship()

    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    location_source: Mapped[str] = mapped_column(String(8))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    borough_code: Mapped[str] = mapped_column(ForeignKey("borough.code"), index=True)
    borough: Mapped[Borough] = relationship()

    brand: Mapped[str] = mapped_column(String(16))
    brand_evidence: Mapped[str] = mapped_column(String(16))
    camera_type: Mapped[str] = mapped_column(String(16))
    mount: Mapped[str] = mapped_column(String(16))
    direction: Mapped[int | None] = mapped_column(Integer)
    operator_type: Mapped[str] = mapped_column(String(20))
    seen_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(String(254))

    camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"), index=True)
    camera: Mapped["Camera | None"] = relationship(
        back_populates="sightings", foreign_keys=[camera_id]
    )
    # "It's still there": the known camera the resident photographed again. Approving such
    # a report confirms that camera; it never makes a new one.
    recheck_camera_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"))

    # Moderation. A claim stops two moderators deciding the same report at once.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_until: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(20))
    reject_note: Mapped[str | None] = mapped_column(Text)
    # "Needs more information": the open question, shown to the resident until they answer
    # it through their private reply link (models.resident.ResidentReply keeps the answer).
    info_request: Mapped[str | None] = mapped_column(Text)
    # When the resident last answered: the report goes back to the top of the queue.
    replied_at: Mapped[datetime | None]
