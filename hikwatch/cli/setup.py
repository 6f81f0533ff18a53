"""`flask --app app setup-check`: is this install ready, and what should a newcomer do next?"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from hikwatch.cli.users import FIRST_ADMIN_COMMAND
from hikwatch.moderation.staff import no_admin_yet
from models import Borough, db


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
    if no_admin_yet():
        click.echo("No admin account yet. Create one (it asks for a password), then log in at")
        click.echo("http://127.0.0.1:5000/login to moderate:")
        click.echo(f"  {FIRST_ADMIN_COMMAND}")
