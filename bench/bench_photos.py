"""Photo intake, file by file: photos.process_photo against the naive pipeline and the decoder.

Run from the repository root:

    python bench/bench_photos.py              # 9 interleaved rounds per photo (~3 min)
    python bench/bench_photos.py --runs 15    # steadier medians
    python bench/bench_photos.py --quick      # 3 rounds, no largest-photo cases

For every photo (see bench/photo_inputs.py: every real phone photo of at least 6 MP in
tests/resources, smaller real ones and synthetic ones for information):

- app: photos.process_photo (checks, EXIF, display + thumbnail JPEGs, phash, sha256);
- naive: full-resolution Pillow (load, exif_transpose, Lanczos to 1600 and 400 px);
- floor: the decoder alone (HEIF: pillow_heif.open_heif(...).data; JPEG: libjpeg-turbo
  at the DCT scale the app uses);

timed in interleaved rounds (app, naive, floor, in a rotating order) so a busy neighbour
slows all three alike; each figure is a median, each ratio the median of the rounds' own
ratios. Peak memory is the resident set's high-water mark above the idle process, in a
fresh process per photo. Then the targets' verdicts, a per-step profile of each photo,
and how fast hostile files are refused. Nothing is asserted: correctness (sizes,
orientation, no metadata, PSNR) is checked by tests/test_photos.py; here it is reported.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent

import benchlib  # noqa: E402  (bench/ is on the path when run as a script)
import photo_inputs  # noqa: E402
import photo_profile  # noqa: E402
from photo_inputs import Case, naive  # noqa: E402

from hikwatch import photos  # noqa: E402

JPEG_TARGET = 3.0  # app at least this many times faster than naive
HEIF_TARGET = 1.3  # app at most this many times the decoder's own time
PSNR_TARGET = 38.0  # dB, display JPEG against the naive pipeline's

# bench_uploads.py uploads the same synthetic 12 MP JPEG.
make_camera_jpeg = photo_inputs.camera_jpeg


def app(data: bytes) -> tuple[bytes, bytes]:
    processed = photos.process_photo(data)
    return processed.display_jpeg, processed.thumb_jpeg


PIPELINES: dict[str, Callable[[bytes], object]] = {
    "app": app,
    "naive": naive,
    "floor": photo_inputs.decode_floor,
}


def interleaved(data: bytes, runs: int, names: list[str]) -> dict[str, list[float]]:
    """Seconds per run of each pipeline, in rounds whose order rotates."""
    for name in names:  # warm-up: plugin set-up, colour transforms, first allocations
        PIPELINES[name](data)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            start = time.perf_counter()
            PIPELINES[name](data)
            times[name].append(time.perf_counter() - start)
    return times


def paired_ratio(top: list[float], bottom: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(top, bottom, strict=True))


# ---------------------------------------------------------------- peak memory


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure_memory(path: str, pipeline: str) -> None:
    """(In a fresh process.) Print peak and retained RSS in MB for two uploads of ``path``,
    above the process's resident set once everything is imported and the file is read."""
    data = Path(path).read_bytes()
    before = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    for _ in range(2):
        PIPELINES[pipeline](data)
    peak = _status_kb("VmHWM") - before
    retained = _status_kb("VmRSS") - before
    print(json.dumps({"peak_mb": peak / 1024, "retained_mb": retained / 1024}))


