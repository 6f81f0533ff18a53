"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from models import Borough, db


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_check)
    app.cli.add_command(uploads)

    from hikwatch.maintenance.backup import backup_command, restore_command
    from hikwatch.maintenance.integrity import storage

    app.cli.add_command(storage)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(snapshots_group)
    app.cli.add_command(boroughs_group)

    from hikwatch.cli.users import users

    app.cli.add_command(users)

    from hikwatch.cli.postcodes import postcodes_group

    app.cli.add_command(postcodes_group)


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
    from hikwatch.cli.users import FIRST_ADMIN_COMMAND, no_admin_yet

    if no_admin_yet():
        click.echo("No admin account yet. Create one (it asks for a password), then log in at")
        click.echo("http://127.0.0.1:5000/login to moderate:")
        click.echo(f"  {FIRST_ADMIN_COMMAND}")


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
    from hikwatch.submissions import sweep_unsubmitted

    hours = older_than_hours
    if hours is None:
        hours = float(current_app.config["UPLOAD_MAX_AGE_HOURS"])
    removed = sweep_unsubmitted(current_app.extensions["file_store"], hours)
    click.echo(f"Removed {removed} unsubmitted upload(s) older than {hours:g} hours.")


@click.group("snapshots", cls=AppGroup)
def snapshots_group() -> None:
    """Dated, immutable snapshots of every borough's counts."""


@snapshots_group.command("take")
def take_snapshot() -> None:
    """Freeze today's counts and the camera ids behind them (one snapshot per day)."""
    from hikwatch.evidence import snapshots

    try:
        snapshot = snapshots.take(db.session, user_id=None)
    except snapshots.SnapshotExists as exists:
        raise click.ClickException(str(exists)) from None
    totals = snapshot.payload["totals"]
    click.echo(
        f"Snapshot {snapshot.taken_on.isoformat()} taken: {totals['active']} active cameras, "
        f"sha256 {snapshot.payload_sha256}."
    )


@click.group("boroughs", cls=AppGroup)
def boroughs_group() -> None:
    """The 33 council areas."""


@boroughs_group.command("reassign")
@click.option("--dry-run", is_flag=True, help="Report what would change without saving.")
def reassign_boroughs(dry_run: bool) -> None:
    """Re-assign every camera and report to a borough from the loaded boundaries.

    Run after replacing data/london_boroughs.geojson (and restarting), e.g. after a
    boundary review.
    """
    from hikwatch import audit
    from hikwatch.maintenance.borough_assignment import reassign
    from models import Camera, Sighting

    index = current_app.extensions["borough_index"]
    for label, model in (("cameras", Camera), ("reports", Sighting)):
        result = reassign(db.session, index, model, dry_run=dry_run)
        moved = sum(result.changed.values())
        click.echo(f"{label}: {result.checked} checked, {moved} moved to another borough.")
        for change, count in sorted(result.changed.items()):
            click.echo(f"  {change}: {count}")
        if result.outside:
            shown = ", ".join(str(i) for i in result.outside[:20])
            click.echo(
                f"  {len(result.outside)} now outside every borough (left unchanged; "
                f"check them): {shown}{' …' if len(result.outside) > 20 else ''}"
            )
        if moved and not dry_run:
            audit.record(
                None,
                f"boroughs.reassign.{label}",
                "borough",
                "*",
                after={"changed": result.changed, "outside": result.outside[:1000]},
            )
            db.session.commit()
