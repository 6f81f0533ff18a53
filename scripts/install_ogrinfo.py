"""Make sure GDAL's `ogrinfo` is installed for the open-data tests.

The tests read the CSV and GeoJSON exports with `ogrinfo`, as a GIS user would, and fail
(they do not skip) when it is missing. As scripts/install_browser.py does for Chromium,
this installs Debian's package when run as root (CI); elsewhere it says what to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

PACKAGE = "gdal-bin"


def main() -> int:
    if shutil.which("ogrinfo"):
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"The open-data tests need ogrinfo: run `sudo apt-get install -y {PACKAGE}`.",
            file=sys.stderr,
        )
        return 0
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE],
        check=True,
        env=env,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
