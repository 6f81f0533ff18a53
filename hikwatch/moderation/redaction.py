"""Hiding faces, number plates and door numbers before a photo is published.

Moderators draw rectangles over the photo. They are stored on the Photo as fractions of
the upright image, and the display and thumbnail images are rebuilt from the private
original with photos.make_derivatives: redaction is never painted over an earlier
derivative, so removing a rectangle brings the area back and the original is never
touched. New files get new names and are written before the commit; the caller deletes
the old ones only after it, so a failure at any point leaves a consistent photo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from hikwatch import audit, photos
from hikwatch.errors import ModerationError
from hikwatch.storage import FileStore
from hikwatch.submissions import PhotoLimits
from hikwatch.vocab import AuditAction, AuditObject, PhotoFolder, RedactionMode
from models import Photo, User

MAX_RECTANGLES = 40


def parse_percent_rows(
    xs: Sequence[str],
    ys: Sequence[str],
    widths: Sequence[str],
    heights: Sequence[str],
    modes: Sequence[str],
) -> list[photos.Redaction]:
    """Rectangles from form rows of percentages (0-100); blank rows are skipped.

    Anything unreadable is refused with a message rather than guessed at: a rectangle
    silently dropped would publish the face it was meant to hide.
    """
    rows = list(zip(xs, ys, widths, heights, modes, strict=False))
    rectangles = []
    for number, (x, y, w, h, mode) in enumerate(rows, start=1):
        if not any(value.strip() for value in (x, y, w, h)):
            continue
        try:
            values = [float(value) for value in (x, y, w, h)]
        except ValueError:
            raise ModerationError(400, f"Rectangle {number}: enter four numbers.") from None
        if not all(math.isfinite(v) and 0 <= v <= 100 for v in values):
            raise ModerationError(400, f"Rectangle {number}: use percentages from 0 to 100.")
        left, top, width, height = (v / 100 for v in values)
        width, height = min(width, 1 - left), min(height, 1 - top)
        if width <= 0 or height <= 0:
            raise ModerationError(400, f"Rectangle {number}: width and height must be above 0.")
        if not RedactionMode.has(mode):
            raise ModerationError(400, f"Rectangle {number}: choose blur or black.")
        rectangles.append(
            photos.Redaction(
                x=round(left, 6),
                y=round(top, 6),
                w=round(width, 6),
                h=round(height, 6),
                mode=RedactionMode(mode),
            )
        )
    if len(rectangles) > MAX_RECTANGLES:
        raise ModerationError(400, f"Use at most {MAX_RECTANGLES} rectangles.")
    return rectangles


def stored_redactions(photo: Photo) -> list[photos.Redaction]:
    return [photos.Redaction(**item) for item in photo.redactions or []]


def percent_rows(photo: Photo) -> list[dict[str, Any]]:
    """The stored rectangles as percentages, for the form and the drawing overlay."""
    return [
        {
            "x": round(r.x * 100, 2),
            "y": round(r.y * 100, 2),
            "w": round(r.w * 100, 2),
            "h": round(r.h * 100, 2),
            "mode": r.mode,
        }
        for r in stored_redactions(photo)
    ]


def redact(
    photo: Photo,
    rectangles: list[photos.Redaction],
    user: User,
    store: FileStore,
    limits: PhotoLimits,
    written: list[str],
) -> list[str]:
    """Rebuild the photo's public images with these rectangles hidden (none: unhidden).

    Writes the new files (their paths appended to `written`, for clean-up on failure),
    stages the Photo change and its audit event, and returns the old derivative paths
    for the caller to delete after the commit. Returns [] when nothing changed.
    """
    if rectangles == stored_redactions(photo):
        return []
    original = store.read(photo.original_path)
    try:
        display_jpeg, thumb_jpeg = photos.make_derivatives(
            original,
            redactions=rectangles,
            display_px=limits.display_px,
            thumb_px=limits.thumb_px,
            # The original was accepted under the limits of its day; they may have shrunk.
            max_bytes=max(limits.max_bytes, len(original)),
            max_pixels=max(limits.max_pixels, photo.width * photo.height),
        )
    except photos.PhotoError as error:
        raise ModerationError(
            422, f"The original could not be processed: {error.message}"
        ) from None
    new_display = store.new_name(PhotoFolder.DISPLAY, "jpg")
    new_thumb = store.new_name(PhotoFolder.THUMBS, "jpg")
    for path, data in ((new_display, display_jpeg), (new_thumb, thumb_jpeg)):
        store.write(path, data)
        written.append(path)
    old_paths = [photo.display_path, photo.thumb_path]
    before = {"redactions": photo.redactions}
    # A new list, not an edit in place: the JSON column only notices reassignment.
    photo.redactions = [asdict(rectangle) for rectangle in rectangles] or None
    photo.display_path = new_display
    photo.thumb_path = new_thumb
    audit.record(
        user,
        AuditAction.PHOTO_REDACT,
        AuditObject.PHOTO,
        photo.id,
        before=before,
        after={"redactions": photo.redactions},
    )
    return old_paths
