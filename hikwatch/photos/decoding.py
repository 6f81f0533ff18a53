"""Decoding an upload: every check that refuses it, then a full decode of every pixel.

JPEG is decoded at the smallest DCT scale still at least the display size; HEIF is decoded
by libheif and shrunk to the display size straight from libheif's buffer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
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
from hikwatch.photos.exif import read_exif, read_exif_block
from hikwatch.photos.formats import FORMATS, heif_is_complete, sniff_format, webp_declared_pixels
from hikwatch.photos.resampling import finish_rows, shrink_rows_in_place
from hikwatch.photos.types import ExifSummary


@dataclass
class Decoded:
    """A fully decoded photo, not yet upright. JPEG: possibly at a reduced DCT scale; HEIF:
    already at the display size (and upright: libheif applies the container's rotation)."""

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
    if fmt == "heif":
        return _decode_heif(data, max_pixels=max_pixels, display_px=display_px)

    image = open_header(data, fmt, max_pixels=max_pixels)
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

    load_pixels(image)
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


def _decode_heif(data: bytes, *, max_pixels: int, display_px: int) -> Decoded:
    """HEIF through pillow-heif's own API rather than its Pillow plugin: libheif decodes into
    a buffer of its own, and shrink_rows_in_place reads that buffer in place, so the full-size
    picture is never copied into Pillow (the plugin's way costs a 48 MB copy for 12 MP)."""
    if not heif_is_complete(data):
        # libheif decodes a grid image whose tiles are missing without complaint (it fills
        # them with garbage), so a truncated HEIC has to be caught on the container.
        raise PhotoError(422, MSG_DAMAGED)
    heif = open_heif(data)  # the container only; nothing is decoded yet
    # libheif reports the size after its own rotation (irot) and crop (clap): upright.
    stored_size = heif.size
    if stored_size[0] * stored_size[1] > max_pixels:
        raise too_many_pixels(max_pixels)
    # libheif applies the container's rotation itself; as the Pillow plugin does, reset the
    # EXIF orientation so nothing downstream turns the picture a second time.
    pillow_heif.set_orientation(heif.info)
    exif = read_exif_block(heif.info.get("exif"))
    icc = heif.info.get("icc_profile")
    mode, target = heif.mode, fit(stored_size, display_px)
    try:
        # Bursts, depth maps and other items are ignored: only the primary image is decoded.
        pixels, stride = heif.data, heif.stride
    except MemoryError:
        raise
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None
    if mode in ("RGB", "L") and target != stored_size:
        rows = shrink_rows_in_place(pixels, mode, stored_size, stride, target[1])
        # Drop libheif's buffer (36 MB for 12 MP) before the shortened rows are unpacked.
        del pixels, heif
        image = finish_rows(rows, mode, target)
    else:  # small, alpha, or more than 8 bits (convert_hdr_to_8bit covers colour)
        image = Image.frombytes(mode, stored_size, pixels, "raw", mode, stride)
    return Decoded(
        format="heif",
        image=image,
        source_box=(0.0, 0.0, float(image.width), float(image.height)),
        stored_size=stored_size,
        exif=exif,
        icc_profile=bytes(icc) if icc else None,
    )


def open_heif(data: bytes) -> pillow_heif.HeifFile:
    """Parse a HEIF container with the options the Pillow plugin uses; 422 if it is bad."""
    try:
        heif = pillow_heif.open_heif(
            io.BytesIO(data), convert_hdr_to_8bit=True, hdr_to_16bit=True, remove_stride=False
        )
        _ = heif.mode  # IndexError when the file holds no image at all
    except MemoryError:
        raise
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None
    return heif


def open_header(data: bytes, fmt: str, *, max_pixels: int) -> Image.Image:
    """Open ``data`` with the one Pillow plugin for ``fmt``; this reads the header only."""
    try:
        # formats= pins Pillow to the plugin the content claims, so a file can never be
        # routed to some other decoder (Pillow ships many we do not want to expose).
        return Image.open(io.BytesIO(data), formats=[FORMATS[fmt][0]])
    except Image.DecompressionBombError:
        # Pillow's own guard (about 179 MP) fired while reading the header: also "too big".
        raise too_many_pixels(max_pixels) from None
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None


def load_pixels(image: Image.Image) -> None:
    """Decode every pixel (at the draft scale, if one was set), or refuse the file."""
    try:
        # A full decode, so a truncated or corrupt file fails now, at upload, not later.
        # (ImageFile.LOAD_TRUNCATED_IMAGES stays False: a half-grey photo is not accepted.)
        # libjpeg still reads every entropy-coded byte at a reduced scale, so truncation is
        # detected with draft() too. HEIF: libheif decodes into its own buffer, which
        # pillow-heif hands to Pillow as a memoryview; Pillow's one copy unpacks it into
        # its own pixel layout (it keeps RGB as 4 bytes a pixel).
        image.load()
    except MemoryError:
        raise
    except Exception:
        raise PhotoError(422, MSG_DAMAGED) from None


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
