"""Claims on removal reports, and what any open report page shows about its claim.

Opening a pending removal report reserves it for one moderator for a few minutes, as
camera reports are (hikwatch.moderation.decisions): a claim and a decision are both taken
with one conditional UPDATE, so two moderators racing for the same report cannot both
succeed, and the second learns it on opening the page rather than after typing a note.

`ClaimState` is what an open report page polls for, so a claim taken or released by
someone else shows within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update

from hikwatch import audit
from hikwatch.clock import london_clock
from hikwatch.errors import ModerationError
from hikwatch.vocab import AuditAction, AuditObject, RemovalStatus
from models import RemovalReport, Sighting, User, db, utcnow

# Both kinds of report call their undecided state "pending".
PENDING = RemovalStatus.PENDING


def holder_id(report: Sighting | RemovalReport, now: datetime | None = None) -> int | None:
    """The moderator whose claim on this report has not yet run out, if any."""
    now = now or utcnow()
    if report.status != PENDING or report.claimed_by_id is None:
        return None
    if report.claimed_until is None or report.claimed_until <= now:
        return None
    return report.claimed_by_id


def _reserve_removal(report_id: int, user: User, until: datetime, now: datetime) -> bool:
    statement = (
        update(RemovalReport)
        .where(
            RemovalReport.id == report_id,
            RemovalReport.status == RemovalStatus.PENDING,
            or_(
                RemovalReport.claimed_by_id.is_(None),
                RemovalReport.claimed_by_id == user.id,
                RemovalReport.claimed_until.is_(None),
                RemovalReport.claimed_until <= now,
            ),
        )
        .values(claimed_by_id=user.id, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    return result.rowcount == 1


def claim_removal(report: RemovalReport, user: User, minutes: float) -> bool:
    """Reserve a pending removal report for `user` (renewing their own claim); False if
    someone else holds it or it is decided. Only a newly taken claim is audited."""
    now = utcnow()
    previous = holder_id(report, now)
    won = _reserve_removal(report.id, user, now + timedelta(minutes=minutes), now)
    db.session.refresh(report)
    if won and previous != user.id:
        audit.record(
            user,
            AuditAction.REMOVAL_CLAIM,
            AuditObject.REMOVAL_REPORT,
            report.id,
            after={"claimed_until": audit.json_safe(report.claimed_until)},
        )
    return won


def release_removal(report: RemovalReport, user: User) -> None:
    """Give up one's own claim so another moderator can pick the report up at once."""
    if holder_id(report) != user.id:
        return
    report.claimed_by_id = None
    report.claimed_until = None
    audit.record(user, AuditAction.REMOVAL_RELEASE, AuditObject.REMOVAL_REPORT, report.id)


def take_removal_for_decision(report_id: int, user: User) -> RemovalReport:
    """The pending removal report, reserved for this decision; 404 if there is none, 409 if
    it is decided or another moderator holds it."""
    now = utcnow()
    won = _reserve_removal(report_id, user, now + timedelta(minutes=1), now)
    report = db.session.get(RemovalReport, report_id, populate_existing=True)
    if report is None:
        raise ModerationError(404, "There is no such removal report.")
    if not won:
        if report.status != RemovalStatus.PENDING:
            raise ModerationError(
                409, f"This removal report was already decided ({report.status})."
            )
        raise ModerationError(409, state_of(report, user).message)
    return report


@dataclass(frozen=True)
class ClaimState:
    """Who holds a report, as the moderator looking at it should see it."""

    status: str
    holder: User | None
    until: datetime | None
    mine: bool

    @property
    def can_decide(self) -> bool:
        return self.status == PENDING and (self.holder is None or self.mine)

    @property
    def message(self) -> str:
        until = london_clock(self.until) if self.until else "soon"
        if self.status != PENDING:
            return f"This report was decided meanwhile ({self.status}). Reload to see how."
        if self.holder is None:
            return "Nobody is checking this report right now."
        if self.mine:
            return f"You are checking this report until {until}; others see it as taken."
        return (
            f"Being checked by {self.holder.email} until {until}. You can look, but the "
            "decision buttons stay off until then."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "held": self.holder is not None,
            "mine": self.mine,
            "holder": self.holder.email if self.holder else None,
            "until": london_clock(self.until) if self.until and self.holder else None,
            "can_decide": self.can_decide,
            "message": self.message,
        }


def state_of(report: Sighting | RemovalReport, viewer: User) -> ClaimState:
    held_by = holder_id(report)
    holder = db.session.get(User, held_by) if held_by else None
    return ClaimState(
        status=report.status,
        holder=holder,
        until=report.claimed_until if holder else None,
        mine=holder is not None and holder.id == viewer.id,
    )
