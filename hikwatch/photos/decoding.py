"""Decoding an upload: every check that refuses it, then a full (JPEG: DCT-scaled) decode."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from hikwatch.photos.errors import (
    MSG_ANIMATED,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_UNSUPPORTED,
    PhotoError,
    too_many_bytes,
    too_many_pixels,
    too_much_memory,
)
from hikwatch.photos.exif import read_exif
from hikwatch.photos.formats import FORMATS, heif_is_complete, sniff_format, webp_declared_pixels
from hikwatch.photos.types import ExifSummary


@dataclass
class Decoded:
    """A fully decoded photo, possibly at a reduced JPEG DCT scale, not yet upright."""

    format: str
    image: Image.Image
    source_box: tuple[float, float, float, float]  # whole frame, in `image` pixel units
    stored_size: tuple[int, int]  # the file's own pixel size (before scaling and orientation)
    exif: ExifSummary
    icc_profile: bytes | None


def decode(data: bytes, *, max_bytes: int, max_pixels: int, display_px: int) -> Decoded:
    """Validate ``data`` and decode it, raising PhotoError for anything we will not take."""
    if not data:
        raise PhotoError(422, MSG_EMPTY)
    if len(data) > max_bytes:
        raise too_many_bytes(max_bytes)
    fmt = sniff_format(data)
    if fmt is None:
        raise PhotoError(415, MSG_UNSUPPORTED)
    if fmt == "webp":
        declared = webp_declared_pixels(data)
        if declared is not None and declared > max_pixels:
            raise too_many_pixels(max_pixels)
    if fmt == "heif" and not heif_is_complete(data):
        # libheif decodes a grid image whose tiles are missing without complaint (it fills
        # them with garbage), so a truncated HEIC has to be caught on the container.
        raise PhotoError(422, MSG_DAMAGED)

    try:
        # formats= pins Pillow to the plugin the content claims, so a file can never be
        # routed to some other decoder (Pillow ships many we do not want to expose).
        image = Image.open(io.BytesIO(data), formats=[FORMATS[fmt][0]])
    except Image.DecompressionBombError:
        # Pillow's own guard (about 179 MP) fired while reading the header: also "too big".
        raise too_many_pixels(max_pixels) from None
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None

    # Image.open() has only read the header, so this refuses a bomb (say a 30000x30000
    # 1-bit PNG, a few hundred KB on disk) before a single pixel buffer is allocated.
    stored_size = image.size
    if stored_size[0] * stored_size[1] > max_pixels:
        raise too_many_pixels(max_pixels)
    if fmt in ("png", "webp") and getattr(image, "n_frames", 1) > 1:
        raise PhotoError(422, MSG_ANIMATED)
    # HEIF: pillow-heif opens the primary image; any others (bursts, depth maps) are ignored.
    # JPEG: an MPO's extra frames (phone depth/preview images) are ignored the same way.

    source_box = (0.0, 0.0, float(stored_size[0]), float(stored_size[1]))
    if fmt == "jpeg":
        # The big win: libjpeg can run its IDCT at 1/2, 1/4 or 1/8 scale, so a 12 MP photo
        # destined for a 1600 px display is decoded at 2016x1512, a quarter of the work.
        # draft() picks the smallest scale that is still at least the display size.
        drafted = image.draft("RGB", fit(stored_size, display_px))
        if drafted is not None:
            source_box = drafted[1]

    try:
        # A full decode, so a truncated or corrupt file fails now, at upload, not later.
        # (ImageFile.LOAD_TRUNCATED_IMAGES stays False: a half-grey photo is not accepted.)
        # libjpeg still reads every entropy-coded byte at a reduced scale, so truncation is
        # detected with draft() too.
        image.load()
    except MemoryError:
        raise
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None

    icc = image.info.get("icc_profile")
    return Decoded(
        format=fmt,
        image=image,
        source_box=source_box,
        stored_size=stored_size,
        # After load(): PNG may keep its eXIf chunk after the image data.
        exif=read_exif(image),
        icc_profile=bytes(icc) if icc else None,
    )


def fit(size: tuple[int, int], limit: int) -> tuple[int, int]:
    """Size with the long side at most ``limit``, same aspect ratio, never upscaled."""
    width, height = size
    longest = max(width, height)
    if longest <= limit:
        return width, height
    scale = limit / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


DEFAULT_DECODE_BUDGET_BYTES = 256 * 1024 * 1024


def check_decode_budget(data: bytes, budget: int = DEFAULT_DECODE_BUDGET_BYTES) -> None:
    """Refuse, from the header alone, a photo whose pixels would take more than `budget`
    bytes once decoded (width x height x bands): a 10000 x 10000 RGBA PNG is only a few
    hundred KB on disk but 400 MB in memory. Files the header cannot be read from are left
    for decode() to refuse with its own message."""
    fmt = sniff_format(data)
    if fmt is None:
        return
    try:
        with Image.open(io.BytesIO(data), formats=[FORMATS[fmt][0]]) as image:
            width, height = image.size
            bands = len(image.getbands())
    except Exception:
        return
    if width * height * bands > budget:
        raise too_much_memory(width, height, bands, budget)
