"""What campaigners track per borough, and the dated snapshots they cite."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hikwatch.vocab import FoiFinding, MotionStatus
from models import Model, utcnow


class BoroughCampaign(Model):
    """The current campaign record of one borough; its history is in the audit trail."""

    __tablename__ = "borough_campaign"

    borough_code: Mapped[str] = mapped_column(ForeignKey("borough.code"), primary_key=True)
    motion_status: Mapped[str] = mapped_column(String(12), default=MotionStatus.NONE)
    motion_date: Mapped[date | None]
    motion_source_url: Mapped[str | None] = mapped_column(String(500))
    timetable_target: Mapped[date | None]
    timetable_scope: Mapped[str | None] = mapped_column(Text)
    timetable_source_url: Mapped[str | None] = mapped_column(String(500))
    foi_finding: Mapped[str] = mapped_column(String(8), default=FoiFinding.UNKNOWN)
    foi_date: Mapped[date | None]
    foi_source: Mapped[str | None] = mapped_column(String(300))
    foi_source_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Snapshot(Model):
    """Every borough's counts frozen at one moment, with the camera ids behind each count.

    Immutable: written once, never updated; `payload_sha256` lets anyone check it. Named by
    its UTC time (`2026-12-02T09-41Z`), so several can be taken in a day.
    """

    __tablename__ = "snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(24), unique=True)
    # The London day it was taken on, for people (and for links cited before names).
    taken_on: Mapped[date] = mapped_column(index=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_sha256: Mapped[str] = mapped_column(String(64))
