"""Immutable snapshots of every borough's counts: list, take, show, download.

Each is at /snapshots/<name>, its UTC time (2026-12-02T09-41Z). Links cited when snapshots
were one a day, /snapshots/<date>, move permanently to that day's first snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from hikwatch.errors import SnapshotExists
from hikwatch.evidence import exports, snapshots
from hikwatch.security.accounts import admin_required
from hikwatch.web.evidence_support import borough_or_404, with_licence
from hikwatch.web.export_serving import request_build
from models import Snapshot, db

bp = Blueprint("snapshots", __name__)

NOT_FOUND = "There is no snapshot of that name. See the list of snapshots."


def snapshot_or_404(name: str) -> Snapshot:
    snapshot = snapshots.by_name(db.session, name) if snapshots.NAME.match(name) else None
    if snapshot is None:
        abort(404, NOT_FOUND)
    return snapshot


def cited_by_day(name: str, endpoint: str, **values: Any) -> BaseResponse | None:
    """A 301 from an address by date (one snapshot a day) to that day's first snapshot."""
    try:
        day = date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        day = None
    snapshot = snapshots.first_of_day(db.session, day) if day else None
    if snapshot is None:
        return None
    return redirect(url_for(endpoint, name=snapshot.name, **values), 301)


def resolve(name: str, endpoint: str, **values: Any) -> Snapshot | BaseResponse:
    moved = cited_by_day(name, endpoint, **values)
    return moved if moved is not None else snapshot_or_404(name)


@bp.get("/snapshots")
def index():
    """Every snapshot, newest first; admins can take one."""
    return render_template("snapshots/index.html", snapshots=snapshots.listing(db.session))


@bp.post("/snapshots")
@admin_required
def take():
    try:
        snapshot = snapshots.take(db.session, current_user.id)
    except SnapshotExists as exists:
        flash(exists.message, "error")
        return redirect(url_for("snapshots.index")), 303
    request_build(now=True)  # the open-data files as of the snapshot, without the wait
    flash(f"Snapshot {snapshot.name} taken.", "success")
    return redirect(url_for("snapshots.show", name=snapshot.name), 303)


@bp.get("/snapshots/<name>")
def show(name: str):
    """One snapshot as it was taken: it never changes."""
    found = resolve(name, "snapshots.show")
    if isinstance(found, BaseResponse):
        return found
    return render_template(
        "snapshots/show.html",
        snapshot=found,
        payload=found.payload,
        keys=snapshots.figure_keys(found.payload),
        intact=snapshots.verified(found),
    )


@bp.get("/snapshots/<name>.json")
def download_json(name: str):
    """The canonical JSON whose SHA-256 the snapshot page states."""
    found = resolve(name, "snapshots.download_json")
    if isinstance(found, BaseResponse):
        return found
    response = Response(snapshots.canonical_json(found.payload), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'inline; filename="hikwatch-snapshot-{found.name}.json"'
    )
    return with_licence(response)


@bp.get("/snapshots/<name>.csv")
def download_csv(name: str):
    """Every borough's figures and camera ids, RFC 4180 with the header first."""
    found = resolve(name, "snapshots.download_csv")
    if isinstance(found, BaseResponse):
        return found
    response = Response(exports.csv_document(snapshots.csv_rows(found)), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hikwatch-snapshot-{found.name}.csv"'
    )
    return with_licence(response)


@bp.get("/snapshots/<name>/<slug>")
def borough_ids(name: str, slug: str):
    """The camera ids behind one borough's figures in a snapshot."""
    found = resolve(name, "snapshots.borough_ids", slug=slug)
    if isinstance(found, BaseResponse):
        return found
    borough = borough_or_404(slug)
    row = snapshots.borough_row(found.payload, borough.code)
    if row is None:
        abort(404, "That borough is not in this snapshot.")
    return render_template("snapshots/borough.html", snapshot=found, row=row)
