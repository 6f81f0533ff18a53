"""`flask --app app exports build [--if-stale] [--base-url URL]`: the open-data files now.

Run at setup (so the first visitor gets a file, not a 503), after an import, or from a
timer when EXPORTS_AUTO_BUILD is off. It waits for a build already running elsewhere
rather than racing it, and builds from one consistent read of the database.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from hikwatch.web.export_serving import build_now


@click.group("exports", cls=AppGroup)
def exports_group() -> None:
    """The full open-data exports, built as files."""


@exports_group.command("build")
@click.option("--if-stale", is_flag=True, help="Only if missing or older than the data.")
@click.option(
    "--base-url",
    default=None,
    help="The site's public address for camera links (default: EXPORTS_BASE_URL, else the "
    "address the last build used, else http://localhost/).",
)
def build_command(if_stale: bool, base_url: str | None) -> None:
    """Build every export file (and its .gz) from the data as it is now."""
    manifest = build_now(if_stale=if_stale, base=base_url)
    folder = Path(current_app.config["EXPORTS_FOLDER"])
    if manifest is None:
        click.echo(f"Exports are up to date in {folder}.")
        return
    sizes = ", ".join(
        f"{name} {(folder / path).stat().st_size / 1e6:,.1f} MB"
        for name, path in manifest.files.items()
    )
    click.echo(f"Exports built in {manifest.seconds:.1f} s into {folder}: {sizes}.")
