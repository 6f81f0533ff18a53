"""Dated, immutable snapshots of every borough's counts: list, take, show, download."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from hikwatch.errors import SnapshotExists
from hikwatch.evidence import exports, snapshots
from hikwatch.security.accounts import admin_required
from hikwatch.web.evidence_support import borough_or_404
from models import db

bp = Blueprint("snapshots", __name__)

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def snapshot_or_404(day: str):
    parsed = None
    if DAY.match(day):
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            parsed = None
    snapshot = snapshots.by_day(db.session, parsed) if parsed else None
    if snapshot is None:
        abort(404, "There is no snapshot for that date. See the list of snapshots.")
    return snapshot


@bp.get("/snapshots")
def index():
    """Every snapshot, newest first; admins can take today's."""
    return render_template("snapshots/index.html", snapshots=snapshots.listing(db.session))


@bp.post("/snapshots")
@admin_required
def take():
    try:
        snapshot = snapshots.take(db.session, current_user.id)
    except SnapshotExists as exists:
        flash(str(exists), "error")
        return redirect(url_for("snapshots.index")), 303
    flash(f"Snapshot for {snapshot.taken_on.isoformat()} taken.", "success")
    return redirect(url_for("snapshots.show", day=snapshot.taken_on.isoformat()), 303)


@bp.get("/snapshots/<day>")
def show(day: str):
    """One snapshot as it was taken: it never changes."""
    snapshot = snapshot_or_404(day)
    return render_template(
        "snapshots/show.html",
        snapshot=snapshot,
        payload=snapshot.payload,
        intact=snapshots.verified(snapshot),
    )


@bp.get("/snapshots/<day>.json")
def download_json(day: str):
    """The canonical JSON whose SHA-256 the snapshot page states."""
    snapshot = snapshot_or_404(day)
    response = Response(snapshots.canonical_json(snapshot.payload), mimetype="application/json")
    response.headers["Content-Disposition"] = f'inline; filename="hikwatch-snapshot-{day}.json"'
    response.headers["Link"] = f'<{exports.DATA_LICENCE_URL}>; rel="license"'
    return response


@bp.get("/snapshots/<day>.csv")
def download_csv(day: str):
    snapshot = snapshot_or_404(day)
    document = exports.csv_document(snapshots.csv_preamble(snapshot), snapshots.csv_rows(snapshot))
    response = Response(document, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="hikwatch-snapshot-{day}.csv"'
    response.headers["Link"] = f'<{exports.DATA_LICENCE_URL}>; rel="license"'
    return response


@bp.get("/snapshots/<day>/<slug>")
def borough_ids(day: str, slug: str):
    """The camera ids behind one borough's figures in a snapshot."""
    snapshot = snapshot_or_404(day)
    borough = borough_or_404(slug)
    row = next((b for b in snapshot.payload["boroughs"] if b["code"] == borough.code), None)
    if row is None:
        abort(404, "That borough is not in this snapshot.")
    return render_template("snapshots/borough.html", snapshot=snapshot, row=row)
