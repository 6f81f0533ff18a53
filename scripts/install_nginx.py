"""Make sure Debian's nginx is installed for the proxy test.

tests/test_proxy.py starts the app behind nginx with a configuration generated from
deploy/nginx/, as a production server would run, and fails (it does not skip) when nginx
is missing. As scripts/install_ogrinfo.py does for GDAL, this installs Debian's package
when run as root (CI); elsewhere it says what to run. The test runs its own nginx on a
free port: the package's own service is neither needed nor started by the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

PACKAGE = "nginx"
NGINX_PATHS = ("/usr/sbin/nginx",)


def installed() -> bool:
    return bool(shutil.which("nginx")) or any(os.path.exists(path) for path in NGINX_PATHS)


def main() -> int:
    if installed():
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"The proxy test needs nginx: run `sudo apt-get install -y {PACKAGE}`.",
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
