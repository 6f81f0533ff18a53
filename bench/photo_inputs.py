"""The photos bench_photos.py measures, the naive pipeline it compares against, and helpers.

Real photos: every JPEG and HEIC in tests/resources of at least 6 MP (tests/resources/
manifest.csv says which) is a target case; smaller real photos of at least 2 MP are shown
for information. Synthetic photos stand in for what the repository has no real file of (a
grainy 12 MP JPEG, an iPhone-like tiled HEIC with a Display P3 profile, an 8 MP photo turned
upside down, and the largest photo the app accepts); they are built from real photos in
tests/resources once and kept in bench/out/photos/.
"""

from __future__ import annotations

import csv
import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageOps

from hikwatch.photos import DEFAULT_MAX_PIXELS
from hikwatch.photos.decoding import fit
from hikwatch.photos.rendering import _JPEG_SAVE_OPTIONS, to_srgb

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "tests" / "resources"
CACHE = ROOT / "bench" / "out" / "photos"
TARGET_MEGAPIXELS = 6.0
INFO_MEGAPIXELS = 2.0
PIXEL_SOURCE = RESOURCES / "IMG_20180725_163423-tiny.jpg"  # a real Pixel photo, 1012x759
P3_SOURCE = RESOURCES / "lupine-oakland.heic"  # carries an iPhone's Display P3 profile


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    kind: str  # "real" (a target applies), "real, < 6 MP" or "synthetic" (for information)
    timed: bool = True  # False: too big to time the naive pipeline; peak memory only

    @property
    def judged(self) -> bool:
        return self.kind == "real"

    def read(self) -> bytes:
        return self.path.read_bytes()


def cases(*, largest: bool = True) -> list[Case]:
    found = [*real_cases(), *synthetic_cases()]
    return found + largest_cases() if largest else found


def real_cases() -> list[Case]:
    rows = csv.DictReader((RESOURCES / "manifest.csv").open(encoding="utf-8"))
    found = []
    for row in rows:
        megapixels = int(row["width"]) * int(row["height"]) / 1e6
        if megapixels >= TARGET_MEGAPIXELS:
            found.append(Case(row["file"], RESOURCES / row["file"], "real"))
        elif megapixels >= INFO_MEGAPIXELS:
            found.append(Case(row["file"], RESOURCES / row["file"], "real, < 6 MP"))
    return sorted(found, key=lambda case: (case.kind, case.name))


def synthetic_cases() -> list[Case]:
    return [
        Case(
            "12 MP JPEG q92, grain, orientation 6",
            cached("camera-12mp.jpg", camera_jpeg),
            "synthetic",
        ),
        Case(
            "8 MP JPEG, orientation 3", cached("camera-8mp-o3.jpg", upside_down_jpeg), "synthetic"
        ),
        Case(
            "12 MP tiled HEIC, Display P3", cached("iphone-like-12mp.heic", tiled_heic), "synthetic"
        ),
    ]


def cached(name: str, make) -> Path:
    path = CACHE / name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"(building {path.relative_to(ROOT)} once)", flush=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(make())
        temporary.replace(path)
    return path


def grainy(size: tuple[int, int], seed: int) -> Image.Image:
    """The real Pixel photo upscaled, with sensor-like grain so it compresses like one."""
    big = Image.open(PIXEL_SOURCE).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(big, dtype=np.int16)
    luma = rng.normal(0.0, 5.0, size=(*pixels.shape[:2], 1))
    chroma = rng.normal(0.0, 2.0, size=pixels.shape)
    return Image.fromarray(np.clip(pixels + luma + chroma, 0, 255).astype(np.uint8))


def phone_exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Google"
    exif[0x0110] = "Pixel"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 12:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 2.5), 3: "W", 4: (0.0, 7.0, 28.47)})
    return exif.tobytes()


def camera_jpeg() -> bytes:
    """12 MP stored on its side (orientation 6) with the Pixel's sRGB profile, quality 92."""
    icc = Image.open(PIXEL_SOURCE).info.get("icc_profile")
    out = io.BytesIO()
    grainy((4032, 3024), 2024).save(out, "JPEG", quality=92, exif=phone_exif(6), icc_profile=icc)
    return out.getvalue()


def upside_down_jpeg() -> bytes:
    """8 MP (3264x2448, an iPhone 5's size) with orientation 3 and no profile, quality 95."""
    out = io.BytesIO()
    grainy((3264, 2448), 8).save(out, "JPEG", quality=95, exif=phone_exif(3))
    return out.getvalue()


