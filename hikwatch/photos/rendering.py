"""Rendering the public JPEGs: shrink, sRGB, upright, redact, encode with no metadata."""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageCms, ImageFilter

from hikwatch.photos.concurrency import concurrently
from hikwatch.photos.decoding import Decoded, fit
from hikwatch.photos.resampling import shrink
from hikwatch.photos.types import Redaction
from hikwatch.vocab import RedactionMode

# Output settings for every public JPEG. Quality 85 is visually clean for photos at a
# fraction of the size; optimized Huffman tables make them 5-45% smaller for a few ms.
# Not progressive: libjpeg-turbo's progressive encode takes 2.5-5x as long (25-90 ms for a
# 1600 px photo, the largest step after the decode) for files only 3-6% smaller
# (bench/bench_photos.py's profile shows the step).
_JPEG_SAVE_OPTIONS: dict[str, Any] = {
    "quality": 85,
    "optimize": True,
    "subsampling": "4:2:0",
}

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


def render(
    decoded: Decoded,
    *,
    redactions: Sequence[Redaction],
    display_px: int,
    thumb_px: int,
) -> tuple[bytes, Image.Image, bytes]:
    """The one pipeline behind both process_photo and make_derivatives: (display JPEG,
    thumbnail image, thumbnail JPEG).

    Order matters for speed: shrink first, in one pass from the decoded pixels, then do the
    per-pixel work (colour management, rotation, redaction) on the small image. Redactions
    are applied to the display-size image because that is the largest thing ever
    published; the thumbnail is made from the redacted display image, so it can never show
    what the display hides.
    """
    image = display_image(decoded, redactions=redactions, display_px=display_px)

    def thumbnail() -> tuple[Image.Image, bytes]:
        thumb = shrink(image, fit(image.size, thumb_px))
        return thumb, encode_jpeg(thumb)

    # The two encodes are independent and spend their time in C with the GIL released, so
    # the thumbnail is made on a second core while the display image is encoded.
    display_jpeg, (thumb, thumb_jpeg) = concurrently(lambda: encode_jpeg(image), thumbnail)
    return display_jpeg, thumb, thumb_jpeg


def display_image(
    decoded: Decoded, *, redactions: Sequence[Redaction], display_px: int
) -> Image.Image:
    """The upright, sRGB, redacted image at display size (never enlarged)."""
    image = _normalise_mode(decoded.image)
    image = shrink(image, fit(decoded.stored_size, display_px), box=decoded.source_box)
    image = to_srgb(_flatten_alpha(image), decoded.icc_profile)
    if decoded.format != "heif":
        # pillow-heif has already applied HEIF's own rotation and reset the EXIF tag to 1;
        # the format check is belt and braces against ever rotating twice.
        image = upright(image, decoded.exif.orientation)
    if redactions:
        if image is decoded.image:
            image = image.copy()  # never draw on the decoder's buffer
        _apply_redactions(image, redactions)
    return image


def upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """Apply an EXIF orientation (1-8) to the pixels; anything else leaves them as they are."""
    transpose = _ORIENTATION_TRANSPOSE.get(orientation or 1)
    return image if transpose is None else image.transpose(transpose)


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
        built = ImageCms.buildTransform(
            source, _SRGB_PROFILE, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
        transform: ImageCms.ImageCmsTransform | None = built
        if mode == "RGB" and _is_identity(built):
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


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
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
        if redaction.mode == RedactionMode.BLACK:
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


def encode_jpeg(image: Image.Image) -> bytes:
    # Drop everything the decoded image carried in .info (EXIF, XMP, ICC, comments...):
    # Pillow copies some of it into the output unless told otherwise (e.g. JPEG comments),
    # and we pass no metadata of our own, so the result is pixels only.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **_JPEG_SAVE_OPTIONS)
    return buffer.getvalue()
