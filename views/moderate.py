"""The moderators' side: the queue of pending reports and the decisions on them."""

from __future__ import annotations

from flask import Blueprint, render_template

from auth import moderator_required
from models import Sighting, db

bp = Blueprint("moderate", __name__, url_prefix="/moderate")


@bp.get("/")
@moderator_required
def queue():
    """Pending reports, oldest first."""
    pending = (
        db.session.execute(
            db.select(Sighting).filter_by(status="pending").order_by(Sighting.created_at)
        )
        .scalars()
        .all()
    )
    return render_template("moderate/queue.html", sightings=pending)
