"""`flask --app app postcodes check`: the borough boundaries against the ONS's postcodes."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hikwatch import postcodes
from hikwatch.postcode_geography import compare

DISTANCE_BANDS_M = (1, 5, 10, 50, 100)


@click.group("postcodes", cls=AppGroup)
def postcodes_group() -> None:
    """London's postcodes (ONS Postcode Directory), built by scripts/build_postcodes.py."""


@postcodes_group.command("check")
@click.option("--show", default=30, show_default=True, help="Disagreements to list (0: every one).")
def check(show: int) -> None:
    """Locate every London postcode with the borough boundaries and compare with the ONS.

    Lists where the two disagree, farthest from a boundary first.
    """
    path = current_app.config["POSTCODES_FILE"]
    try:
        directory = postcodes.load(path)
    except FileNotFoundError:
        raise click.ClickException(
            f"No postcode file at {path}: run `python scripts/build_postcodes.py`."
        ) from None
    index = current_app.extensions["borough_index"]
    result = compare(directory, index)
    meta = directory.metadata
    click.echo(
        f"{result.total:,} London postcodes (ONS Postcode Directory, {meta.get('edition')}, "
        f"from {meta.get('source')} {meta.get('source_version')})."
    )
    click.echo(
        f"The ONS's local authority and the borough boundaries agree on {result.agreeing:,} "
        f"({result.share:.4%}); they disagree on {len(result.disagreements):,}, "
        f"{result.outside_london():,} of them outside all 33 areas."
    )
    if not result.disagreements:
        return
    bands = ", ".join(f"≤ {m} m: {result.within(m):,}" for m in DISTANCE_BANDS_M)
    click.echo(f"Disagreements by distance to the nearest boundary: {bands}.")
    listed = result.disagreements if show == 0 else result.disagreements[:show]

    def name(code: str | None) -> str:
        borough = index.by_code(code) if code else None
        return borough.name if borough else (code or "outside London")

    click.echo(f"{'postcode':<9} {'ONS says':<24} {'boundaries say':<24} {'lat, lon':<21} to edge")
    for row in listed:
        click.echo(
            f"{row.postcode:<9} {name(row.ons_code):<24} {name(row.index_code):<24} "
            f"{row.lat:.6f}, {row.lon:.6f}  {row.boundary_m:.1f} m"
        )
    if len(listed) < len(result.disagreements):
        click.echo(f"… and {len(result.disagreements) - len(listed):,} more (--show 0 lists all).")
