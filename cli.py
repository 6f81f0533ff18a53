"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from models import Borough, db


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_check)
    app.cli.add_command(uploads)


@click.command("setup-check")
@with_appcontext
def setup_check() -> None:
    """Check the database is migrated and tell a newcomer what to do next."""
    count = db.session.execute(db.select(db.func.count()).select_from(Borough)).scalar_one()
    if count != 33:
        raise click.ClickException(
            f"The borough table has {count} rows, not 33: run `flask --app app db upgrade`."
        )
    config = current_app.config
    click.echo("Hikwatch is ready: http://127.0.0.1:5000")
    click.echo("  Submit a camera:  http://127.0.0.1:5000/submit")
    click.echo("  About and data:   http://127.0.0.1:5000/about")
    if config["LEAFLET_SOURCE"] != "local":
        click.echo("  Maps load Leaflet from the CDN; offline, set FLASK_LEAFLET_SOURCE=local.")


@click.group(cls=AppGroup)
def uploads() -> None:
    """Manage uploaded photos."""


@uploads.command("sweep")
@click.option(
    "--older-than-hours",
    type=float,
    default=None,
    help="Age after which an unsubmitted upload is deleted (default: UPLOAD_MAX_AGE_HOURS).",
)
def sweep(older_than_hours: float | None) -> None:
    """Delete photos that were uploaded but never submitted as a report."""
    from submissions import sweep_unsubmitted

    hours = older_than_hours
    if hours is None:
        hours = float(current_app.config["UPLOAD_MAX_AGE_HOURS"])
    removed = sweep_unsubmitted(current_app.extensions["file_store"], hours)
    click.echo(f"Removed {removed} unsubmitted upload(s) older than {hours:g} hours.")
