"""Every setting is documented: the README's configuration table lists each key."""

from __future__ import annotations

import re
from pathlib import Path

from hikwatch import config

README = Path(__file__).resolve().parent.parent / "README.md"
# Set at start-up when not configured (a random key kept in instance/), so not a default.
COMPUTED_DEFAULTS = {"SECRET_KEY"}


def documented_keys() -> set[str]:
    """Every FLASK_<KEY> named in the rows of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `FLASK_")]
    return {key for row in rows for key in re.findall(r"`FLASK_([A-Z0-9_]+)`", row)}


def test_every_setting_is_in_the_readme_table():
    settings = set(config.defaults("instance")) - config.INTERNAL_KEYS
    assert sorted(settings - documented_keys()) == []


def test_the_readme_table_lists_only_real_settings():
    settings = set(config.defaults("instance")) | COMPUTED_DEFAULTS
    assert sorted(documented_keys() - settings) == []
