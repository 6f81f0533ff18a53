"""Photo intake for Hikwatch: check an uploaded photo, read its EXIF, make public derivatives.

Residents upload straight from their phones, so every byte here is untrusted. The package
decides what a file is from its content alone, refuses decompression bombs before any pixel
is decoded, decodes the whole image so damaged files are caught at upload time rather than
when a moderator opens them, and only ever publishes freshly encoded JPEGs that carry no
metadata at all (a phone photo's EXIF holds the resident's exact location and device).

It deliberately knows nothing about Flask: :class:`PhotoError` is one of the app's
refusals (``hikwatch.errors``), which the web layer answers using ``.status`` and
``.message``.

Modules: ``errors`` and ``types`` (what goes in and out), ``formats`` (content sniffing and
container checks), ``exif`` (reading EXIF), ``decoding`` (limits and the decode itself),
``rendering`` (the public JPEGs) and ``pipeline`` (the public functions).
"""

from __future__ import annotations

import pillow_heif
import scipy.fftpack  # noqa: F401  (see below)

from hikwatch.photos.decoding import DEFAULT_DECODE_BUDGET_BYTES, check_decode_budget
from hikwatch.photos.errors import PhotoError
from hikwatch.photos.exif import read_exif
from hikwatch.photos.formats import sniff_format
from hikwatch.photos.pipeline import (
    DEFAULT_DISPLAY_PX,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    DEFAULT_THUMB_PX,
    make_derivatives,
    metadata_free,
    process_photo,
)
from hikwatch.photos.types import ExifSummary, ProcessedPhoto, Redaction

# imagehash.phash imports scipy.fftpack on its first call, which takes ~0.4 s; importing it
# here moves that to worker start-up instead of the first resident's upload.

# Pillow only learns to open HEIC/HEIF (what iPhones and many Android phones save) once
# pillow-heif has registered its plugin; doing it at import means every caller gets it.
pillow_heif.register_heif_opener()

__all__ = [
    "DEFAULT_DECODE_BUDGET_BYTES",
    "DEFAULT_DISPLAY_PX",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_THUMB_PX",
    "ExifSummary",
    "PhotoError",
    "ProcessedPhoto",
    "Redaction",
    "check_decode_budget",
    "make_derivatives",
    "metadata_free",
    "process_photo",
    "read_exif",
    "sniff_format",
]