def tiled_heic() -> bytes:
    """4032x3024 in 512 px HEVC tiles with a Display P3 profile, as an iPhone writes it."""
    icc = Image.open(P3_SOURCE).info["icc_profile"]
    out = io.BytesIO()
    grainy((4032, 3024), 12).save(
        out,
        "HEIF",
        quality=70,
        tile_size=512,
        icc_profile=icc,
        exif=phone_exif(1),
        enc_params={"preset": "ultrafast"},
    )
    return out.getvalue()


def largest_cases() -> list[Case]:
    """The largest photo the app accepts (DEFAULT_MAX_PIXELS, 100 MP: 11547x8660), as a
    JPEG (which the app decodes at 1/8 scale) and as a tiled HEIC (which it cannot shrink
    while decoding, so this is the most memory an accepted upload can take)."""
    width = int((DEFAULT_MAX_PIXELS * 4 / 3) ** 0.5)
    height = DEFAULT_MAX_PIXELS // width

    def big() -> Image.Image:
        return Image.open(PIXEL_SOURCE).convert("RGB").resize((width, height))

    def jpeg() -> bytes:
        out = io.BytesIO()
        big().save(out, "JPEG", quality=90, exif=phone_exif(6))
        return out.getvalue()

    def heic() -> bytes:
        out = io.BytesIO()
        big().save(out, "HEIF", quality=50, tile_size=512, enc_params={"preset": "ultrafast"})
        return out.getvalue()

    label = f"{DEFAULT_MAX_PIXELS / 1e6:g} MP"
    return [
        Case(
            f"largest allowed, {label} JPEG",
            cached(f"largest-{width}x{height}.jpg", jpeg),
            "synthetic",
            False,
        ),
        Case(
            f"largest allowed, {label} HEIC",
            cached(f"largest-{width}x{height}.heic", heic),
            "synthetic",
            False,
        ),
    ]


# ---------------------------------------------------------------- what we compare against


def naive(data: bytes, display_px: int = 1600, thumb_px: int = 400) -> tuple[bytes, bytes]:
    """What one would write first: open, load at full resolution, exif_transpose,
    Lanczos-resize the full image to the display size and to the thumbnail size, save both
    with the app's JPEG settings."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image).convert("RGB")
    outputs = []
    for limit in (display_px, thumb_px):
        resized = image.resize(fit(image.size, limit), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, "JPEG", **_JPEG_SAVE_OPTIONS)
        outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


def decode_floor(data: bytes) -> None:
    """The decoder's own work and nothing else. HEIF: libheif decoding the primary image
    (`pillow_heif.open_heif(...).data`). JPEG: libjpeg-turbo at the DCT scale the app picks
    (what is left once the pixels the display cannot show are never decoded)."""
    if data[:3] == b"\xff\xd8\xff":
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", fit(image.size, 1600))
        image.load()
    else:
        _ = pillow_heif.open_heif(io.BytesIO(data)).data


def psnr(ours: bytes, theirs: bytes, icc_profile: bytes | None = None) -> float:
    """PSNR in dB between two same-size JPEGs. The naive pipeline ignores colour profiles;
    for a photo in another colour space its output is moved to sRGB first, as ours is."""
    a = np.asarray(Image.open(io.BytesIO(ours)).convert("RGB"), dtype=np.float64)
    reference = Image.open(io.BytesIO(theirs)).convert("RGB")
    b = np.asarray(to_srgb(reference, icc_profile), dtype=np.float64)
    if a.shape != b.shape:
        raise SystemExit(f"display sizes differ: {a.shape} vs {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * float(np.log10(255**2 / mse))


def icc_of(data: bytes) -> bytes | None:
    icc = Image.open(io.BytesIO(data)).info.get("icc_profile")
    return bytes(icc) if icc else None


def profile_name(icc: bytes | None) -> str:
    if not icc:
        return "none"
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()


# ---------------------------------------------------------------- hostile files


def png_bomb_30000() -> bytes:
    """A genuine 30000x30000 1-bit PNG (all black): ~110 KB, 900 MP when decoded."""
    width = height = 30000
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def jpeg_header_only(width: int, height: int) -> bytes:
    """A JPEG whose frame header declares width x height, with no real image data."""

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


def looping_exif_jpeg() -> bytes:
    """A small JPEG whose GPS IFD pointer points at itself (the worst of the corrupt-EXIF
    cases tests/test_photos.py checks never crash)."""
    gps_ifd_offset = 26
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, gps_ifd_offset)
    ifd0 += struct.pack("<I", 0)
    gps = struct.pack("<H", 1) + struct.pack("<HHI", 1, 2, 2) + b"N\x00\x00\x00"
    gps += struct.pack("<I", gps_ifd_offset)  # next IFD: itself
    exif = b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd0 + gps
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(out, "JPEG", exif=exif)
    return out.getvalue()
