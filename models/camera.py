from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hikwatch.vocab import CameraStatus
from models import Model, utcnow
from models.borough import Borough

if TYPE_CHECKING:
    from models.sighting import Sighting


class Camera(Model):
    """A physical camera that moderators have confirmed; counts are counts of these."""

    __tablename__ = "camera"
    __table_args__ = (
        # The map asks "active cameras in this box"; counts ask "per borough by status".
        Index("ix_camera_status_lat_lon", "status", "lat", "lon"),
        Index("ix_camera_borough_status", "borough_code", "status"),
        # Borough counts group by all five: the index alone answers them (migration 0004).
        Index(
            "ix_camera_counts",
            "borough_code",
            "status",
            "operator_type",
            "brand_verified",
            "brand",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    borough_code: Mapped[str] = mapped_column(ForeignKey("borough.code"))
    status: Mapped[str] = mapped_column(String(12), default=CameraStatus.ACTIVE)
    status_changed_on: Mapped[date | None]
    # The day a moderator recorded the current status (for a removal: the day it was
    # confirmed, the OpenStreetMap export's check_date).
    status_recorded_on: Mapped[date | None]
    # A merged camera points at the camera it was merged into; /cameras/<id> redirects there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("camera.id"))
    # Why a retracted camera was recorded in error, shown on its public page.
    retraction_reason: Mapped[str | None] = mapped_column(Text)

    brand: Mapped[str] = mapped_column(String(16))
    brand_evidence: Mapped[str] = mapped_column(String(16))
    # True only once a moderator has confirmed the brand from the evidence.
    brand_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    camera_type: Mapped[str] = mapped_column(String(16))
    mount: Mapped[str] = mapped_column(String(16))
    direction: Mapped[int | None] = mapped_column(Integer)
    operator_type: Mapped[str] = mapped_column(String(20))

    first_seen: Mapped[date]
    last_confirmed: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    borough: Mapped[Borough] = relationship()
    sightings: Mapped[list["Sighting"]] = relationship(
        back_populates="camera",
        order_by="Sighting.created_at",
        foreign_keys="Sighting.camera_id",
    )
