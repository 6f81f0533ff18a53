from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, utcnow


class Photo(Model):
    """One uploaded photo: the private original and its metadata-free derivatives.

    A photo exists from the moment it is uploaded, before the resident has
    finished the form; `token` is the unguessable id the browser holds until it
    submits. Photos never attached to a report are swept by `flask uploads sweep`.
    """

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Salted hash of the browser session that uploaded it, so only that session
    # may preview or submit it; never a raw address.
    owner_hash: Mapped[str] = mapped_column(String(64))
    # Salted hash of the client address while the upload is unsubmitted, so one client
    # cannot leave more than MAX_PENDING_UPLOADS behind; cleared when it becomes a report.
    client_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16), index=True)

    original_path: Mapped[str] = mapped_column(String(200))
    display_path: Mapped[str] = mapped_column(String(200))
    thumb_path: Mapped[str] = mapped_column(String(200))

    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_taken_at: Mapped[datetime | None]
    exif_make: Mapped[str | None] = mapped_column(String(80))
    exif_model: Mapped[str | None] = mapped_column(String(80))
    exif_orientation: Mapped[int | None] = mapped_column(Integer)

    # Rectangles a moderator blurred or blacked out: [{"x", "y", "w", "h", "mode"}],
    # fractions of the oriented image. The public derivatives are rebuilt from the original.
    redactions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    @property
    def file_paths(self) -> tuple[str, str, str]:
        return (self.original_path, self.display_path, self.thumb_path)
