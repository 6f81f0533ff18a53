"""London time: the one clock residents, moderators and campaigners think in.

The database stores naive UTC (`models.utcnow`), because SQLite drops time zones. Every
date or time a person sees, and every "today", is London's: a photo taken at 00:30 on
a summer night belongs to the new day even though UTC is still on the old one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def in_london(moment_utc: datetime) -> datetime:
    """The London wall-clock time at a naive-UTC moment, as the database stores them."""
    return moment_utc.replace(tzinfo=UTC).astimezone(LONDON)


def london_today() -> date:
    """Today's date in London, whatever time zone the server runs in."""
    return datetime.now(LONDON).date()


def london_date(moment_utc: datetime) -> date:
    """The calendar day in London at a naive-UTC moment (what campaigners call 'today')."""
    return in_london(moment_utc).date()


def start_of_london_day(day: date) -> datetime:
    """Naive UTC, as stored, of midnight in London (the dates admins think in)."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def london_clock(moment_utc: datetime) -> str:
    """'14:05' in London time, from the naive UTC the database stores."""
    return in_london(moment_utc).strftime("%H:%M")


def london_datetime(moment_utc: datetime | None) -> str:
    """'3 Jun 2026 00:30' in London time; '' for no moment."""
    if moment_utc is None:
        return ""
    return in_london(moment_utc).strftime("%-d %b %Y %H:%M")
