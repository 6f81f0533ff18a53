"""Photo intake for Hikwatch: check an uploaded photo, read its EXIF, make public derivatives.

Residents upload straight from their phones, so every byte here is untrusted. The module
decides what a file is from its content alone, refuses decompression bombs before any pixel
is decoded, decodes the whole image so damaged files are caught at upload time rather than
when a moderator opens them, and only ever publishes freshly encoded JPEGs that carry no
metadata at all (a phone photo's EXIF holds the resident's exact location and device).

It deliberately knows nothing about Flask: the web layer turns :class:`PhotoError` into an
HTTP response using ``.status`` and ``.message``.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

import imagehash
import pillow_heif
import scipy.fftpack  # noqa: F401  (see below)
from PIL import ExifTags, Image, ImageCms, ImageFilter

# imagehash.phash imports scipy.fftpack on its first call, which takes ~0.4 s; importing it
# here moves that to worker start-up instead of the first resident's upload.

# Pillow only learns to open HEIC/HEIF (what iPhones and many Android phones save) once
# pillow-heif has registered its plugin; doing it at import means every caller gets it.
pillow_heif.register_heif_opener()

__all__ = [
    "ExifSummary",
    "PhotoError",
    "ProcessedPhoto",
    "Redaction",
    "make_derivatives",
    "metadata_free",
    "process_photo",
    "read_exif",
    "sniff_format",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000
DEFAULT_DISPLAY_PX = 1600
DEFAULT_THUMB_PX = 400

# Output settings for every public JPEG. Quality 85 is visually clean for photos at a
# fraction of the size; progressive + optimized Huffman tables make them smaller and let
# a slow phone connection show something early.
_JPEG_SAVE_OPTIONS: dict[str, Any] = {
    "quality": 85,
    "optimize": True,
    "progressive": True,
    "subsampling": "4:2:0",
}

# Longest make/model string we keep. Real ones are well under this; the cap stops a crafted
# file from pushing kilobytes of text into the database and the moderation page.
_MAX_TEXT = 100

# Resampling for both derivatives, as Pillow's own Image.thumbnail() does it: when the shrink
# is large, box-reduce by an integer factor first (cheap, and exact averaging), then finish
# with bicubic over the last factor of at most ~2. After a JPEG's DCT-scaled decode only
# that last step remains; bicubic there is ~40% cheaper than Lanczos and looks the same at
# these sizes (see bench/bench_photos.py for PSNR against a full-resolution Lanczos).
_RESAMPLE = Image.Resampling.BICUBIC
_REDUCING_GAP = 2.0

# sniff_format() name -> (Pillow plugin name, file extension to store under).
_FORMATS: dict[str, tuple[str, str]] = {
    "jpeg": ("JPEG", "jpg"),
    "png": ("PNG", "png"),
    "webp": ("WEBP", "webp"),
    "heif": ("HEIF", "heic"),
}

# ISO-BMFF brands. HEVC-coded HEIF brands are what phones write; the generic image brands
# are accepted unless the file is really AVIF, which we do not take (not in the brief, and
# pillow-heif does not promise to decode it).
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# EXIF tag numbers we read (named here so the code below reads as what it means).
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4

# EXIF orientation -> the transpose that shows the picture upright; the same table as
# PIL.ImageOps.exif_transpose, applied by hand so it can run on the already-shrunk image.
_ORIENTATION_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


# --------------------------------------------------------------------------- errors


class PhotoError(Exception):
    """An upload we refuse; ``status`` is the HTTP code, ``message`` is shown to the resident."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __repr__(self) -> str:
        return f"PhotoError({self.status}, {self.message!r})"


_MSG_EMPTY = "The file is empty. Please choose a photo and try again."
_MSG_UNSUPPORTED = "This file is not a photo we can read (JPEG, PNG, WebP or HEIC)."
_MSG_DAMAGED = (
    "This photo appears to be damaged or incomplete, so we could not read it. "
    "Please try uploading it again."
)
_MSG_ANIMATED = "Animated images are not accepted. Please upload a single still photo."


