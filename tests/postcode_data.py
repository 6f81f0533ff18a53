"""The built London postcode file for tests that need the real data (loaded by conftest).

`make test` builds it before pytest; a bare `pytest` on a fresh clone builds it here, the
same way, from the installed ONS Postcode Directory package (offline, a few seconds).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hikwatch import postcodes

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_postcodes.py"


@pytest.fixture(scope="session")
def london_postcodes() -> postcodes.PostcodeDirectory:
    """The real directory at postcodes.DEFAULT_PATH, which the test apps read too."""
    subprocess.run([sys.executable, str(BUILD_SCRIPT)], check=True)
    return postcodes.load(postcodes.DEFAULT_PATH)
