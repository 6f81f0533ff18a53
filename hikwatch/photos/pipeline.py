"""The public entry points: process an upload, rebuild derivatives, check a JPEG is clean."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import imagehash

from hikwatch.photos.concurrency import concurrently
from hikwatch.photos.decoding import decode
from hikwatch.photos.formats import FORMATS
from hikwatch.photos.rendering import render
from hikwatch.photos.types import ProcessedPhoto, Redaction

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000
DEFAULT_DISPLAY_PX = 1600
DEFAULT_THUMB_PX = 400


def process_photo(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    display_px: int = DEFAULT_DISPLAY_PX,
    thumb_px: int = DEFAULT_THUMB_PX,
) -> ProcessedPhoto:
    """Validate an upload and make its public display and thumbnail JPEGs.

    Raises PhotoError: 413 over ``max_bytes`` or ``max_pixels``; 415 not JPEG, PNG, WebP or
    HEIC/HEIF by content; 422 empty, undecodable (truncated, corrupt) or animated.
    """
    # The hash needs only the bytes, so it is worked out on the other core while the
    # photo decodes (hashlib releases the GIL); a refused upload just discards it.
    sha256, decoded = concurrently(
        lambda: sha256_hex(data),
        lambda: decode(data, max_bytes=max_bytes, max_pixels=max_pixels, display_px=display_px),
    )
    display_jpeg, thumb, thumb_jpeg = render(
        decoded, redactions=(), display_px=display_px, thumb_px=thumb_px
    )
    width, height = decoded.stored_size
    if decoded.format != "heif" and (decoded.exif.orientation or 1) >= 5:
        width, height = height, width  # orientations 5-8 turn the picture on its side
    fmt = decoded.format
    return ProcessedPhoto(
        format=fmt,
        extension=FORMATS[fmt][1],
        width=width,
        height=height,
        exif=decoded.exif,
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
        # From the thumbnail: phash shrinks to 32x32 anyway, and the thumbnail is upright
        # and already in memory, so this costs well under a millisecond.
        phash=str(imagehash.phash(thumb)),
        sha256=sha256,
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_derivatives(
    original: bytes,
    *,
    redactions: Sequence[Redaction] = (),
    display_px: int = DEFAULT_DISPLAY_PX,
    thumb_px: int = DEFAULT_THUMB_PX,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[bytes, bytes]:
    """(display JPEG, thumbnail JPEG) from the private original, with redactions applied.

    Used when a moderator redacts a photo: the public files are rebuilt from the original,
    never edited in place, and the original bytes are left as they are. Raises PhotoError
    like process_photo (pass the same limits if the app changed them).
    """
    decoded = decode(original, max_bytes=max_bytes, max_pixels=max_pixels, display_px=display_px)
    display_jpeg, _, thumb_jpeg = render(
        decoded, redactions=redactions, display_px=display_px, thumb_px=thumb_px
    )
    return display_jpeg, thumb_jpeg


def metadata_free(jpeg_bytes: bytes) -> bool:
    """True if this is a well-formed JPEG with no metadata: no APP1 (EXIF, XMP), no APP2
    (ICC), no other APPn besides APP0/JFIF, no COM, and nothing after EOI.

    Walks every marker, including those between the scans of a progressive JPEG.
    """
    data = jpeg_bytes
    if data[:2] != b"\xff\xd8":
        return False
    pos = 2
    end = len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return False
        while pos < end and data[pos] == 0xFF:  # fill bytes may pad a marker
            pos += 1
        if pos >= end:
            return False
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: anything after it is smuggled data
            return pos == end
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn / TEM: no length
            continue
        if pos + 2 > end:
            return False
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            return False
        if marker == 0xFE or (0xE1 <= marker <= 0xEF):
            return False
        if marker == 0xE0 and data[pos + 2 : pos + 7] != b"JFIF\x00":
            return False  # APP0 may only be the JFIF header (JFXX could hold a thumbnail)
        pos += length
        if marker == 0xDA:  # SOS: skip entropy-coded data up to the next real marker
            while pos < end:
                if data[pos] == 0xFF and pos + 1 < end:
                    following = data[pos + 1]
                    if following == 0x00 or 0xD0 <= following <= 0xD7:
                        pos += 2  # stuffed 0xFF or a restart marker: still scan data
                        continue
                    if following == 0xFF:
                        pos += 1
                        continue
                    break
                pos += 1
    return False