def _too_many_bytes(max_bytes: int) -> PhotoError:
    return PhotoError(
        413, f"This file is too large. Photos must be {max_bytes / (1024 * 1024):g} MB or smaller."
    )


def _too_many_pixels(max_pixels: int) -> PhotoError:
    return PhotoError(
        413,
        "This photo has too many pixels for us to process. "
        f"Photos must be {max_pixels / 1_000_000:g} megapixels or smaller.",
    )


# --------------------------------------------------------------------------- data types


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
    mode: Literal["blur", "black"] = "blur"

    def __post_init__(self) -> None:
        # Redactions come from moderators, not residents, so bad values are a programming
        # error: fail loudly rather than publish a photo with the face left visible.
        values = (self.x, self.y, self.w, self.h)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise ValueError(f"redaction coordinates must be finite numbers: {values!r}")
        if self.w < 0 or self.h < 0:
            raise ValueError(f"redaction width and height must not be negative: {values!r}")
        if self.mode not in ("blur", "black"):
            raise ValueError(f"redaction mode must be 'blur' or 'black', not {self.mode!r}")


# --------------------------------------------------------------------------- sniffing


def sniff_format(data: bytes) -> str | None:
    """Name the accepted format ('jpeg', 'png', 'webp', 'heif') from magic bytes, else None.

    Only the content counts: a file name or a browser's MIME type is whatever the sender
    wants it to be.
    """
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_SIGNATURE:
        return "png"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if _is_heif(data):
        return "heif"
    return None


def _is_heif(data: bytes) -> bool:
    # An ISO-BMFF file starts with an 'ftyp' box: size, 'ftyp', major brand, minor version,
    # then compatible brands, four bytes each.
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data) or size > 4096 or (size - 16) % 4:
        return False
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, size, 4)}
    if brands & _HEIC_BRANDS:
        return True
    return bool(brands & _GENERIC_HEIF_BRANDS) and not brands & _AVIF_BRANDS


def _webp_declared_pixels(data: bytes) -> int | None:
    """Canvas size from a WebP header, or None if it cannot be read.

    Pillow's WebP plugin creates libwebp's decoder, which allocates the whole canvas, inside
    Image.open(); so for WebP the pixel limit has to be checked on the raw header first.
    """
    chunk = data[12:16]
    try:
        if chunk == b"VP8X" and len(data) >= 30:
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
        elif chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
            width = int.from_bytes(data[26:28], "little") & 0x3FFF
            height = int.from_bytes(data[28:30], "little") & 0x3FFF
        elif chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
            bits = int.from_bytes(data[21:25], "little")
            width = (bits & 0x3FFF) + 1
            height = ((bits >> 14) & 0x3FFF) + 1
        else:
            return None
    except IndexError:
        return None
    return width * height


def _heif_is_complete(data: bytes) -> bool:
    """True if every top-level box, and every byte range the 'iloc' box says an item
    (image, tile, EXIF) occupies, lies inside ``data``."""
    try:
        meta = None
        for kind, start, end in _boxes(data, 0, len(data)):
            if kind == b"meta" and meta is None:
                meta = (start + 4, end)  # a FullBox: skip version and flags
        if meta is None:
            return False
        for kind, start, end in _boxes(data, *meta):
            if kind == b"iloc":
                return _iloc_extents_fit(data, start, end)
        return False
    except (ValueError, IndexError):
        return False


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """ISO-BMFF boxes in data[start:end] as (type, payload start, end); ValueError if one
    runs past the end, which is what a truncated file looks like."""
    boxes = []
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise ValueError("truncated box header")
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        header = 8
        if size == 1:  # 64-bit size follows
            if pos + 16 > end:
                raise ValueError("truncated box header")
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:  # "extends to the end of the file"
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError("box runs past the end of the data")
        boxes.append((kind, pos + header, pos + size))
        pos += size
    return boxes


