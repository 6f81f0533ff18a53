"""Reading the few EXIF facts Hikwatch uses: make, model, orientation, taken-at and GPS."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from PIL import ExifTags, Image

from hikwatch.photos.types import ExifSummary

# Longest make/model string we keep. Real ones are well under this; the cap stops a crafted
# file from pushing kilobytes of text into the database and the moderation page.
_MAX_TEXT = 100

# EXIF tag numbers we read (named here so the code below reads as what it means).
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


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
    return _summarise(exif)


def read_exif_block(block: bytes | None) -> ExifSummary:
    """The same from a raw EXIF block, as HEIF stores it (an item of its own). Never raises."""
    if not block:
        return ExifSummary()
    exif = Image.Exif()
    try:
        exif.load(block)
    except Exception:
        return ExifSummary()
    return _summarise(exif)


def _summarise(exif: Image.Exif) -> ExifSummary:
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
                year, month, day, hour, minute, second = (int(part) for part in match.groups())
                return datetime(year, month, day, hour, minute, second)
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
