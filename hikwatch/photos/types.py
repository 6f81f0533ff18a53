"""The values the pipeline hands back (ExifSummary, ProcessedPhoto) and takes (Redaction)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from hikwatch.vocab import RedactionMode


@dataclass(frozen=True)
class ExifSummary:
    """The few EXIF facts Hikwatch uses. Every field is None when absent or not trustworthy."""

    lat: float | None = None
    lon: float | None = None
    taken_at: datetime | None = None  # naive: cameras record local wall-clock time
    make: str | None = None
    model: str | None = None
    orientation: int | None = None

    @property
    def has_gps(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class ProcessedPhoto:
    format: str  # 'jpeg' | 'png' | 'webp' | 'heif'
    extension: str  # 'jpg' | 'png' | 'webp' | 'heic' (for storing the private original)
    width: int  # of the original, after orientation is applied
    height: int
    exif: ExifSummary
    display_jpeg: bytes = field(repr=False)
    thumb_jpeg: bytes = field(repr=False)
    phash: str  # 16 hex digits (64-bit imagehash.phash) of the upright image
    sha256: str  # of the original bytes, for spotting exact re-uploads


@dataclass(frozen=True)
class Redaction:
    """A rectangle to hide, as fractions (0..1) of the upright image; clamped to the image."""

    x: float
    y: float
    w: float
    h: float
    mode: RedactionMode = RedactionMode.BLUR

    def __post_init__(self) -> None:
        # Redactions come from moderators, not residents, so bad values are a programming
        # error: fail loudly rather than publish a photo with the face left visible.
        values = (self.x, self.y, self.w, self.h)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError(f"redaction coordinates must be finite numbers: {values!r}")
        if self.w < 0 or self.h < 0:
            raise ValueError(f"redaction width and height must not be negative: {values!r}")
        if not RedactionMode.has(self.mode):
            raise ValueError(f"redaction mode must be 'blur' or 'black', not {self.mode!r}")
