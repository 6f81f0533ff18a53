"""`flask --app app snapshots take`: freeze the counts now, from the server's console."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hikwatch.errors import SnapshotExists
from hikwatch.evidence import counts, snapshots
from hikwatch.web.export_serving import request_build
from models import db


@click.group("snapshots", cls=AppGroup)
def snapshots_group() -> None:
    """Dated, immutable snapshots of every borough's counts."""


@snapshots_group.command("take")
def take_snapshot() -> None:
    """Freeze the counts and the camera ids behind them, named by the UTC minute."""
    try:
        snapshot = snapshots.take(db.session, user_id=None)
    except SnapshotExists as exists:
        raise click.ClickException(str(exists)) from None
    request_build(now=True)  # the open-data files as of the snapshot, without the wait
    totals = snapshot.payload["totals"]
    figures = ", ".join(
        f"{totals[key]} {kind.label.lower()}" for key, kind in counts.COUNT_KINDS.items()
    )
    click.echo(f"Snapshot {snapshot.name} taken: {figures}; sha256 {snapshot.payload_sha256}.")
