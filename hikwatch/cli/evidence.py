"""`flask --app app snapshots take`: freeze today's counts from the server's console."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hikwatch.errors import SnapshotExists
from hikwatch.evidence import snapshots
from models import db


@click.group("snapshots", cls=AppGroup)
def snapshots_group() -> None:
    """Dated, immutable snapshots of every borough's counts."""


@snapshots_group.command("take")
def take_snapshot() -> None:
    """Freeze today's counts and the camera ids behind them (one snapshot per day)."""
    try:
        snapshot = snapshots.take(db.session, user_id=None)
    except SnapshotExists as exists:
        raise click.ClickException(str(exists)) from None
    totals = snapshot.payload["totals"]
    click.echo(
        f"Snapshot {snapshot.taken_on.isoformat()} taken: {totals['active']} active cameras, "
        f"sha256 {snapshot.payload_sha256}."
    )
