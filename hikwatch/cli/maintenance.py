"""Keeping an installation whole from the server's console (the logic is in
hikwatch.maintenance and hikwatch.submissions):

- `uploads sweep`: delete photos uploaded but never submitted;
- `storage check [--fix]`: do the photo store (folder or bucket) and the database agree?
- `backup DEST` / `restore SRC [--replace]`: the database and the photos together;
- `boroughs reassign [--dry-run]`: every camera and report again, after a boundary change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from hikwatch.maintenance.backup import BackupError, make_backup, restore_backup
from hikwatch.maintenance.borough_assignment import reassign_everything
from hikwatch.maintenance.integrity import DEFAULT_GRACE_MINUTES, check_storage
from hikwatch.storage import FileStore
from hikwatch.submissions import sweep_unsubmitted
from models import db


def file_store() -> FileStore:
    return current_app.extensions["file_store"]


# ---------------------------------------------------------------- uploads


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
    hours = older_than_hours
    if hours is None:
        hours = float(current_app.config["UPLOAD_MAX_AGE_HOURS"])
    removed = sweep_unsubmitted(file_store(), hours)
    click.echo(f"Removed {removed} unsubmitted upload(s) older than {hours:g} hours.")


# ---------------------------------------------------------------- storage


@click.group("storage", cls=AppGroup)
def storage() -> None:
    """Check that the photo store (folder or bucket) and the database agree."""


@storage.command("check")
@click.option(
    "--fix",
    is_flag=True,
    help="Delete orphaned and temporary files, and "
    "unsubmitted photo rows whose files are missing. Never deletes a report.",
)
@click.option(
    "--grace-minutes",
    type=float,
    default=DEFAULT_GRACE_MINUTES,
    show_default=True,
    help="Ignore unreferenced files younger than this (the app may be about to commit them).",
)
def check_command(fix: bool, grace_minutes: float) -> None:
    """Report orphaned files, stray temporary files and photo rows whose files are missing.

    Exits with status 1 while a problem remains, so a scheduler can alert on it.
    """
    store = file_store()
    report = check_storage(store, fix=fix, grace_seconds=grace_minutes * 60)
    click.echo(
        f"Checked {report.photos_checked} photo row(s) and {report.files_checked} file(s) "
        f"in {store.location}."
    )
    for relative in report.orphans:
        click.echo(f"orphaned file: {relative}")
    for relative in report.temporary:
        click.echo(f"temporary file: {relative}")
    for item in report.missing:
        kind = "photo of a report" if item.in_use else "unsubmitted upload"
        click.echo(f"missing files for photo {item.photo_id} ({kind}): {', '.join(item.paths)}")
    if report.too_recent:
        click.echo(
            f"{len(report.too_recent)} unreferenced file(s) younger than {grace_minutes:g} "
            "minutes left alone (possibly being saved right now)."
        )
    if fix:
        click.echo(
            f"Deleted {len(report.deleted_files)} file(s) and "
            f"{len(report.deleted_photo_ids)} unsubmitted photo row(s)."
        )
        unresolved = report.unresolved
        for item in unresolved:
            click.echo(
                f"NOT FIXED: photo {item.photo_id} belongs to a report; restore its files "
                "from a backup (`flask --app app restore`)."
            )
        if unresolved:
            raise SystemExit(1)
        click.echo("Storage and database agree.")
        return
    if report.problems:
        click.echo(f"{report.problems} problem(s); run with --fix to repair what is safe.")
        raise SystemExit(1)
    click.echo("Storage and database agree.")


# ---------------------------------------------------------------- backup and restore


@contextmanager
def backup_refusals() -> Iterator[None]:
    """A refused backup or restore ends the command with its reason (exit status 1)."""
    try:
        yield
    except BackupError as error:
        raise click.ClickException(str(error)) from None


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Back up the database and uploaded photos into DESTINATION (a new folder).

    Safe while the app is serving. Keep backups off this machine.
    """
    with backup_refusals():
        manifest = make_backup(destination, file_store())
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Backed up {rows} row(s) in {len(manifest['row_counts'])} table(s) and "
        f"{len(manifest['uploads'])} file(s) to {destination}."
    )
    for relative in manifest["vanished_during_backup"]:
        click.echo(f"deleted while backing up (not in this backup): {relative}")


@click.command("restore")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore_command(source: Path, replace: bool) -> None:
    """Restore a backup made by `flask backup`, after checking every file's sha256.

    Stop the app first. Photos in the store that the backup does not know are left
    where they are: `flask storage check --fix` removes them.
    """
    with backup_refusals():
        manifest = restore_backup(source, file_store(), replace=replace)
    rows = sum(manifest["row_counts"].values())
    click.echo(
        f"Restored {rows} row(s) and {len(manifest['uploads'])} file(s) from {source}; "
        "every checksum and row count matched."
    )


# ---------------------------------------------------------------- boroughs


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
    index = current_app.extensions["borough_index"]
    for label, result in reassign_everything(db.session, index, dry_run=dry_run).items():
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
