"""How fresh the evidence for each camera is: cameras that need a fresh photo.

A camera's `first_seen` is the earliest day a resident saw it and `last_confirmed` the
latest approved sighting or re-check. A camera counted today (verified or unconfirmed)
whose last confirmation is older than RECHECK_MONTHS "needs a fresh photo": it still
counts, because the figures are a known minimum, but campaigners see which evidence to
renew before citing it. Flask-free: callers pass today's date and the number of months.
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from hikwatch.evidence.counts import COUNT_KINDS, figures_of
from hikwatch.vocab import Count
from models import Camera, DbSession

# The figures of cameras in place: the ones a fresh photo can still confirm.
IN_PLACE = (Count.VERIFIED, Count.UNCONFIRMED)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def cutoff(today: date, months: int) -> date:
    """Cameras last confirmed before this day need a fresh photo."""
    return months_before(today, months)


def needs_photo_where(borough_code: str, before: date) -> list[ColumnElement[bool]]:
    in_place = or_(*(and_(*COUNT_KINDS[key].where()) for key in IN_PLACE))
    return [Camera.borough_code == borough_code, in_place, Camera.last_confirmed < before]


def needs_photo_query(borough_code: str, before: date) -> Select:
    """The borough's cameras in place not confirmed since `before`, stalest first."""
    return (
        select(Camera)
        .where(*needs_photo_where(borough_code, before))
        .order_by(Camera.last_confirmed, Camera.id)
    )


def needs_photo_count(session: DbSession, borough_code: str, before: date) -> int:
    return session.execute(
        select(func.count()).select_from(Camera).where(*needs_photo_where(borough_code, before))
    ).scalar_one()


def needs_photo(camera: Camera, before: date) -> bool:
    """The same test for one camera, for its public page."""
    in_place = any(key in IN_PLACE for key in figures_of(camera))
    return in_place and camera.last_confirmed < before
