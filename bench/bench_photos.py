"""Benchmark photos.process_photo against a naive full-resolution Pillow pipeline.

Run from the repository root:

    python bench/bench_photos.py            # 7 timed runs per case
    python bench/bench_photos.py --runs 15

Inputs are phone-sized: a 12 MP (4032x3024) JPEG made from a real photo in tests/resources
(upscaled, with sensor-like grain so it compresses like a camera JPEG, quality 92, EXIF with
orientation 6 and the source's sRGB ICC profile, as a Pixel writes it), and the real
4000x3000 tests/resources/sewing-threads.heic from a Samsung phone.

The baseline is what one would write first: open, load at full resolution, exif_transpose,
Lanczos-resize the full image to the display size and save, Lanczos-resize the full image to
the thumbnail size and save, with the same JPEG settings as our pipeline. Both produce the same
output sizes. The two display images are compared pixel by pixel (mean absolute difference
and PSNR), so a speed-up cannot hide a loss of quality.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import benchlib  # bench/ is on the path when run as a script
import numpy as np
from PIL import Image, ImageOps

from hikwatch import photos
from hikwatch.photos.decoding import fit
from hikwatch.photos.rendering import _JPEG_SAVE_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "tests" / "resources"
CAMERA_SOURCE = RESOURCES / "IMG_20180725_163423-tiny.jpg"  # a real Pixel photo, 1012x759
HEIC_SOURCE = RESOURCES / "sewing-threads.heic"  # a real Samsung photo, 4000x3000


def make_camera_jpeg() -> bytes:
    """A 12 MP JPEG that looks, to a decoder, like a phone camera's output."""
    source = Image.open(CAMERA_SOURCE)
    icc = source.info.get("icc_profile")
    big = source.convert("RGB").resize((4032, 3024), Image.Resampling.BICUBIC)
    # Upscaling leaves the picture smooth, which compresses (and decodes) far faster than a
    # real photo. Add grain like a small phone sensor's: mostly luma, a little chroma.
    rng = np.random.default_rng(2024)
    pixels = np.asarray(big, dtype=np.int16)
    luma = rng.normal(0.0, 5.0, size=(*pixels.shape[:2], 1))
    chroma = rng.normal(0.0, 2.0, size=pixels.shape)
    pixels = np.clip(pixels + luma + chroma, 0, 255).astype(np.uint8)
    # Stored on its side, as phones do: the sensor's landscape pixels plus orientation 6.
    exif = Image.Exif()
    exif[0x010F] = "Google"
    exif[0x0110] = "Pixel"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 12:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 2.5), 3: "W", 4: (0.0, 7.0, 28.47)})
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=92, exif=exif.tobytes(), icc_profile=icc)
    return out.getvalue()


def baseline(data: bytes, display_px: int = 1600, thumb_px: int = 400) -> tuple[bytes, bytes]:
    """The naive pipeline: everything at full resolution."""
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


def hikwatch(data: bytes) -> tuple[bytes, bytes]:
    processed = photos.process_photo(data)
    return processed.display_jpeg, processed.thumb_jpeg


def median_ms(function: Callable[[bytes], tuple[bytes, bytes]], data: bytes, runs: int) -> float:
    function(data)  # warm-up: first-call costs (plugin init, colour transforms) are not typical
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def compare(jpeg_a: bytes, jpeg_b: bytes) -> tuple[float, float]:
    """Mean absolute difference (0-255 levels) and PSNR in dB between two same-size JPEGs."""
    a = np.asarray(Image.open(io.BytesIO(jpeg_a)).convert("RGB"), dtype=np.float64)
    b = np.asarray(Image.open(io.BytesIO(jpeg_b)).convert("RGB"), dtype=np.float64)
    if a.shape != b.shape:
        raise SystemExit(f"display sizes differ: {a.shape} vs {b.shape}")
    mad = float(np.mean(np.abs(a - b)))
    mse = float(np.mean((a - b) ** 2))
    psnr = float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)
    return mad, psnr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (median)")
    args = parser.parse_args()

    cases = [
        ("12 MP JPEG q92, orientation 6", make_camera_jpeg()),
        ("sewing-threads.heic (real)", HEIC_SOURCE.read_bytes()),
    ]
    rows = []
    for name, data in cases:
        with Image.open(io.BytesIO(data)) as probe:
            size = f"{probe.width}x{probe.height}"
        base_ms = median_ms(baseline, data, args.runs)
        ours_ms = median_ms(hikwatch, data, args.runs)
        base_display, _ = baseline(data)
        ours_display, _ = hikwatch(data)
        mad, psnr = compare(ours_display, base_display)
        display_size = "x".join(map(str, Image.open(io.BytesIO(ours_display)).size))
        benchlib.record(
            "1 photos",
            f"{name}: display + thumbnail",
            f"{ours_ms:.0f} ms ({base_ms / ours_ms:.2f}x, PSNR {psnr:.1f} dB)",
            f"full-resolution {base_ms:.0f} ms",
            ">= 3x",
            base_ms / ours_ms >= 3,
        )
        rows.append(
            (
                name,
                f"{len(data) / 1e6:.1f} MB",
                size,
                display_size,
                f"{base_ms:.0f} ms",
                f"{ours_ms:.0f} ms",
                f"{base_ms / ours_ms:.2f}x",
                f"{mad:.2f}",
                f"{psnr:.1f} dB",
            )
        )

    header = (
        "input",
        "file",
        "pixels",
        "display",
        "baseline",
        "Hikwatch",
        "speed-up",
        "mean |diff|",
        "PSNR",
    )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    print(f"Hikwatch vs baseline: median of {args.runs} runs, display + thumbnail per photo")
    print(line(header))
    print(line(tuple("-" * width for width in widths)))
    for row in rows:
        print(line(row))
    print()
    print("baseline: full-resolution open/load, exif_transpose, Lanczos to 1600 and to 400 px.")
    print("Hikwatch: photos.process_photo (validation, EXIF, draft decode for JPEG, phash too).")
    print("mean |diff|, PSNR: the two display JPEGs compared (0-255 levels; higher PSNR = closer).")


if __name__ == "__main__":
    main()
