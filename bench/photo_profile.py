"""Where an upload's time goes, step by step: photos.process_photo with each step timed.

The steps are the package's own functions, wrapped with a timer for the duration of a
`with profiled()` block, so what is timed is the code that runs in production. The two
pieces of work the pipeline overlaps (sha256 beside the decode; the thumbnail beside the
display image's encode) run one after the other here, so each step's time is its own and
the steps add up; the app's real time (overlapped) is shown beside their sum.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import imagehash
import pillow_heif.heif

from hikwatch.photos import decoding, pipeline, rendering
from hikwatch.storage import DISPLAY, ORIGINALS, THUMBS, FileStore

FILE_WRITES = "file writes (3, fsync)"  # outside process_photo: what a submission adds

# The order steps are printed in.
STEPS = [
    "sha256",
    "sniff",
    "container check (HEIF)",
    "open (header)",
    "decode: the decoder",
    "EXIF",
    "resize to display",
    "colour to sRGB",
    "orientation",
    "encode display",
    "resize to thumbnail",
    "encode thumbnail",
    "perceptual hash",
    FILE_WRITES,
]


def _one_after_the_other(first: Callable[[], Any], second: Callable[[], Any]) -> tuple:
    return first(), second()


class Profile:
    def __init__(self) -> None:
        self.runs: list[dict[str, float]] = []
        self._current: dict[str, float] = defaultdict(float)

    def add(self, step: str, seconds: float) -> None:
        self._current[step] += seconds

    def finish_run(self) -> None:
        self.runs.append(dict(self._current))
        self._current = defaultdict(float)

    def median_ms(self, step: str) -> float:
        return statistics.median(run.get(step, 0.0) for run in self.runs) * 1000

    def total_ms(self) -> float:
        return statistics.median(sum(run.values()) for run in self.runs) * 1000


def _timed(profile: Profile, original: Callable, name: Callable[..., str] | str) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            label = name(*args, **kwargs) if callable(name) else name
            profile.add(label, time.perf_counter() - start)

    return wrapper


@contextmanager
def profiled(profile: Profile, thumb_px: int = 400) -> Iterator[None]:
    """Time each step of process_photo into ``profile`` while the block runs."""

    def by_size(prefix_big: str, prefix_small: str) -> Callable[..., str]:
        def label(image: Any, size: Any = None, *args: Any, **kwargs: Any) -> str:
            measured = size if size is not None else image.size
            return prefix_small if max(measured) <= thumb_px else prefix_big

        return label

    heif_load = pillow_heif.heif.HeifImage.load
    patches = [
        (pipeline, "concurrently", _one_after_the_other),
        (rendering, "concurrently", _one_after_the_other),
        (pipeline, "sha256_hex", _timed(profile, pipeline.sha256_hex, "sha256")),
        (decoding, "sniff_format", _timed(profile, decoding.sniff_format, "sniff")),
        (
            decoding,
            "heif_is_complete",
            _timed(profile, decoding.heif_is_complete, "container check (HEIF)"),
        ),
        (decoding, "open_header", _timed(profile, decoding.open_header, "open (header)")),
        (decoding, "open_heif", _timed(profile, decoding.open_heif, "open (header)")),
        (decoding, "load_pixels", _timed(profile, decoding.load_pixels, "decode: the decoder")),
        (pillow_heif.heif.HeifImage, "load", _timed(profile, heif_load, "decode: the decoder")),
        (
            decoding,
            "shrink_rows_in_place",
            _timed(profile, decoding.shrink_rows_in_place, "resize to display"),
        ),
        (decoding, "finish_rows", _timed(profile, decoding.finish_rows, "resize to display")),
        (decoding, "read_exif", _timed(profile, decoding.read_exif, "EXIF")),
        (decoding, "read_exif_block", _timed(profile, decoding.read_exif_block, "EXIF")),
        (
            rendering,
            "shrink",
            _timed(profile, rendering.shrink, by_size("resize to display", "resize to thumbnail")),
        ),
        (rendering, "to_srgb", _timed(profile, rendering.to_srgb, "colour to sRGB")),
        (rendering, "upright", _timed(profile, rendering.upright, "orientation")),
        (
            rendering,
            "encode_jpeg",
            _timed(profile, rendering.encode_jpeg, by_size("encode display", "encode thumbnail")),
        ),
        (imagehash, "phash", _timed(profile, imagehash.phash, "perceptual hash")),
    ]
    with ExitStack() as stack:
        for owner, attribute, replacement in patches:
            stack.enter_context(mock.patch.object(owner, attribute, replacement))
        yield


def profile_upload(data: bytes, runs: int) -> Profile:
    """Median per-step times of ``runs`` uploads of ``data`` (after one warm-up)."""
    profile = Profile()
    with tempfile.TemporaryDirectory() as folder, profiled(profile):
        store = FileStore(folder)
        for run in range(runs + 1):
            processed = pipeline.process_photo(data)
            start = time.perf_counter()
            for kind, payload, extension in (
                (ORIGINALS, data, processed.extension),
                (DISPLAY, processed.display_jpeg, "jpg"),
                (THUMBS, processed.thumb_jpeg, "jpg"),
            ):
                store.write(store.new_name(kind, extension), payload)
            profile.add(FILE_WRITES, time.perf_counter() - start)
            if run == 0:
                profile._current.clear()  # the warm-up
                continue
            profile.finish_run()
    return profile
