"""Fetch pinned front-end packages from the npm registry into static/vendor/.

Third-party code is never committed: this script downloads the exact tarball,
checks it against the integrity hash pinned here (the registry's own sha512),
and unpacks only the files the app serves. Python does the work so a fresh
machine needs no Node.js.

    python scripts/vendor_assets.py            # what the app serves (Leaflet, Swagger UI)
    python scripts/vendor_assets.py --test     # plus what the browser tests use (axe-core)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

# name, version, sha512 integrity (from `npm view NAME@VERSION dist.integrity`), files to keep
PACKAGES = {
    "leaflet": (
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/", "LICENSE"),
    ),
    # The /api/docs page.
    "swagger-ui-dist": (
        "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"),
    ),
}
TEST_PACKAGES = {
    "axe-core": (
        "4.10.3",
        "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==",
        ("axe.min.js", "LICENSE"),
    ),
}


def registry_url() -> str:
    # Honour an npm mirror when one is configured, as npm itself would.
    return (os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org/").rstrip("/")


def fetch(name: str, version: str, integrity: str, keep: tuple[str, ...]) -> None:
    target = VENDOR / f"{name}-{version}"
    stamp = target / ".integrity"
    if stamp.exists() and stamp.read_text() == integrity:
        return
    url = f"{registry_url()}/{name}/-/{name}-{version}.tgz"
    print(f"vendor: fetching {name}@{version}", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as response:
        tarball = response.read()
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(f"vendor: {name}@{version} failed its integrity check; refusing it")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member in archive.getmembers():
            relative = member.name.removeprefix("package/")
            if not member.isfile() or not wanted_file(relative, keep):
                continue
            # Flatten dist/ so URLs read vendor/leaflet-1.9.4/leaflet.js.
            destination = target / relative.removeprefix("dist/")
            if not destination.resolve().is_relative_to(target.resolve()):
                raise SystemExit(f"vendor: unsafe path {member.name!r} in {name}")
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.extractfile(member).read())
    stamp.write_text(integrity)


def wanted_file(relative: str, keep: tuple[str, ...]) -> bool:
    """Entries ending in '/' keep a folder; others name one exact file."""
    return any(relative.startswith(k) if k.endswith("/") else relative == k for k in keep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="also fetch test-only packages")
    args = parser.parse_args()
    wanted = dict(PACKAGES)
    if args.test:
        wanted.update(TEST_PACKAGES)
    for name, (version, integrity, keep) in wanted.items():
        fetch(name, version, integrity, keep)


if __name__ == "__main__":
    main()
