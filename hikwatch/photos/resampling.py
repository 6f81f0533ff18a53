"""Shrinking pixels in one Lanczos pass, from a Pillow image or straight from a decoder's buffer.

Lanczos is the filter a careful full-resolution pipeline would use, so the output matches
it closely; fast_image_resize (the cykooz-resizer package) computes it with SIMD several
times faster than Pillow's own resampling and reads Pillow's pixel buffer in place.
"""

from __future__ import annotations

from typing import cast

from cykooz_resizer import CropBox, FilterType, ResizeAlg, ResizeOptions, Resizer
from PIL import Image

_LANCZOS = ResizeAlg.convolution(FilterType.lanczos3)
# Pillow's modes fast_image_resize does not take (LA) fall back to Pillow's Lanczos.
_FAST_RESIZE_MODES = frozenset({"RGB", "RGBA", "L", "CMYK"})
# One thread: fast_image_resize can spread a resize over a thread pool (12 MP: 25 ms on one
# core, 17 ms on two when the other core is idle), but with the other core busy, as it is
# whenever two uploads run at once, the split work took longer than one thread's (40 -> 70 ms).


def shrink(
    image: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None = None,
) -> Image.Image:
    """``image`` (or its ``box`` region) resampled to ``size`` with Lanczos, in one pass."""
    whole = (0.0, 0.0, float(image.width), float(image.height))
    box = whole if box is None else box
    if image.size == size and box == whole:
        return image
    if image.mode not in _FAST_RESIZE_MODES:
        return image.resize(size, Image.Resampling.LANCZOS, box=box)
    options = ResizeOptions(_LANCZOS)
    if box != whole:
        options.crop_box = CropBox(box[0], box[1], box[2] - box[0], box[3] - box[1])
    resized = Image.new(image.mode, size)
    # A Resizer keeps scratch buffers and may not serve two threads at once; making one
    # costs well under a microsecond.
    Resizer().resize_pil(image, resized, options)
    return resized


def shrink_interleaved(
    pixels: memoryview, mode: str, size: tuple[int, int], stride: int, target: tuple[int, int]
) -> Image.Image:
    """A Pillow image of ``target`` size from a decoder's interleaved 8-bit RGB or L rows:
    shrink_rows_in_place, then finish_rows (a caller can free the decoder's buffer between
    the two, as decoding does)."""
    if size == target:
        return Image.frombytes(mode, size, pixels, "raw", mode, stride)
    return finish_rows(shrink_rows_in_place(pixels, mode, size, stride, target[1]), mode, target)


def shrink_rows_in_place(
    pixels: memoryview, mode: str, size: tuple[int, int], stride: int, height: int
) -> Image.Image:
    """The vertical half of the Lanczos pass, reading a decoder's buffer where it lies.

    Pillow keeps RGB as 4 bytes a pixel, so wrapping a 3-byte buffer means copying it (for
    a 12 MP photo, 48 MB more memory). Instead the rows are read in place as one byte a
    sample: the vertical half of a separable filter never mixes neighbouring samples of a
    row, so it can run on them as they are. Returns the shortened rows, still one byte a
    sample ("L", ``channels x width`` wide).
    """
    width, rows_in = size
    channels = {"L": 1, "RGB": 3}[mode]
    # A memoryview is a buffer Pillow reads in place; its stubs name only bytes and arrays.
    buffer = cast(bytes, pixels)
    samples = Image.frombuffer("L", (width * channels, rows_in), buffer, "raw", "L", stride, 1)
    rows = Image.new("L", (width * channels, height))
    Resizer().resize_pil(samples, rows, ResizeOptions(_LANCZOS))
    return rows


def finish_rows(rows: Image.Image, mode: str, target: tuple[int, int]) -> Image.Image:
    """The horizontal half, on rows from shrink_rows_in_place: the two halves of a separable
    filter in the other order, so the same pixels as shrinking a copy of the whole image."""
    if mode == "L":
        return shrink(rows, target)
    width = rows.width // len(mode)
    return shrink(Image.frombytes(mode, (width, rows.height), rows.tobytes()), target)
