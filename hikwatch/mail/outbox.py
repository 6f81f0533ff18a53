"""The outbox: emails to residents, stored with the decision that calls for them.

No Flask here. Each message belongs to a report and is read with it when sent, so the
resident's address lives in one place (the report) and is erased from there once the
report is decided and its last message is sent: moderators have nothing left to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update

from hikwatch.vocab import MailKind, MailStatus, SightingStatus
from models import OutboundMail, Sighting, db, utcnow

# Waits between tries: 1, 2, 4… minutes, at most an hour, for as long as it takes.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# How long a sender holds a message while it talks to the server (then others may try).
HOLD = timedelta(minutes=5)
ERROR_MAX_CHARS = 500


def queue(
    sighting: Sighting, kind: MailKind, details: dict[str, Any], site_url: str
) -> OutboundMail | None:
    """Stage a message to the report's resident; None when they left no address."""
    if not sighting.contact_email:
        return None
    message = OutboundMail(
        kind=kind,
        sighting_id=sighting.id,
        details=details,
        site_url=site_url,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_RETRY)


def unsent():
    return (OutboundMail.sent_at.is_(None), OutboundMail.failed_at.is_(None))


def due_ids(now: datetime, *, limit: int, ignore_backoff: bool = False) -> list[int]:
    """Messages to try now, oldest first: unsent, not refused, their wait over."""
    query = db.select(OutboundMail.id).where(*unsent())
    if not ignore_backoff:
        query = query.where(OutboundMail.next_attempt_at <= now)
    query = query.order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(limit)
    return list(db.session.execute(query).scalars())


def hold(message_id: int, now: datetime) -> bool:
    """Take the message for this sender (one conditional UPDATE): False if another sender
    holds it or it went out meanwhile."""
    statement = (
        update(OutboundMail)
        .where(
            OutboundMail.id == message_id,
            *unsent(),
            or_(OutboundMail.sending_until.is_(None), OutboundMail.sending_until <= now),
        )
        .values(sending_until=now + HOLD)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    return result.rowcount == 1


def mark_sent(message: OutboundMail, now: datetime) -> None:
    message.sent_at = now
    message.sending_until = None
    message.attempts += 1
    message.last_error = None


def mark_failed(message: OutboundMail, now: datetime, error: str, *, permanent: bool) -> None:
    """A failed try: wait and retry, or (refused for good) never again."""
    message.attempts += 1
    message.sending_until = None
    message.last_error = error[:ERROR_MAX_CHARS]
    if permanent:
        message.failed_at = now
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


def erase_contact_when_done(sighting: Sighting) -> bool:
    """Forget the resident's address once the report is decided and no message to them is
    waiting; True if it was erased."""
    if sighting.status == SightingStatus.PENDING or not sighting.contact_email:
        return False
    waiting = db.session.execute(
        db.select(OutboundMail.id).where(OutboundMail.sighting_id == sighting.id, *unsent())
    ).first()
    if waiting:
        return False
    sighting.contact_email = None
    return True


@dataclass(frozen=True)
class MailRecord:
    """One message as moderators see it on the report."""

    kind: str
    status: MailStatus
    when: datetime | None
    attempts: int
    next_attempt_at: datetime


def record_of(message: OutboundMail) -> MailRecord:
    if message.sent_at is not None:
        status, when = MailStatus.SENT, message.sent_at
    elif message.failed_at is not None:
        status, when = MailStatus.FAILED, message.failed_at
    else:
        status, when = MailStatus.WAITING, None
    return MailRecord(message.kind, status, when, message.attempts, message.next_attempt_at)


def records_for(sighting_id: int) -> list[MailRecord]:
    messages = db.session.execute(
        db.select(OutboundMail).filter_by(sighting_id=sighting_id).order_by(OutboundMail.id)
    ).scalars()
    return [record_of(message) for message in messages]