def peak_memory(case: Case, pipeline: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-of", str(case.path), pipeline],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- one photo


def measure(case: Case, runs: int, memory: bool) -> dict:
    data = case.read()
    with Image.open(io.BytesIO(data)) as probe:
        fmt = "HEIC" if probe.format == "HEIF" else probe.format
        stored = probe.size
    names = ["app", "naive", "floor"] if case.timed else ["app", "floor"]
    times = interleaved(data, runs if case.timed else max(1, runs // 3), names)
    row: dict = {
        "case": case,
        "format": fmt,
        "size": f"{stored[0]}x{stored[1]}",
        "megapixels": stored[0] * stored[1] / 1e6,
        "bytes": len(data),
        **{f"{name}_ms": statistics.median(times[name]) * 1000 for name in names},
        "app_over_floor": paired_ratio(times["app"], times["floor"]),
    }
    if case.timed:
        row["naive_over_app"] = paired_ratio(times["naive"], times["app"])
        ours, theirs = app(data), naive(data)
        row["psnr"] = photo_inputs.psnr(ours[0], theirs[0], photo_inputs.icc_of(data))
        row["same_sizes"] = all(
            Image.open(io.BytesIO(a)).size == Image.open(io.BytesIO(b)).size
            for a, b in zip(ours, theirs, strict=True)
        )
        row["no_metadata"] = all(photos.metadata_free(jpeg) for jpeg in ours)
    if memory:
        row["app_memory"] = peak_memory(case, "app")
        row["floor_memory"] = peak_memory(case, "floor")
        if case.timed:
            row["naive_memory"] = peak_memory(case, "naive")
    return row


def verdict(row: dict) -> tuple[str, bool | None]:
    """(target text, met) for a judged photo; (text, None) for one shown for information."""
    if row["format"] == "JPEG":
        text, met = f">= {JPEG_TARGET:g}x naive", row.get("naive_over_app", 0) >= JPEG_TARGET
    else:
        text, met = f"<= {HEIF_TARGET:g}x floor", row["app_over_floor"] <= HEIF_TARGET
    if "psnr" in row:
        text += f", PSNR >= {PSNR_TARGET:g} dB, same sizes, no metadata"
        met = met and row["psnr"] >= PSNR_TARGET and row["same_sizes"] and row["no_metadata"]
    return text, (met if row["case"].judged else None)


def mb(memory: dict | None) -> str:
    return "-" if memory is None else f"{memory['peak_mb']:.0f} MB"


def print_table(rows: list[dict], runs: int) -> None:
    print(f"\nPer photo: medians of {runs} interleaved rounds (largest photos: fewer, app only)")
    benchlib.print_table(
        (
            "photo",
            "kind",
            "format",
            "pixels",
            "file",
            "app",
            "naive",
            "floor",
            "naive/app",
            "app/floor",
            "PSNR",
            "peak mem app",
            "naive",
            "floor",
        ),
        [
            (
                row["case"].name,
                row["case"].kind,
                row["format"],
                f"{row['size']} ({row['megapixels']:.1f} MP)",
                f"{row['bytes'] / 1e6:.2f} MB",
                f"{row['app_ms']:.0f} ms",
                f"{row['naive_ms']:.0f} ms" if "naive_ms" in row else "-",
                f"{row['floor_ms']:.0f} ms",
                f"{row['naive_over_app']:.2f}x" if "naive_over_app" in row else "-",
                f"{row['app_over_floor']:.2f}x",
                f"{row['psnr']:.1f} dB" if "psnr" in row else "-",
                mb(row.get("app_memory")),
                mb(row.get("naive_memory")),
                mb(row.get("floor_memory")),
            )
            for row in rows
        ],
    )
    print(
        "floor: the decoder alone (HEIC: libheif's decode of the primary image; JPEG: "
        "libjpeg-turbo at the app's DCT scale).\nPSNR: the app's display JPEG against the "
        "naive one (moved to sRGB when the photo has another profile, as the app does).\n"
        "peak mem: resident-set high-water mark above the idle process over two uploads "
        "(fresh process per photo)."
    )


def print_verdicts(rows: list[dict], profiles: dict[str, photo_profile.Profile]) -> None:
    print("\nTargets, file by file (every real phone photo of at least 6 MP):")
    judged = 0
    met_count = 0
    for row in rows:
        text, met = verdict(row)
        if met is None:
            continue
        judged += 1
        met_count += met
        figure = (
            f"{row['naive_over_app']:.2f}x naive"
            if row["format"] == "JPEG"
            else f"{row['app_over_floor']:.2f}x floor"
        )
        print(
            f"  {'MET ' if met else 'MISSED'}  {row['case'].name} ({row['format']}): {figure}, "
            f"PSNR {row['psnr']:.1f} dB, sizes {'same' if row['same_sizes'] else 'DIFFER'}, "
            f"metadata {'none' if row['no_metadata'] else 'PRESENT'}  (target {text})"
        )
        profile = profiles[row["case"].name]
        decoder = profile.median_ms("decode: the decoder")
        steps = profile.total_ms() - profile.median_ms(photo_profile.FILE_WRITES)
        print(
            f"          profile: the decoder's own work is {decoder:.0f} ms of the "
            f"{steps:.0f} ms process_photo's steps take run in turn ({decoder / steps:.0%}); "
            f"the rest is {steps - decoder:.0f} ms, partly overlapped in the app"
        )
        benchlib.record(
            "1 photos",
            f"{row['case'].name} ({row['format']}, {row['size']})",
            f"{row['app_ms']:.0f} ms, PSNR {row['psnr']:.1f} dB, peak {mb(row.get('app_memory'))}",
            f"naive {row['naive_ms']:.0f} ms ({row['naive_over_app']:.2f}x), "
            f"decoder {row['floor_ms']:.0f} ms ({row['app_over_floor']:.2f}x)",
            text.split(",")[0],
            met,
        )
    print(f"  {met_count} of {judged} met")


def profile_all(rows: list[dict], runs: int) -> dict[str, photo_profile.Profile]:
    return {
        row["case"].name: photo_profile.profile_upload(row["case"].read(), runs)
        for row in rows
        if row["case"].timed
    }


def print_profiles(rows: list[dict], profiles: dict[str, photo_profile.Profile], runs: int) -> None:
    print(f"\nWhere the time goes: per-step medians of {runs} uploads, ms (steps run in turn)")
    timed = [row for row in rows if row["case"].name in profiles]
    columns = [profiles[row["case"].name] for row in timed]
    header = ["step", *(f"{row['case'].name[:18]} ({row['format']})" for row in timed)]
    lines = []
    for step in photo_profile.STEPS:
        lines.append([step, *(f"{profile.median_ms(step):.1f}" for profile in columns)])
    lines.append(["sum of steps", *(f"{profile.total_ms():.1f}" for profile in columns)])
    lines.append(["app, overlapped (table)", *(f"{row['app_ms']:.1f}" for row in timed)])
    lines.append(["decoder alone (floor)", *(f"{row['floor_ms']:.1f}" for row in timed)])
    benchlib.print_table(header, lines)
    print(
        "decode: the decoder = libheif's decode inside the app (HEIC) or libjpeg-turbo's "
        "(JPEG, at the DCT scale). resize to display, HEIC:\nstraight from libheif's "
        "buffer, including unpacking the shortened rows into Pillow. file writes: the three "
        "files\nthrough FileStore (temporary name, fsync, rename), outside process_photo."
    )


def print_hostile(runs: int) -> None:
    print("\nHostile files (median of runs; tests/test_photos.py checks each outcome and memory)")
    cases = [
        ("30000x30000 1-bit PNG (900 MP, 110 KB)", photo_inputs.png_bomb_30000()),
        ("JPEG header declaring 65500x65500", photo_inputs.jpeg_header_only(65500, 65500)),
        ("64x48 JPEG whose GPS IFD points at itself", photo_inputs.looping_exif_jpeg()),
    ]
    lines = []
    for name, data in cases:
        times = []
        outcome = "accepted"
        for _ in range(runs):
            start = time.perf_counter()
            try:
                photos.process_photo(data)
            except photos.PhotoError as error:
                outcome = f"refused {error.status}"
            times.append(time.perf_counter() - start)
        lines.append((name, outcome, f"{statistics.median(times) * 1000:.1f} ms"))
    benchlib.print_table(("file", "outcome", "time"), lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="interleaved rounds per photo")
    parser.add_argument("--quick", action="store_true", help="3 rounds, no largest photos")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument(
        "--memory-of", nargs=2, metavar=("PATH", "PIPELINE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.memory_of:
        measure_memory(*args.memory_of)
        return
    runs = 3 if args.quick else args.runs

    cases = photo_inputs.cases(largest=not args.quick)
    print(f"Photo intake: {len(cases)} photos, {runs} interleaved rounds each")
    rows = []
    with benchlib.OtherWork() as other:
        for case in cases:
            print(f"  {case.name} …", flush=True)
            rows.append(measure(case, runs, memory=not args.no_memory))
        profile_runs = max(3, runs // 2)
        profiles = profile_all(rows, profile_runs)
    print_table(rows, runs)
    print(f"({other.note()})")
    print_verdicts(rows, profiles)
    print_profiles(rows, profiles, profile_runs)
    print_hostile(profile_runs)


if __name__ == "__main__":
    main()
