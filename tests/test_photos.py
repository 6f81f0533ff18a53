"""Tests for photos: real phone photos from tests/resources plus hostile files built in memory.

No Flask here: the photos package is a plain library and is tested as one.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import random
import resource
import struct
import subprocess
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

from hikwatch import photos
from hikwatch.photos import ExifSummary, PhotoError, Redaction
from hikwatch.photos.decoding import decode
from hikwatch.photos.formats import _boxes
from hikwatch.photos.rendering import _JPEG_SAVE_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path(__file__).resolve().parent / "resources"
MANIFEST = list(csv.DictReader((RESOURCES / "manifest.csv").open(encoding="utf-8")))
HEIC_FILES = ("lupine-oakland.heic", "xiaomi.heic", "sewing-threads.heic")


def _row_id(row: dict[str, str]) -> str:
    return row["file"]


@functools.cache
def resource_bytes(name: str) -> bytes:
    return (RESOURCES / name).read_bytes()


@functools.cache
def processed(name: str) -> photos.ProcessedPhoto:
    # Cached: several tests look at the same result and HEIC decoding is slow.
    return photos.process_photo(resource_bytes(name))


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def assert_no_metadata(jpeg: bytes) -> None:
    """Check the raw bytes: no APP1 (EXIF/XMP), APP2 (ICC), COM, nor their payload tags."""
    assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    assert photos.metadata_free(jpeg)
    # In JPEG entropy-coded data 0xFF is always followed by 0x00 or a restart marker, and
    # Pillow's tables never hold these pairs, so a plain search is reliable for its output.
    for forbidden in (
        b"\xff\xe1",  # APP1: EXIF or XMP
        b"\xff\xe2",  # APP2: ICC profile
        b"\xff\xed",  # APP13: Photoshop/IPTC
        b"\xff\xfe",  # COM
        b"Exif\x00",
        b"ICC_PROFILE",
        b"http://ns.adobe.com/xap",
        b"xmpmeta",
    ):
        assert forbidden not in jpeg, forbidden


def raises_photo_error(status: int, data: bytes, **kwargs: int) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        photos.process_photo(data, **kwargs)
    assert caught.value.status == status, caught.value
    assert caught.value.message == str(caught.value)
    return caught.value


# --------------------------------------------------------------------------- factories


def pattern_image(size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A gradient with a red block at the top left, so orientation mistakes are visible."""
    width, height = size
    x = np.broadcast_to(np.linspace(0, 255, width, dtype=np.float32)[None, :], (height, width))
    y = np.broadcast_to(np.linspace(0, 255, height, dtype=np.float32)[:, None], (height, width))
    rgb = np.stack([x, y, (x + y) / 2], axis=-1)
    rgb[: height // 4, : width // 4] = (255, 0, 0)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return float(degrees), float(minutes), seconds


def make_jpeg(
    *,
    size: tuple[int, int] = (320, 240),
    image: Image.Image | None = None,
    lat: float | None = None,
    lon: float | None = None,
    orientation: int | None = None,
    make: str | None = None,
    model: str | None = None,
    taken: str | None = None,
    exif_bytes: bytes | None = None,
    icc_profile: bytes | None = None,
    quality: int = 92,
) -> bytes:
    """A JPEG with EXIF written through Pillow's Exif API (or raw EXIF via exif_bytes)."""
    image = image if image is not None else pattern_image(size)
    exif = Image.Exif()
    wrote_exif = any(v is not None for v in (orientation, make, model, taken, lat))
    if orientation is not None:
        exif[0x0112] = orientation
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    if lat is not None and lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = dms(lon)
    options: dict[str, object] = {"quality": quality}
    if exif_bytes is not None:
        options["exif"] = exif_bytes
    elif wrote_exif:
        options["exif"] = exif.tobytes()
    if icc_profile is not None:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


# A minimal little-endian TIFF/EXIF writer, for EXIF that Pillow's API refuses to write:
# text where rationals belong, zero denominators, pointers that loop or point nowhere.
ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 2, 3, 4, 5, 10


def ascii_tag(tag: int, text: str) -> tuple[int, int, int, bytes]:
    payload = text.encode("latin-1") + b"\x00"
    return tag, ASCII, len(payload), payload


def rational_tag(
    tag: int, *pairs: tuple[int, int], kind: int = RATIONAL
) -> tuple[int, int, int, bytes]:
    fmt = "<ii" if kind == SRATIONAL else "<II"
    return tag, kind, len(pairs), b"".join(struct.pack(fmt, n, d) for n, d in pairs)


def raw_exif(
    gps: list[tuple[int, int, int, bytes]] | None,
    *,
    ifd0: Sequence[tuple[int, int, int, bytes]] = (),
    gps_pointer: int | None = None,
    gps_next_ifd: int = 0,
) -> bytes:
    entries0 = list(ifd0)
    n0 = len(entries0) + (gps is not None or gps_pointer is not None)
    gps_offset = 8 + 2 + 12 * n0 + 4
    data_offset = gps_offset + (2 + 12 * len(gps) + 4 if gps is not None else 0)
    data = bytearray()

    def ifd(entries: list[tuple[int, int, int, bytes]], next_ifd: int) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, kind, count, payload in sorted(entries):
            if len(payload) <= 4:
                value = payload.ljust(4, b"\x00")
            else:
                value = struct.pack("<I", data_offset + len(data))
                data.extend(payload + b"\x00" * (len(payload) % 2))
            out += struct.pack("<HHI", tag, kind, count) + value
        return out + struct.pack("<I", next_ifd)

    if gps is not None or gps_pointer is not None:
        pointer = gps_offset if gps_pointer is None else gps_pointer
        entries0.append((0x8825, LONG, 1, struct.pack("<I", pointer)))
    head = ifd(entries0, 0)
    gps_ifd = ifd(gps, gps_next_ifd) if gps is not None else b""
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + head + gps_ifd + bytes(data)


def london_gps(**override: tuple[int, int, int, bytes] | None) -> list:
    """Big Ben's GPS as raw tags; override by name (lat_ref, lat, lon_ref, lon), None drops."""
    tags = {
        "lat_ref": ascii_tag(1, "N"),
        "lat": rational_tag(2, (51, 1), (30, 1), (250, 100)),
        "lon_ref": ascii_tag(3, "W"),
        "lon": rational_tag(4, (0, 1), (7, 1), (2847, 100)),
    }
    tags.update(override)
    return [tag for tag in tags.values() if tag is not None]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def jpeg_header_only(width: int, height: int) -> bytes:
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    components = b"\x01\x22\x00\x02\x11\x00\x03\x11\x00"
    return (
        b"\xff\xd8"
        + segment(0xDB, b"\x00" + bytes([1] * 64))
        + segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components)
        + segment(0xDA, b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
        + b"\x00" * 64
        + b"\xff\xd9"
    )


@functools.cache
def png_bomb_30000() -> bytes:
    """A genuine 30000x30000 1-bit PNG (all black): ~110 KB, 900 MP when decoded.

    Built a row at a time, so the test never holds the 112 MB of raw pixels either.
    """
    width = height = 30000
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def webp_vp8x_header(width: int, height: int) -> bytes:
    payload = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    payload += (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --------------------------------------------------------------------------- the module


def test_photos_module_does_not_import_flask() -> None:
    code = "import sys, hikwatch.photos; sys.exit('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


FORK_AFTER_USE = """
import os, sys
from hikwatch import photos
data = open(sys.argv[1], "rb").read()
photos.process_photo(data)  # the parent's thread pools now exist
child = os.fork()
if child == 0:
    os._exit(0 if photos.process_photo(data).display_jpeg else 1)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
"""


def test_a_forked_worker_can_still_process_photos() -> None:
    # gunicorn --preload forks workers from a parent that may already have used the
    # package. Threads do not survive a fork: nothing kept between uploads (decoder or
    # resizer thread pools) may be one made in the parent.
    photo = str(RESOURCES / "sewing-threads.heic")
    result = subprocess.run(
        [sys.executable, "-c", FORK_AFTER_USE, photo], cwd=ROOT, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode()


def test_resources_match_manifest_and_licence_table() -> None:
    listed = {row["file"] for row in MANIFEST}
    present = {p.name for p in RESOURCES.iterdir() if p.suffix.lower() in (".jpg", ".heic")}
    assert listed == present and len(listed) == 17
    readme = (RESOURCES / "README.md").read_text(encoding="utf-8")
    for row in MANIFEST:
        assert row["file"] in readme and row["source_repo"] in readme
        assert row["licence"] in readme


# --------------------------------------------------------------------------- real photos


@pytest.mark.parametrize("row", MANIFEST, ids=_row_id)
def test_real_photo_format_and_identity(row: dict[str, str]) -> None:
    data = resource_bytes(row["file"])
    result = processed(row["file"])
    expected = {"JPEG": ("jpeg", "jpg"), "HEIC": ("heif", "heic")}[row["format"]]
    assert photos.sniff_format(data) == expected[0]
    assert (result.format, result.extension) == expected
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert len(result.phash) == 16 and int(result.phash, 16) >= 0


@pytest.mark.parametrize("row", MANIFEST, ids=_row_id)
def test_real_photo_gps_matches_exiftool(row: dict[str, str]) -> None:
    exif = processed(row["file"]).exif
    if row["has_gps"] == "no":
        # Includes adobe_coords.jpg, whose only coordinates are in XMP, which we do not read
        # (see read_exif), and with-null-coordinates.jpg, whose rationals are all 0/0.
        assert (exif.lat, exif.lon, exif.has_gps) == (None, None, False)
        return
    expected = (float(row["lat"]), float(row["lon"]))
    assert exif.has_gps
    assert exif.lat == pytest.approx(expected[0], abs=1e-6)
    assert exif.lon == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize("row", MANIFEST, ids=_row_id)
def test_real_photo_make_model_orientation(row: dict[str, str]) -> None:
    exif = processed(row["file"]).exif
    assert exif.make == (row["make"] or None)
    assert exif.model == (row["model"] or None)
    assert exif.orientation == (int(row["orientation"]) if row["orientation"] else None)
    # Every one of these phones recorded when the photo was taken.
    assert exif.taken_at is not None and 2000 < exif.taken_at.year < 2030
    assert exif.taken_at.tzinfo is None


@pytest.mark.parametrize("row", MANIFEST, ids=_row_id)
def test_real_photo_size_and_derivatives(row: dict[str, str]) -> None:
    result = processed(row["file"])
    stored = (int(row["width"]), int(row["height"]))
    # Orientations 5-8 mean the picture is stored on its side (two files here, both 6).
    rotated = row["format"] == "JPEG" and row["orientation"] in ("5", "6", "7", "8")
    upright = stored[::-1] if rotated else stored
    if row["format"] == "HEIC":
        # The manifest has the coded size; libheif applies the clean-aperture crop, which
        # trims lupine-oakland.heic from 100x134 to 100x133.
        assert abs(result.width - upright[0]) <= 2 and abs(result.height - upright[1]) <= 2
        upright = (result.width, result.height)
    assert (result.width, result.height) == upright

    display = open_jpeg(result.display_jpeg)
    thumb = open_jpeg(result.thumb_jpeg)
    assert display.mode == thumb.mode == "RGB"
    assert max(display.size) == min(1600, max(upright))  # shrunk, never enlarged
    assert max(thumb.size) == min(400, max(upright))
    for image in (display, thumb):
        # Same shape as the upright photo (so orientation 6 files come out portrait).
        assert (image.width >= image.height) == (upright[0] >= upright[1])
        assert image.width / image.height == pytest.approx(upright[0] / upright[1], rel=0.03)
    assert_no_metadata(result.display_jpeg)
    assert_no_metadata(result.thumb_jpeg)


@pytest.mark.parametrize("name", HEIC_FILES)
def test_heic_photos_decode_with_exif(name: str) -> None:
    result = processed(name)
    assert result.format == "heif" and result.extension == "heic"
    assert result.exif.make and result.exif.model and result.exif.taken_at
    assert result.exif.has_gps
    display = open_jpeg(result.display_jpeg)
    # Real picture content, not a blank canvas.
    assert np.asarray(display.convert("L")).std() > 10


def test_iphone_heic_display_p3_is_converted_to_srgb() -> None:
    # lupine-oakland.heic carries a Display P3 profile; the output has no profile, so the
    # pixels themselves must have been converted.
    original = Image.open(io.BytesIO(resource_bytes("lupine-oakland.heic")))
    icc = original.info["icc_profile"]
    assert "P3" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    expected = ImageCms.profileToProfile(
        original.convert("RGB"),
        ImageCms.ImageCmsProfile(io.BytesIO(icc)),
        ImageCms.createProfile("sRGB"),
        outputMode="RGB",
    )
    ours = pixels(open_jpeg(processed("lupine-oakland.heic").display_jpeg))
    unconverted = pixels(original)
    assert np.abs(ours - pixels(expected)).mean() < 2.5
    assert np.abs(ours - unconverted).mean() > np.abs(ours - pixels(expected)).mean() + 1


# The real phone photos the speed targets in bench/bench_photos.py are measured on.
LARGE_REAL = [row["file"] for row in MANIFEST if int(row["width"]) * int(row["height"]) >= 6e6]


def naive_derivatives(data: bytes) -> tuple[Image.Image, Image.Image]:
    """What a careful but slow pipeline publishes: full-resolution decode, exif_transpose,
    Lanczos straight to each size, the app's JPEG settings (bench/photo_inputs.py times
    the same thing). Compared JPEG to JPEG, as the bench does."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    sized = []
    for limit in (1600, 400):
        scale = min(1.0, limit / max(image.size))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        resized = image.resize(size, Image.Resampling.LANCZOS)
        sized.append(open_jpeg(encode(resized, "JPEG", **_JPEG_SAVE_OPTIONS)))
    return sized[0], sized[1]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * float(np.log10(255**2 / mse))


def test_large_real_photos_are_the_ones_benchmarked() -> None:
    assert LARGE_REAL == ["broken_orientation_exif.jpg", "sewing-threads.heic"]


@pytest.mark.parametrize("name", LARGE_REAL)
def test_large_real_photo_matches_the_full_resolution_pipeline(name: str) -> None:
    # Decoding at a reduced DCT scale, resizing in one pass and turning the small image
    # must give the picture a full-resolution pipeline gives: same sizes, same way up, and
    # pixels within JPEG noise of it (PSNR >= 38 dB; the photos have no wide-gamut profile).
    result = processed(name)
    naive_display, naive_thumb = naive_derivatives(resource_bytes(name))
    display, thumb = open_jpeg(result.display_jpeg), open_jpeg(result.thumb_jpeg)
    assert display.size == naive_display.size and thumb.size == naive_thumb.size
    assert psnr(pixels(display), pixels(naive_display)) >= 38
    assert psnr(pixels(thumb), pixels(naive_thumb)) >= 38
    assert_no_metadata(result.display_jpeg)
    assert_no_metadata(result.thumb_jpeg)


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_exif_transpose(orientation: int) -> None:
    data = make_jpeg(size=(320, 240), orientation=orientation)
    result = photos.process_photo(data)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert result.exif.orientation == orientation
    assert (result.width, result.height) == expected.size
    display = open_jpeg(result.display_jpeg)
    assert display.size == expected.size
    assert np.abs(pixels(display) - pixels(expected)).mean() < 3
    # The red marker block ends up wherever exif_transpose puts it.
    top_left = pixels(display)[:20, :20].mean(axis=(0, 1))
    assert (top_left[0] > 200 and top_left[1] < 60) == (pixels(expected)[:20, :20, 1].mean() < 60)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_shrinking_a_decoder_buffer_in_place_equals_shrinking_a_copy(mode: str) -> None:
    from hikwatch.photos.resampling import shrink, shrink_interleaved

    image = pattern_image((1001, 757)).convert(mode)
    channels = len(mode)
    stride = 1001 * channels + 13  # rows padded, as decoders may pad them
    rows = image.tobytes("raw", mode)
    padded = b"".join(
        rows[y * 1001 * channels : (y + 1) * 1001 * channels] + b"\x00" * 13 for y in range(757)
    )
    ours = shrink_interleaved(memoryview(padded), mode, image.size, stride, (400, 302))
    assert ours.mode == mode and ours.size == (400, 302)
    copy = shrink(image, (400, 302))
    assert np.abs(pixels(ours) - pixels(copy)).max() <= 1  # one rounding apart at most


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
def test_large_heif_of_each_mode_is_shrunk(mode: str) -> None:
    image = pattern_image((2400, 1800)).convert(mode)
    result = photos.process_photo(encode(image, "HEIF", quality=80))
    display = open_jpeg(result.display_jpeg)
    assert (result.width, result.height) == (2400, 1800)
    assert display.size == (1600, 1200) and display.mode == "RGB"
    expected = image.convert("RGB").resize((1600, 1200), Image.Resampling.LANCZOS)
    assert np.abs(pixels(display) - pixels(expected)).mean() < 3


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_large_turned_jpeg_matches_exif_transpose(orientation: int) -> None:
    # At phone size the pipeline decodes at half scale and turns the shrunk image; the
    # result must still be exif_transpose's picture, shrunk.
    data = make_jpeg(size=(3264, 2448), orientation=orientation, quality=90)
    result = photos.process_photo(data)
    naive_display, naive_thumb = naive_derivatives(data)
    display, thumb = open_jpeg(result.display_jpeg), open_jpeg(result.thumb_jpeg)
    assert (result.width, result.height) == ImageOps.exif_transpose(
        Image.open(io.BytesIO(data))
    ).size
    assert display.size == naive_display.size and thumb.size == naive_thumb.size
    assert psnr(pixels(display), pixels(naive_display)) >= 38
    assert psnr(pixels(thumb), pixels(naive_thumb)) >= 38


def test_large_rotated_jpeg_is_shrunk_and_turned() -> None:
    data = make_jpeg(size=(4000, 3000), orientation=6, quality=80)
    result = photos.process_photo(data)
    assert (result.width, result.height) == (3000, 4000)
    assert open_jpeg(result.display_jpeg).size == (1200, 1600)
    assert open_jpeg(result.thumb_jpeg).size == (300, 400)
    # Orientation 6 = rotate 90 clockwise: the red top-left block is now top-right.
    display = pixels(open_jpeg(result.display_jpeg))
    assert display[50, -50, 0] > 200 and display[50, -50, 1] < 60
    assert display[50, 50, 1] > 40  # not red


# --------------------------------------------------------------------------- refusals


def test_empty_file_is_422() -> None:
    error = raises_photo_error(422, b"")
    assert error.message.startswith("The file is empty")


def test_random_bytes_are_415() -> None:
    data = random.Random(7).randbytes(4096)
    assert photos.sniff_format(data) is None
    error = raises_photo_error(415, data)
    assert error.message == "This file is not a photo we can read (JPEG, PNG, WebP or HEIC)."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"\xef\xbb\xbf<html><body onload=alert(1)>", id="html-bom"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>",
            id="svg",
        ),
        pytest.param(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", id="pdf"),
        pytest.param(b"<?php system($_GET['c']); ?>", id="php"),
        pytest.param(encode(Image.new("P", (16, 16)), "GIF"), id="gif"),
        pytest.param(
            encode(Image.new("P", (16, 16)), "GIF", save_all=True, append_images=[]),
            id="gif-anim-container",
        ),
        pytest.param(encode(pattern_image((32, 32)), "TIFF"), id="tiff"),
        pytest.param(encode(pattern_image((32, 32)), "BMP"), id="bmp"),
        pytest.param(encode(pattern_image((32, 32)), "ICO"), id="ico"),
        pytest.param(
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64, id="avif"
        ),
    ],
)
def test_unsupported_types_are_415(data: bytes) -> None:
    assert photos.sniff_format(data) is None
    raises_photo_error(415, data)


def test_type_comes_from_content_not_name() -> None:
    # process_photo takes no name or MIME type at all; a PNG is a PNG whatever it was called.
    data = encode(pattern_image((64, 48)), "PNG")
    assert photos.process_photo(data).format == "png"
    assert photos.sniff_format(data) == "png"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xe0" + b"<html><script>x</script>" * 20, id="jpeg-magic"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, id="png-magic"),
        pytest.param(b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 64, id="webp-magic"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, id="heic"),
    ],
)
def test_claims_supported_type_but_undecodable_is_422(data: bytes) -> None:
    assert photos.sniff_format(data) is not None
    raises_photo_error(422, data)


@pytest.mark.parametrize(
    ("name", "fraction"),
    [
        ("broken_orientation_exif.jpg", 0.5),  # 12 MP: decoded at 1/2 DCT scale (draft)
        ("broken_orientation_exif.jpg", 0.95),
        ("IMG_20180725_163423-tiny.jpg", 0.5),
        ("gps.jpg", 0.5),
        ("xiaomi.heic", 0.5),
        ("sewing-threads.heic", 0.9),
    ],
)
def test_truncated_photo_is_422(name: str, fraction: float) -> None:
    data = resource_bytes(name)
    error = raises_photo_error(422, data[: int(len(data) * fraction)])
    assert "damaged or incomplete" in error.message


def test_truncated_heic_is_caught_on_the_container() -> None:
    # libheif fills missing grid tiles with garbage instead of failing, so the pipeline checks
    # that every box and every item extent is present. Cut exactly where the 'mdat' box
    # (all the pixel data) starts: every remaining box is whole, the data is just absent.
    data = resource_bytes("xiaomi.heic")
    mdat_start = next(start for kind, start, _ in _boxes(data, 0, len(data)) if kind == b"mdat")
    raises_photo_error(422, data[: mdat_start - 8])
    raises_photo_error(422, data[: len(data) - 1])


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_truncated_png_and_webp_are_422(fmt: str) -> None:
    noise = np.random.default_rng(5).integers(0, 256, size=(300, 400, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), fmt, quality=90)
    assert photos.process_photo(data).format == fmt.lower()
    for fraction in (0.3, 0.6, 0.97):
        raises_photo_error(422, data[: int(len(data) * fraction)])


def test_truncation_is_caught_even_with_draft_decoding() -> None:
    data = resource_bytes("broken_orientation_exif.jpg")  # 4032x3024
    decoded = decode(data, max_bytes=10**8, max_pixels=10**8, display_px=1600)
    assert decoded.image.size == (2016, 1512)  # draft really decoded at half scale
    for cut in (len(data) // 4, len(data) // 2, len(data) - 5000):
        with pytest.raises(PhotoError) as caught:
            decode(data[:cut], max_bytes=10**8, max_pixels=10**8, display_px=1600)
        assert caught.value.status == 422


def test_over_max_bytes_is_413() -> None:
    data = make_jpeg(size=(64, 64))
    error = raises_photo_error(413, data, max_bytes=len(data) - 1)
    assert "too large" in error.message
    assert photos.process_photo(data, max_bytes=len(data)).format == "jpeg"
    error = raises_photo_error(413, b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024))
    assert "20 MB" in error.message


def test_png_bomb_30000_square_is_refused_with_little_memory() -> None:
    # How fast it is refused is a figure in bench/bench_photos.py, not a test.
    data = png_bomb_30000()
    assert len(data) < 500_000
    rss_before = max_rss_mb()
    error = raises_photo_error(413, data)
    assert max_rss_mb() - rss_before < 100  # decoding would need 900 MB
    assert "megapixels" in error.message
    # Refused even if the app raises its own limit: Pillow's bomb guard maps to 413 too.
    raises_photo_error(413, data, max_pixels=10**10)


def test_jpeg_header_declaring_65500_square_is_refused_with_little_memory() -> None:
    data = jpeg_header_only(65500, 65500)
    rss_before = max_rss_mb()
    raises_photo_error(413, data)
    assert max_rss_mb() - rss_before < 100


def test_pixel_limit_is_checked_before_decoding() -> None:
    # These headers have no pixel data at all: a decoder would fail (422). Getting 413
    # proves the declared size was refused first.
    raises_photo_error(413, png_header_only(5000, 4000), max_pixels=10_000_000)
    raises_photo_error(413, jpeg_header_only(5000, 4000), max_pixels=10_000_000)
    raises_photo_error(422, png_header_only(5000, 4000))  # within the limit: decode fails
    # WebP: libwebp would allocate the canvas inside Image.open(), so the header is read
    # by hand first; 12000x12000 is under Pillow's own guard, over our 100 MP default.
    rss_before = max_rss_mb()
    raises_photo_error(413, webp_vp8x_header(12000, 12000))
    assert max_rss_mb() - rss_before < 100
    real_webp = encode(pattern_image((2000, 1000)), "WEBP")
    raises_photo_error(413, real_webp, max_pixels=1_999_999)
    assert photos.process_photo(real_webp, max_pixels=2_000_000).format == "webp"


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animated_images_are_422(fmt: str) -> None:
    frames = [Image.new("RGB", (64, 64), (i * 20, 255 - i * 20, 0)) for i in range(12)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 12
    error = raises_photo_error(422, data)
    assert error.message.startswith("Animated images are not accepted")
    # One frame is a still photo, however it was written.
    still = encode(frames[0], fmt, save_all=True, append_images=[])
    assert photos.process_photo(still).format == fmt.lower()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_each_accepted_format_round_trips(fmt: str) -> None:
    data = encode(pattern_image((640, 480)), fmt, quality=90)
    result = photos.process_photo(data)
    assert result.format == {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "HEIF": "heif"}[fmt]
    assert (result.width, result.height) == (640, 480)
    display = open_jpeg(result.display_jpeg)
    assert np.abs(pixels(display) - pixels(pattern_image((640, 480)))).mean() < 4


def test_photo_with_appended_php_payload_is_accepted_and_payload_dropped() -> None:
    payload = b"<?php system($_GET['cmd']); ?><script>alert(1)</script>"
    data = resource_bytes("big_ben.jpg") + payload
    result = photos.process_photo(data)
    assert result.format == "jpeg" and result.exif.make == "Canon"
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # the original is kept as is
    for derivative in (result.display_jpeg, result.thumb_jpeg):
        assert b"<?php" not in derivative and b"<script" not in derivative
        assert_no_metadata(derivative)


# --------------------------------------------------------------------------- EXIF oddities


def exif_of(exif_bytes: bytes) -> ExifSummary:
    return photos.process_photo(make_jpeg(size=(64, 48), exif_bytes=exif_bytes)).exif


def test_exif_written_with_pillow_api_reads_back() -> None:
    data = make_jpeg(
        lat=51.5007,
        lon=-0.1246,
        orientation=3,
        make="Hikwatch",
        model="Test Phone",
        taken="2024:05:01 12:30:45",
    )
    exif = photos.process_photo(data).exif
    assert exif.lat == pytest.approx(51.5007, abs=1e-6)
    assert exif.lon == pytest.approx(-0.1246, abs=1e-6)
    assert (exif.make, exif.model, exif.orientation) == ("Hikwatch", "Test Phone", 3)
    assert exif.taken_at is not None and exif.taken_at.isoformat() == "2024-05-01T12:30:45"


def test_southern_and_western_hemispheres_are_negative() -> None:
    exif = photos.process_photo(make_jpeg(lat=-33.8568, lon=151.2153)).exif
    assert (exif.lat, exif.lon) == (pytest.approx(-33.8568), pytest.approx(151.2153))
    exif = photos.process_photo(make_jpeg(lat=40.7, lon=-74.0)).exif
    assert (exif.lat, exif.lon) == (pytest.approx(40.7), pytest.approx(-74.0))


def test_raw_gps_baseline_reads() -> None:
    exif = exif_of(raw_exif(london_gps()))
    assert exif.lat == pytest.approx(51 + 30 / 60 + 2.5 / 3600)
    assert exif.lon == pytest.approx(-(7 / 60 + 28.47 / 3600))


def test_zero_component_is_not_missing() -> None:
    # Greenwich: 0 degrees, 0 minutes, 15.04 seconds west must stay -0.004178.
    exif = exif_of(raw_exif(london_gps(lon=rational_tag(4, (0, 1), (0, 1), (1504, 100)))))
    assert exif.lon == pytest.approx(-15.04 / 3600, abs=1e-9)
    assert exif.has_gps


def test_exactly_zero_on_one_axis_is_a_real_coordinate() -> None:
    # On the equator (or the Greenwich meridian) one coordinate is exactly 0; only (0, 0)
    # together is the "no fix" placeholder.
    equator = rational_tag(2, (0, 1), (0, 1), (0, 1))
    exif = exif_of(raw_exif(london_gps(lat=equator, lon=rational_tag(4, (36, 1)))))
    assert (exif.lat, exif.lon) == (0.0, pytest.approx(-36.0))
    # ...even with no LatitudeRef: zero needs no hemisphere.
    exif = exif_of(raw_exif(london_gps(lat=equator, lat_ref=None, lon=rational_tag(4, (36, 1)))))
    assert (exif.lat, exif.lon) == (0.0, pytest.approx(-36.0))


@pytest.mark.parametrize(
    "override",
    [
        pytest.param({"lat": rational_tag(2, (51, 0), (30, 1), (0, 1))}, id="zero-denominator"),
        pytest.param({"lat": rational_tag(2, (0, 0), (0, 0), (0, 0))}, id="all-0/0"),
        pytest.param({"lat": rational_tag(2, (95, 1), (0, 1), (0, 1))}, id="latitude-95"),
        pytest.param({"lon": rational_tag(4, (181, 1), (0, 1), (0, 1))}, id="longitude-181"),
        pytest.param({"lon": rational_tag(4, (179, 1), (59, 1), (3600, 1))}, id="lon-over-180"),
        pytest.param(
            {
                "lat": rational_tag(2, (0, 1), (0, 1), (0, 1)),
                "lon": rational_tag(4, (0, 1), (0, 1), (0, 1)),
            },
            id="null-island",
        ),
        pytest.param({"lat_ref": None}, id="missing-lat-ref"),
        pytest.param({"lon_ref": None}, id="missing-lon-ref"),
        pytest.param({"lat_ref": ascii_tag(1, "E")}, id="lat-ref-is-E"),
        pytest.param({"lat": None}, id="missing-lat"),
        pytest.param({"lon": ascii_tag(4, "west a bit")}, id="lon-text-not-a-number"),
        pytest.param({"lon": ascii_tag(4, "0,7")}, id="lon-text-ambiguous"),
        pytest.param({"lat": rational_tag(2, (51, 1), (4294967295, 0))}, id="x/0-minutes"),
        pytest.param({"lat": rational_tag(2, (51, 1), (-30, 1), kind=SRATIONAL)}, id="neg-min"),
        pytest.param({"lat": (2, RATIONAL, 0, b"")}, id="zero-count"),
        pytest.param({"lat": (2, RATIONAL, 4, b"\x01" * 32)}, id="four-components"),
        pytest.param({"lat": (2, 7, 4, b"\x33\x00\x00\x00")}, id="undefined-bytes"),
    ],
)
def test_untrustworthy_gps_reads_as_none(override: dict) -> None:
    exif = exif_of(raw_exif(london_gps(**override)))
    assert (exif.lat, exif.lon, exif.has_gps) == (None, None, False)


def test_signed_value_without_ref_keeps_its_sign() -> None:
    # No LongitudeRef, but a negative SRATIONAL is unambiguous.
    lon = rational_tag(4, (-7, 60), kind=SRATIONAL)
    exif = exif_of(raw_exif(london_gps(lon_ref=None, lon=lon)))
    assert exif.lon == pytest.approx(-7 / 60)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("52,00000,50,00000,34,01180", 52 + 50 / 3600),  # HTC text, read as exiftool does
        ("51 30 2.5", 51 + 30 / 60 + 2.5 / 3600),
        ("51,30,2.5", 51 + 30 / 60 + 2.5 / 3600),
        ("51.500694", 51.500694),
        ("51\x00\x00 trailing garbage", 51.0),
    ],
)
def test_gps_stored_as_text(text: str, expected: float) -> None:
    exif = exif_of(raw_exif(london_gps(lat=ascii_tag(2, text))))
    assert exif.lat == pytest.approx(expected, abs=1e-9)


# Pillow warns about the damage it skips over; that is expected here.
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Tag data larger than file:UserWarning")
@pytest.mark.parametrize(
    "exif_bytes",
    [
        pytest.param(raw_exif(london_gps(), gps_pointer=8), id="gps-pointer-to-ifd0"),
        pytest.param(raw_exif(london_gps(), gps_pointer=26), id="gps-pointer-to-itself"),
        pytest.param(raw_exif(london_gps(), gps_pointer=0xFFFFFFF0), id="gps-pointer-garbage"),
        pytest.param(raw_exif(london_gps(), gps_pointer=3), id="gps-pointer-odd"),
        pytest.param(raw_exif(london_gps(), gps_next_ifd=26), id="gps-next-ifd-loops"),
        pytest.param(raw_exif(None, ifd0=[(0x8825, ASCII, 4, b"abc\x00")]), id="gps-ptr-text"),
        pytest.param(raw_exif([(2, RATIONAL, 0x3FFFFFFF, struct.pack("<I", 40))]), id="huge-count"),
        pytest.param(b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x00" * 40, id="ifd0"),
        pytest.param(b"Exif\x00\x00" + random.Random(3).randbytes(300), id="random"),
        pytest.param(b"Exif\x00\x00MM\x00*\xff\xff\xff\xff", id="ifd0-offset-garbage"),
    ],
)
def test_corrupt_or_looping_exif_never_crashes(exif_bytes: bytes) -> None:
    data = make_jpeg(size=(64, 48), exif_bytes=exif_bytes)
    result = photos.process_photo(data)  # returns at all: no loop follows a looping IFD
    assert result.format == "jpeg"
    assert_no_metadata(result.display_jpeg)
    if result.exif.has_gps:  # only if some reader got a real value: then it must be sane
        assert -90 <= result.exif.lat <= 90 and -180 <= result.exif.lon <= 180


def test_read_exif_never_raises_even_if_getexif_does() -> None:
    class Broken:
        def getexif(self) -> None:
            raise SyntaxError("corrupt EXIF")

    assert photos.read_exif(Broken()) == ExifSummary()  # type: ignore[arg-type]


def test_user_comment_with_script_is_accepted_and_stripped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9286] = b"ASCII\x00\x00\x00<script>alert(document.cookie)</script>"
    exif[0x010E] = "<img src=x onerror=alert(1)>"  # ImageDescription
    data = make_jpeg(exif_bytes=exif.tobytes())
    assert b"<script>" in data
    result = photos.process_photo(data)
    assert result.exif.make == "Apple"
    for derivative in (result.display_jpeg, result.thumb_jpeg):
        assert b"<script" not in derivative and b"onerror" not in derivative
        assert_no_metadata(derivative)


def test_strings_are_cleaned_and_capped() -> None:
    exif = Image.Exif()
    exif[0x010F] = "  Canon\x00\x00\x00garbage after the terminator"
    exif[0x0110] = "X" * 5000
    result = photos.process_photo(make_jpeg(exif_bytes=exif.tobytes()))
    assert result.exif.make == "Canon"
    assert result.exif.model == "X" * 100


def test_make_model_fall_back_to_exif_ifd() -> None:
    # The HTC in geodegrees_as_string.jpg writes an empty IFD0 Make and the real one here.
    exif = Image.Exif()
    exif[0x010F] = "\x00\x00"
    exif.get_ifd(0x8769).update({0x010F: "HTC", 0x0110: "HTC One_M8"})
    result = photos.process_photo(make_jpeg(exif_bytes=exif.tobytes()))
    assert (result.exif.make, result.exif.model) == ("HTC", "HTC One_M8")


@pytest.mark.parametrize(
    ("original", "fallback", "expected"),
    [
        ("2024:05:01 12:30:45", "2024:06:01 09:00:00", "2024-05-01T12:30:45"),
        (None, "2024:06:01 09:00:00", "2024-06-01T09:00:00"),
        ("0000:00:00 00:00:00", "2024:06:01 09:00:00", "2024-06-01T09:00:00"),
        ("    :  :     :  :  ", None, None),
        ("2024:13:45 25:61:00", None, None),
    ],
)
def test_taken_at(original: str | None, fallback: str | None, expected: str | None) -> None:
    exif = Image.Exif()
    if original is not None:
        exif.get_ifd(0x8769)[0x9003] = original
    if fallback is not None:
        exif[0x0132] = fallback
    result = photos.process_photo(make_jpeg(exif_bytes=exif.tobytes()))
    taken = result.exif.taken_at
    assert (taken.isoformat() if taken else None) == expected


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_out_of_range_orientation_is_ignored(value: int) -> None:
    result = photos.process_photo(make_jpeg(orientation=value))
    assert result.exif.orientation is None
    assert (result.width, result.height) == (320, 240)


# --------------------------------------------------------------------------- colour & modes


def test_rgba_png_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 100, 100))
    result = photos.process_photo(encode(image, "PNG"))
    display = pixels(open_jpeg(result.display_jpeg))
    assert display[50, 150].min() > 245  # transparent -> white, not black
    assert display[50, 50, 0] > 240 and display[50, 50, 1:].max() < 20


@pytest.mark.parametrize("mode", ["P", "P-alpha", "LA", "L", "1", "I;16"])
def test_other_png_modes_become_rgb(mode: str) -> None:
    if mode == "I;16":
        ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1))
        image = Image.fromarray(ramp)
        assert image.mode == "I;16"
    elif mode == "P-alpha":  # a palette with per-entry alpha (PNG tRNS)
        rgba = pattern_image((256, 64)).convert("RGBA")
        rgba.putalpha(128)
        image = rgba.quantize(method=Image.Quantize.FASTOCTREE)
    else:
        image = pattern_image((256, 64)).convert(mode)
    data = encode(image, "PNG")
    display = open_jpeg(photos.process_photo(data).display_jpeg)
    assert display.mode == "RGB" and display.size == (256, 64)
    if mode == "I;16":
        # Scaled to 8 bits, not clipped: the middle of a 0..65535 ramp is mid grey.
        assert 115 < pixels(display)[32, 128].mean() < 140


def test_palette_png_with_transparency_is_flattened() -> None:
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (0, 0, 32, 64))
    data = encode(image, "PNG", transparency=0)
    display = pixels(open_jpeg(photos.process_photo(data).display_jpeg))
    assert display[32, 48].min() > 245  # colour 0 is transparent -> white
    assert display[32, 16, 2] > 240 and display[32, 16, :2].max() < 20


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    display = open_jpeg(photos.process_photo(data).display_jpeg)
    red, green, blue = pixels(display)[32, 32]
    assert display.mode == "RGB" and red > 220 and green < 50 and blue < 50


def test_non_srgb_profile_is_converted_and_srgb_left_alone() -> None:
    p3 = Image.open(io.BytesIO(resource_bytes("lupine-oakland.heic"))).info["icc_profile"]
    srgb = Image.open(io.BytesIO(resource_bytes("IMG_20180725_163423-tiny.jpg"))).info[
        "icc_profile"
    ]
    flat = Image.new("RGB", (64, 64), (200, 100, 50))
    untagged = pixels(open_jpeg(photos.process_photo(make_jpeg(image=flat)).display_jpeg))
    as_p3 = photos.process_photo(make_jpeg(image=flat, icc_profile=p3))
    as_srgb = photos.process_photo(make_jpeg(image=flat, icc_profile=srgb))
    expected = ImageCms.profileToProfile(
        flat, ImageCms.ImageCmsProfile(io.BytesIO(p3)), ImageCms.createProfile("sRGB")
    ).getpixel((0, 0))
    p3_pixel = pixels(open_jpeg(as_p3.display_jpeg))[32, 32]
    assert np.abs(p3_pixel - np.array(expected)).max() <= 3
    assert np.abs(p3_pixel - untagged[32, 32]).max() >= 8  # the conversion did something
    assert np.abs(pixels(open_jpeg(as_srgb.display_jpeg)) - untagged).max() <= 2
    for result in (as_p3, as_srgb):
        assert_no_metadata(result.display_jpeg)


def test_broken_icc_profile_does_not_block_the_photo() -> None:
    data = make_jpeg(icc_profile=b"not an ICC profile at all" * 10)
    result = photos.process_photo(data)
    assert open_jpeg(result.display_jpeg).mode == "RGB"
    assert_no_metadata(result.display_jpeg)


# --------------------------------------------------------------------------- redaction


@functools.cache
def redaction_source() -> bytes:
    """A real photo with large 'licence plate' text drawn in a known box, saved as JPEG."""
    image = Image.open(RESOURCES / "IMG_20180725_163423-tiny.jpg").convert("RGB")  # 1012x759
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 300, 700, 460), fill="white")
    font = ImageFont.load_default(size=64)
    draw.text((320, 310), "LX19 HKV", fill="black", font=font)
    draw.text((320, 385), "DS-2CD43", fill="black", font=font)
    return encode(image, "JPEG", quality=92)


TEXT_BOX = Redaction(x=300 / 1012, y=300 / 759, w=400 / 1012, h=160 / 759)


def region(array: np.ndarray, left: int, top: int, right: int, bottom: int) -> np.ndarray:
    return array[top:bottom, left:right]


def detail(array: np.ndarray) -> float:
    """High-frequency energy: how much neighbouring pixels differ (text scores high)."""
    grey = array.astype(np.float64).mean(axis=2)
    return float(np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean())


def test_blur_redaction_destroys_the_region_and_nothing_else() -> None:
    original = redaction_source()
    before = hashlib.sha256(original).hexdigest()
    plain_display, _ = photos.make_derivatives(original)
    display, thumb = photos.make_derivatives(original, redactions=[TEXT_BOX])
    assert hashlib.sha256(original).hexdigest() == before  # the private original is untouched
    a, b = pixels(open_jpeg(plain_display)), pixels(open_jpeg(display))
    assert a.shape == b.shape == (759, 1012, 3)

    inside_a, inside_b = region(a, 300, 300, 700, 460), region(b, 300, 300, 700, 460)
    assert np.abs(inside_a - inside_b).mean() > 40  # the text is gone...
    assert detail(inside_b) < 0.1 * detail(inside_a)  # ...and no edges of it remain
    # Each of the ~6 cells across spans more than a whole letter: no letter shape survives.
    assert detail(inside_b) < 2.0

    far = np.ones(a.shape[:2], dtype=bool)
    far[260:500, 260:740] = False  # a margin around the box for JPEG blocks that touch it
    assert np.abs(a[far] - b[far]).mean() < 0.5
    assert np.abs(a[far] - b[far]).max() <= 2

    for derivative in (display, thumb):
        assert_no_metadata(derivative)
    # The thumbnail is made from the redacted display image, so it is redacted too.
    _, plain_thumb = photos.make_derivatives(original)
    ta, tb = pixels(open_jpeg(plain_thumb)), pixels(open_jpeg(thumb))
    box = (120, 120, 276, 180)  # the text box scaled to the 400 px thumbnail
    assert detail(region(tb, *box)) < 0.2 * detail(region(ta, *box))


def test_black_redaction_is_solid_black() -> None:
    display, thumb = photos.make_derivatives(
        redaction_source(),
        redactions=[Redaction(TEXT_BOX.x, TEXT_BOX.y, TEXT_BOX.w, TEXT_BOX.h, "black")],
    )
    inside = region(pixels(open_jpeg(display)), 304, 304, 696, 456)  # inset: JPEG edge ringing
    assert inside.max() <= 8 and inside.mean() < 2
    inside_thumb = region(pixels(open_jpeg(thumb)), 122, 122, 274, 178)
    # The resized pixels are exactly 0 here; what is left is the JPEG encoder's ringing from
    # the bright border, a few levels in the outermost pixels of 16 px chroma blocks.
    assert inside_thumb.max() <= 16 and inside_thumb.mean() < 1


def test_redaction_is_in_upright_coordinates_and_clamped() -> None:
    # Stored landscape with orientation 6; the upright image is portrait and its top-left
    # quarter is what the sensor saw bottom-left. The fraction box must follow the upright.
    data = make_jpeg(size=(400, 300), orientation=6, image=Image.new("RGB", (400, 300), "white"))
    display, _ = photos.make_derivatives(
        data, redactions=[Redaction(x=-0.5, y=-0.5, w=1.0, h=1.0, mode="black")]
    )
    image = pixels(open_jpeg(display))
    assert image.shape[:2] == (400, 300)  # upright: 300 wide, 400 tall
    assert image[:195, :145].max() < 10  # clamped to the top-left half-by-half
    assert image[210:, :].min() > 245 and image[:, 160:].min() > 245


def test_redaction_covering_everything_and_empty_redactions() -> None:
    data = make_jpeg(size=(200, 100))
    display, _ = photos.make_derivatives(data, redactions=[Redaction(-1, -1, 5, 5, "black")])
    assert pixels(open_jpeg(display)).max() < 10
    zero_area = photos.make_derivatives(data, redactions=[Redaction(0.5, 0.5, 0, 0)])
    assert zero_area == photos.make_derivatives(data)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"x": float("nan"), "y": 0, "w": 0.1, "h": 0.1},
        {"x": 0, "y": 0, "w": float("inf"), "h": 0.1},
        {"x": 0, "y": 0, "w": -0.1, "h": 0.1},
        {"x": 0, "y": 0, "w": 0.1, "h": 0.1, "mode": "pixelate"},
    ],
)
def test_invalid_redactions_are_programming_errors(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Redaction(**kwargs)


def test_make_derivatives_shares_the_process_photo_pipeline() -> None:
    for name in ("broken_orientation_exif.jpg", "lupine-oakland.heic", "gps.jpg"):
        data = resource_bytes(name)
        assert photos.make_derivatives(data) == (
            processed(name).display_jpeg,
            processed(name).thumb_jpeg,
        )
    with pytest.raises(PhotoError) as caught:
        photos.make_derivatives(b"GIF89a")
    assert caught.value.status == 415


def test_custom_sizes() -> None:
    result = photos.process_photo(resource_bytes("gps.jpg"), display_px=500, thumb_px=100)
    assert open_jpeg(result.display_jpeg).size == (500, 310)
    assert open_jpeg(result.thumb_jpeg).size == (100, 62)


# --------------------------------------------------------------------------- phash


def test_phash_same_photo_identical_copies_close_different_far() -> None:
    name = "IMG_20180725_163423-tiny.jpg"
    first = photos.process_photo(resource_bytes(name)).phash
    assert first == photos.process_photo(resource_bytes(name)).phash == processed(name).phash

    image = Image.open(RESOURCES / name).convert("RGB")
    smaller = image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)
    copies = [encode(image, "JPEG", quality=50), encode(smaller, "WEBP", quality=70)]
    for copy in copies:
        distance = imagehash.hex_to_hash(first) - imagehash.hex_to_hash(
            photos.process_photo(copy).phash
        )
        assert distance <= 6

    names = ["IMG_20180725_163423-tiny.jpg", "gps.jpg", "newyear_london.jpg", "big_ben.jpg"]
    names += ["UTC-20240413-203530-Montevideo.jpg", "xiaomi.heic", "sewing-threads.heic"]
    for a, b in itertools.combinations(names, 2):
        distance = imagehash.hex_to_hash(processed(a).phash) - imagehash.hex_to_hash(
            processed(b).phash
        )
        assert distance >= 16, (a, b, distance)


def test_phash_is_of_the_upright_image() -> None:
    upright = pattern_image((300, 400))
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6 undoes this
    a = photos.process_photo(make_jpeg(image=upright)).phash
    b = photos.process_photo(make_jpeg(image=sideways, orientation=6)).phash
    assert imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b) <= 4


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("row", MANIFEST, ids=_row_id)
def test_sniff_format_real_files(row: dict[str, str]) -> None:
    expected = {"JPEG": "jpeg", "HEIC": "heif"}[row["format"]]
    assert photos.sniff_format(resource_bytes(row["file"])) == expected


def test_sniff_format_edge_cases() -> None:
    assert photos.sniff_format(b"") is None
    assert photos.sniff_format(b"\xff\xd8") is None
    assert photos.sniff_format(b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1") == "heif"
    assert photos.sniff_format(b"\x00\x00\x00\x14ftypavif\x00\x00\x00\x00mif1") is None
    assert photos.sniff_format(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00") is None  # MP4
    assert photos.sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_metadata_free_detects_each_kind_of_metadata() -> None:
    image = pattern_image((64, 48))
    srgb = Image.open(RESOURCES / "IMG_20180725_163423-tiny.jpg").info["icc_profile"]
    exif = Image.Exif()
    exif[0x010F] = "x"
    assert photos.metadata_free(encode(image, "JPEG"))
    assert photos.metadata_free(encode(image, "JPEG", progressive=True, optimize=True))
    assert not photos.metadata_free(encode(image, "JPEG", exif=exif.tobytes()))
    assert not photos.metadata_free(encode(image, "JPEG", icc_profile=srgb))
    assert not photos.metadata_free(encode(image, "JPEG", comment=b"hello"))
    assert not photos.metadata_free(encode(image, "JPEG", xmp=b"<x:xmpmeta/>"))
    assert not photos.metadata_free(encode(image, "JPEG") + b"<?php ?>")
    assert not photos.metadata_free(encode(image, "JPEG")[:-200])
    assert not photos.metadata_free(b"not a jpeg")
    for name in ("big_ben.jpg", "newyear_london.jpg", "with-null-coordinates.jpg"):
        assert not photos.metadata_free(resource_bytes(name))


def test_concurrently_returns_both_results_and_reraises_either_error() -> None:
    from hikwatch.photos.concurrency import concurrently

    assert concurrently(lambda: 1, lambda: 2) == (1, 2)
    with pytest.raises(KeyError):
        concurrently(lambda: {}["missing"], lambda: 2)
    with pytest.raises(PhotoError):  # the caller's own error wins; the worker still finishes
        concurrently(lambda: 1, lambda: raises(PhotoError(422, "no")))


def raises(error: Exception) -> None:
    raise error


def test_photo_error_carries_status_and_message() -> None:
    error = PhotoError(415, "Nope.")
    assert (error.status, error.message, str(error)) == (415, "Nope.", "Nope.")
    assert isinstance(error, Exception)


def test_processed_photo_and_summary_are_frozen() -> None:
    result = processed("big_ben.jpg")
    with pytest.raises(AttributeError):
        result.width = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.exif.lat = 0.0  # type: ignore[misc]
    assert ExifSummary(lat=1.0, lon=2.0).has_gps and not ExifSummary(lat=1.0).has_gps
