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
``rendering`` (the public JPEGs), ``concurrency`` (two pieces of work at once) and
``pipeline`` (the public functions).
"""

from __future__ import annotations

import os

import pillow_heif
import scipy.fftpack  # noqa: F401  (see below)
from PIL import Image

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

# Pillow returns every freed image buffer to the C allocator, which often hands it straight
# back to the system: the next upload's 48 MB of pixels (a 12 MP photo) then has to be mapped
# and zeroed by the kernel again, 30-50 ms on a virtual machine, as much as all the work
# after the decode. Whether that happens depends on what else sits on the heap, so it comes
# and goes. Keeping a few freed 16 MB blocks for reuse makes it never happen for phone-sized
# photos, at the cost of holding up to _PIXEL_BLOCKS_KEPT x 16 MB per process once one has
# been processed. An operator's own PILLOW_BLOCKS_MAX (which Pillow reads itself) wins.
_PIXEL_BLOCKS_KEPT = 4
if "PILLOW_BLOCKS_MAX" not in os.environ:
    Image.core.set_blocks_max(max(Image.core.get_blocks_max(), _PIXEL_BLOCKS_KEPT))

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