def _iloc_extents_fit(data: bytes, start: int, end: int) -> bool:
    pos = start

    def read(size: int) -> int:
        nonlocal pos
        if size not in (0, 2, 4, 8) or pos + size > end:
            raise ValueError("malformed iloc")
        value = int.from_bytes(data[pos : pos + size], "big")
        pos += size
        return value

    version = read(4) >> 24  # version (8 bits) + flags (24 bits)
    if version > 2:
        raise ValueError("unknown iloc version")
    sizes = read(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_offset_size = (sizes >> 4) & 0xF
    index_size = sizes & 0xF if version in (1, 2) else 0
    for _ in range(read(2 if version < 2 else 4)):
        read(2 if version < 2 else 4)  # item_ID
        construction_method = read(2) & 0xF if version in (1, 2) else 0
        read(2)  # data_reference_index
        base_offset = read(base_offset_size)
        for _ in range(read(2)):
            read(index_size)
            extent_end = base_offset + read(offset_size) + read(length_size)
            # Method 0 is "bytes of this file"; 1 (inside the meta box's idat) and 2 (other
            # items) are covered by the box walk and by the extents of those items.
            if construction_method == 0 and extent_end > len(data):
                return False
    return True


# --------------------------------------------------------------------------- EXIF


def read_exif(image: Image.Image) -> ExifSummary:
    """Summarise an opened image's EXIF. Never raises: odd or hostile EXIF just reads as None.

    GPS comes only from the EXIF GPS IFD. Some editors put coordinates only in XMP (see
    tests/resources/adobe_coords.jpg); we do not read those: it would mean parsing
    attacker-supplied XML for a value that, when it exists only there, was usually typed in
    on a desktop rather than fixed by the phone. Such photos simply have no location.
    """
    try:
        exif = image.getexif()
    except Exception:  # corrupt EXIF: the photo is still usable, just without metadata
        return ExifSummary()

    make = _guarded(lambda: _read_text(exif, _TAG_MAKE))
    model = _guarded(lambda: _read_text(exif, _TAG_MODEL))
    orientation = _guarded(lambda: _clean_orientation(exif.get(_TAG_ORIENTATION)))
    taken_at = _guarded(lambda: _read_taken_at(exif))
    lat_lon = _guarded(lambda: _gps_from_ifd(exif.get_ifd(ExifTags.IFD.GPSInfo)))
    lat, lon = lat_lon if lat_lon is not None else (None, None)
    return ExifSummary(
        lat=lat, lon=lon, taken_at=taken_at, make=make, model=model, orientation=orientation
    )


_T = TypeVar("_T")


def _guarded(read: Callable[[], _T]) -> _T | None:
    # Each field is read on its own so that one corrupt tag (a GPS IFD pointing at itself,
    # a rational with a zero denominator on an older Pillow, ...) loses only that field.
    try:
        return read()
    except Exception:
        return None


def _read_text(exif: Image.Exif, tag: int) -> str | None:
    # Make and Model belong in IFD0, but some phones (the HTC in geodegrees_as_string.jpg)
    # leave IFD0's copy empty and write them into the Exif sub-IFD; exiftool reads them there
    # too, so fall back to it.
    value = _clean_text(exif.get(tag))
    if value is None:
        value = _clean_text(exif.get_ifd(ExifTags.IFD.Exif).get(tag))
    return value


def _clean_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    # EXIF strings are NUL-terminated and often NUL- or space-padded; what follows a NUL is
    # padding or garbage. Control characters have no place in a make or model.
    value = value.split("\x00", 1)[0]
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    return value[:_MAX_TEXT].strip() or None


def _clean_orientation(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return None


_EXIF_DATETIME = re.compile(r"(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def _read_taken_at(exif: Image.Exif) -> datetime | None:
    # DateTimeOriginal is when the shutter fired; DateTime is when the file was last
    # written (by the camera, or by an editor), so it is only a fallback.
    candidates = [
        _guarded(lambda: exif.get_ifd(ExifTags.IFD.Exif).get(_TAG_DATETIME_ORIGINAL)),
        exif.get(_TAG_DATETIME),
    ]
    for raw in candidates:
        text = _clean_text(raw)
        match = _EXIF_DATETIME.match(text) if text else None
        if match:
            try:
                return datetime(*(int(part) for part in match.groups()))
            except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
                continue
    return None


def _gps_from_ifd(gps: Mapping[int, Any]) -> tuple[float | None, float | None]:
    lat = _coordinate(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "N", "S", 90.0)
    lon = _coordinate(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "E", "W", 180.0)
    if lat is None or lon is None:
        return None, None
    # Exactly (0, 0) is what a phone writes when it had no fix; no camera in London is there.
    # A single zero component is fine (Greenwich: with-location-zero-coordinate.jpg).
    if lat == 0.0 and lon == 0.0:
        return None, None
    return lat, lon


def _coordinate(
    value: object, ref: object, positive: str, negative: str, limit: float
) -> float | None:
    degrees = _to_degrees(value)
    if degrees is None:
        return None
    letter = _clean_text(ref)
    letter = letter[:1].upper() if letter else None
    if letter == positive:
        signed = abs(degrees)
    elif letter == negative:
        signed = -abs(degrees)
    elif degrees < 0:  # no usable ref, but a signed (SRATIONAL) value carries its own sign
        signed = degrees
    elif degrees == 0:  # zero needs no hemisphere
        signed = 0.0
    else:  # no ref and a positive value: could be either hemisphere, so we do not guess
        return None
    if not math.isfinite(signed) or abs(signed) > limit:
        return None
    return signed


def _to_degrees(value: object) -> float | None:
    """Degrees from EXIF degrees/minutes/seconds (rationals, numbers or text); None if bad."""
    if isinstance(value, str):  # an ASCII-typed tag; bytes (UNDEFINED) are not text
        parts = _dms_from_text(_clean_text(value) or "")
    elif isinstance(value, (tuple, list)):
        parts = [_finite(part) for part in value]
    else:
        parts = [_finite(value)]
    if not 1 <= len(parts) <= 3 or any(part is None for part in parts):
        return None
    numbers = [p for p in parts if p is not None]  # (for the type checker; all are set)
    # Minutes and seconds are magnitudes; only the degrees may carry a (non-standard) sign.
    if any(part < 0 for part in numbers[1:]):
        return None
    weights = (1.0, 60.0, 3600.0)
    magnitude = sum(abs(part) / weights[i] for i, part in enumerate(numbers))
    return -magnitude if numbers[0] < 0 else magnitude


def _finite(value: object) -> float | None:
    # Pillow 13 turns a 0/0 rational into NaN; older Pillow raises ZeroDivisionError.
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


_DECIMAL_COMMA_DMS = re.compile(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)")
_TEXT_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _dms_from_text(text: str) -> list[float | None]:
    """Degrees/minutes/seconds written as text instead of rationals (some HTC phones).

    geodegrees_as_string.jpg has GPSLatitude '52,00000,50,00000,34,01180'. It could be
    read as three decimal-comma numbers (52° 50' 34.0118"), but exiftool, the reference
    reader, and other EXIF libraries take the first three comma-separated fields as
    degrees, minutes and seconds (52° 0' 50"). We follow the reference so every reader
    agrees; a resident can always drag the pin, and moderators check every location.
    """
    match = _DECIMAL_COMMA_DMS.fullmatch(text)
    if match:
        return [float(group) for group in match.groups()[:3]]
    tokens = [token for token in re.split(r"[\s,;°'\"]+", text) if token]
    if "," in text and "." not in text and len(tokens) != 3:
        return []  # e.g. '51,5': decimal comma or degrees+minutes? Ambiguous, so unreadable.
    if not all(_TEXT_NUMBER.fullmatch(token) for token in tokens):
        return []
    return [_finite(token) for token in tokens]


# --------------------------------------------------------------------------- decoding


@dataclass
class _Decoded:
    """A fully decoded photo, possibly at a reduced JPEG DCT scale, not yet upright."""

    format: str
    image: Image.Image
    source_box: tuple[float, float, float, float]  # whole frame, in `image` pixel units
    stored_size: tuple[int, int]  # the file's own pixel size (before scaling and orientation)
    exif: ExifSummary
    icc_profile: bytes | None


def _decode(data: bytes, *, max_bytes: int, max_pixels: int, display_px: int) -> _Decoded:
    """Validate ``data`` and decode it, raising PhotoError for anything we will not take."""
    if not data:
        raise PhotoError(422, _MSG_EMPTY)
    if len(data) > max_bytes:
        raise _too_many_bytes(max_bytes)
    fmt = sniff_format(data)
    if fmt is None:
        raise PhotoError(415, _MSG_UNSUPPORTED)
    if fmt == "webp":
        declared = _webp_declared_pixels(data)
        if declared is not None and declared > max_pixels:
            raise _too_many_pixels(max_pixels)
    if fmt == "heif" and not _heif_is_complete(data):
        # libheif decodes a grid image whose tiles are missing without complaint (it fills
        # them with garbage), so a truncated HEIC has to be caught on the container.
        raise PhotoError(422, _MSG_DAMAGED)

    try:
        # formats= pins Pillow to the plugin the content claims, so a file can never be
        # routed to some other decoder (Pillow ships many we do not want to expose).
        image = Image.open(io.BytesIO(data), formats=[_FORMATS[fmt][0]])
    except Image.DecompressionBombError:
        # Pillow's own guard (about 179 MP) fired while reading the header: also "too big".
        raise _too_many_pixels(max_pixels) from None
    except Exception:
        raise PhotoError(422, _MSG_DAMAGED) from None

    # Image.open() has only read the header, so this refuses a bomb (say a 30000x30000
    # 1-bit PNG, a few hundred KB on disk) before a single pixel buffer is allocated.
    stored_size = image.size
    if stored_size[0] * stored_size[1] > max_pixels:
        raise _too_many_pixels(max_pixels)
    if fmt in ("png", "webp") and getattr(image, "n_frames", 1) > 1:
        raise PhotoError(422, _MSG_ANIMATED)
    # HEIF: pillow-heif opens the primary image; any others (bursts, depth maps) are ignored.
    # JPEG: an MPO's extra frames (phone depth/preview images) are ignored the same way.

    source_box: tuple[float, float, float, float] = (0.0, 0.0, *map(float, stored_size))
    if fmt == "jpeg":
        # The big win: libjpeg can run its IDCT at 1/2, 1/4 or 1/8 scale, so a 12 MP photo
        # destined for a 1600 px display is decoded at 2016x1512, a quarter of the work.
        # draft() picks the smallest scale that is still at least the display size.
        drafted = image.draft("RGB", _fit(stored_size, display_px))
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
        raise PhotoError(422, _MSG_DAMAGED) from None

    icc = image.info.get("icc_profile")
    return _Decoded(
        format=fmt,
        image=image,
        source_box=source_box,
        stored_size=stored_size,
        # After load(): PNG may keep its eXIf chunk after the image data.
        exif=read_exif(image),
        icc_profile=bytes(icc) if icc else None,
    )


def _fit(size: tuple[int, int], limit: int) -> tuple[int, int]:
    """Size with the long side at most ``limit``, same aspect ratio, never upscaled."""
    width, height = size
    longest = max(width, height)
    if longest <= limit:
        return width, height
    scale = limit / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


# --------------------------------------------------------------------------- rendering


def _render(
    decoded: _Decoded,
    *,
    redactions: Sequence[Redaction],
    display_px: int,
    thumb_px: int,
) -> tuple[Image.Image, bytes, Image.Image, bytes]:
    """The one pipeline behind both process_photo and make_derivatives.

    Order matters for speed: shrink first, then do the per-pixel work (colour management,
    rotation, redaction) on the small image. Redactions are applied to the display-size
    image because that is the largest thing ever published; the thumbnail is made from the
    redacted display image, so it can never show what the display hides.
    """
    image = _normalise_mode(decoded.image)
    target = _fit(decoded.stored_size, display_px)
    if image.size != target or decoded.source_box != (0.0, 0.0, *map(float, image.size)):
        image = image.resize(target, _RESAMPLE, box=decoded.source_box, reducing_gap=_REDUCING_GAP)
    image = _to_srgb(_flatten_alpha(image), decoded.icc_profile)
    transpose = _ORIENTATION_TRANSPOSE.get(decoded.exif.orientation or 1)
    if transpose is not None and decoded.format != "heif":
        # pillow-heif has already applied HEIF's own rotation and reset the EXIF tag to 1;
        # the format check is belt and braces against ever rotating twice.
        image = image.transpose(transpose)
    if redactions:
        if image is decoded.image:
            image = image.copy()  # never draw on the decoder's buffer
        _apply_redactions(image, redactions)

    thumb = image.resize(_fit(image.size, thumb_px), _RESAMPLE, reducing_gap=_REDUCING_GAP)
    return image, _encode_jpeg(image), thumb, _encode_jpeg(thumb)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB, RGBA or CMYK so resampling is meaningful."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        if "transparency" in image.info and mode in ("RGB", "L"):
            return image.convert("RGBA")  # PNG tRNS: a colour key that means "transparent"
        return image
    if mode in ("P", "PA"):
        # Resampling a palette image would fall back to nearest-neighbour; expand it.
        transparent = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        # 16-bit greyscale PNG. Pillow's plain convert("L") clips everything above 255 to
        # white; scale 0..65535 down to 0..255 instead.
        return image.convert("I").point(lambda value: value / 257).convert("L")
    if mode in ("RGBa", "La"):
        return image.convert(mode[:-1] + "A")
    return image.convert("RGB")  # YCbCr, LAB, HSV, RGBX...


def _flatten_alpha(image: Image.Image) -> Image.Image:
    # JPEG has no transparency; put transparent areas on white, as a browser page would.
    if image.mode not in ("RGBA", "LA"):
        return image
    base = Image.new(image.mode[:-1], image.size, 255 if image.mode == "LA" else (255, 255, 255))
    base.paste(image, mask=image.getchannel("A"))
    return base


_SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# Colours for checking whether a profile is (near enough) sRGB already: a 9-level cube.
_PROBE_LEVELS = (0, 32, 64, 96, 128, 160, 192, 224, 255)
_PROBE = Image.new("RGB", (len(_PROBE_LEVELS) ** 3, 1))
_PROBE.putdata([(r, g, b) for r in _PROBE_LEVELS for g in _PROBE_LEVELS for b in _PROBE_LEVELS])

# sha256(profile) + mode -> transform, or None for "leave the pixels as they are". Building
# a transform costs a few ms and phones embed the same few profiles (sRGB, Display P3), so
# keep them; keyed by digest so hostile multi-megabyte profiles cannot pile up in memory.
_TRANSFORMS: dict[tuple[bytes, str], ImageCms.ImageCmsTransform | None] = {}
_TRANSFORMS_MAX = 64
_TRANSFORMS_LOCK = threading.Lock()


def _srgb_transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    key = (hashlib.sha256(icc_profile).digest(), mode)
    with _TRANSFORMS_LOCK:
        if key in _TRANSFORMS:
            return _TRANSFORMS[key]
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        transform: ImageCms.ImageCmsTransform | None = ImageCms.buildTransform(
            source, _SRGB_PROFILE, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
        if mode == "RGB" and _is_identity(transform):
            # Most Android JPEGs are tagged sRGB: converting sRGB to sRGB changes nothing
            # visible but costs ~50 ms on a display-size image. Checked by what the
            # transform does, not by the profile's (sender-chosen) name.
            transform = None
    except Exception:
        # A broken or mismatched profile (an RGB profile on a greyscale image...) should
        # not cost the resident their upload; the pixels are used as they are.
        transform = None
    with _TRANSFORMS_LOCK:
        if len(_TRANSFORMS) >= _TRANSFORMS_MAX:
            _TRANSFORMS.pop(next(iter(_TRANSFORMS)))
        _TRANSFORMS[key] = transform
    return transform


def _is_identity(transform: ImageCms.ImageCmsTransform) -> bool:
    converted = transform.apply(_PROBE)
    before = _PROBE.tobytes()
    after = converted.tobytes()
    return max(abs(a - b) for a, b in zip(before, after, strict=True)) <= 2


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    # Browsers treat an untagged JPEG as sRGB. The output carries no ICC profile (that is
    # metadata too), so pixels in another space (an iPhone's Display P3, a CMYK print file)
    # must be converted, or they would look washed out or wrong.
    # lcms2 transforms are safe to share between threads.
    if icc_profile:
        transform = _srgb_transform(icc_profile, image.mode)
        if transform is not None:
            try:
                return transform.apply(image)
            except Exception:
                pass
    return image if image.mode == "RGB" else image.convert("RGB")


def _apply_redactions(image: Image.Image, redactions: Sequence[Redaction]) -> None:
    width, height = image.size
    for redaction in redactions:
        # Round outwards, so a redaction never leaves a sliver of what it should cover.
        left = math.floor(_clamp01(redaction.x) * width)
        top = math.floor(_clamp01(redaction.y) * height)
        right = math.ceil(_clamp01(redaction.x + redaction.w) * width)
        bottom = math.ceil(_clamp01(redaction.y + redaction.h) * height)
        if right <= left or bottom <= top:
            continue
        box = (left, top, right, bottom)
        if redaction.mode == "black":
            image.paste((0, 0, 0), box)
        else:
            image.paste(_obscure(image.crop(box)), box)


def _obscure(region: Image.Image) -> Image.Image:
    """Irrecoverably blur a region: average it down to a few cells, then smooth the cells.

    A plain Gaussian blur of modest radius can be partly undone (deconvolution) and
    mosaics with small cells can be matched against rendered text. Averaging down to about
    six cells across the region throws the detail away for good; each cell is larger than
    any letter or facial feature inside it. The blur afterwards only hides the blockiness.
    """
    width, height = region.size
    cell = max(4, math.ceil(max(width, height) / 6))
    small = region.resize(
        (max(1, math.ceil(width / cell)), max(1, math.ceil(height / cell))),
        Image.Resampling.BOX,
    )
    coarse = small.resize((width, height), Image.Resampling.BILINEAR)
    return coarse.filter(ImageFilter.GaussianBlur(cell / 2))


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


def _encode_jpeg(image: Image.Image) -> bytes:
    # Drop everything the decoded image carried in .info (EXIF, XMP, ICC, comments...):
    # Pillow copies some of it into the output unless told otherwise (e.g. JPEG comments),
    # and we pass no metadata of our own, so the result is pixels only.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **_JPEG_SAVE_OPTIONS)
    return buffer.getvalue()


# --------------------------------------------------------------------------- public API


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
    decoded = _decode(data, max_bytes=max_bytes, max_pixels=max_pixels, display_px=display_px)
    _, display_jpeg, thumb, thumb_jpeg = _render(
        decoded, redactions=(), display_px=display_px, thumb_px=thumb_px
    )
    width, height = decoded.stored_size
    if decoded.format != "heif" and (decoded.exif.orientation or 1) >= 5:
        width, height = height, width  # orientations 5-8 turn the picture on its side
    fmt = decoded.format
    return ProcessedPhoto(
        format=fmt,
        extension=_FORMATS[fmt][1],
        width=width,
        height=height,
        exif=decoded.exif,
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
        # From the thumbnail: phash shrinks to 32x32 anyway, and the thumbnail is upright
        # and already in memory, so this costs well under a millisecond.
        phash=str(imagehash.phash(thumb)),
        sha256=hashlib.sha256(data).hexdigest(),
    )


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
    decoded = _decode(original, max_bytes=max_bytes, max_pixels=max_pixels, display_px=display_px)
    _, display_jpeg, _, thumb_jpeg = _render(
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
