"""What the moderators' and admins' blueprints share: the acting user, time display, errors."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask_login import current_user

from hikwatch.clock import london_clock, london_datetime
from models import User, utcnow

# The blueprints behind moderator and admin logins; the role test walks all of them.
STAFF_BLUEPRINTS = ("moderate", "moderate_photos", "moderate_cameras", "moderate_removals", "admin")


def acting_user() -> User:
    """The logged-in moderator or admin as a model instance (not the proxy)."""
    return current_user._get_current_object()


def age(moment: datetime | None) -> str:
    """How long ago, in the largest sensible unit: '5 min', '3 h', '2 days'."""
    if moment is None:
        return ""
    seconds = max(0, (utcnow() - moment).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def install(bp: Blueprint) -> None:
    """App-wide template filters, registered with the moderate blueprint."""
    bp.app_template_filter("london_time")(lambda moment: london_clock(moment) if moment else "")
    bp.app_template_filter("london_datetime")(london_datetime)
    bp.app_template_filter("age")(age)
