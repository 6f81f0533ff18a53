"""Sending what is in the outbox, through Flask-Mailman's SMTP backend (app context).

Each message is held (so two senders never send it at once), composed, sent and marked,
one commit at a time. A server that cannot be reached, or answers "try later", leaves
the message for a later try; a server that refuses the address for good (5xx) marks it
failed. After a connection failure the run stops: the next messages would fail too.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_mailman import EmailMessage

from hikwatch.mail import enabled, mailman, messages, outbox
from models import OutboundMail, ReplyKey, Sighting, db, utcnow

# RFC 3834: an automatic message; well-behaved autoresponders do not answer it.
HEADERS = {"Auto-Submitted": "auto-generated"}


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0  # refused for good
    retrying: int = 0  # will be tried again
    erased: int = 0  # residents' addresses forgotten afterwards


def send_due(
    now: datetime | None = None, *, limit: int = 100, ignore_backoff: bool = False
) -> Outcome:
    """Send the messages that are due (all unsent ones with `ignore_backoff`)."""
    outcome = Outcome()
    if not enabled(current_app.config):
        return outcome
    now = now or utcnow()
    connection = mailman.get_connection()
    try:
        for message_id in outbox.due_ids(now, limit=limit, ignore_backoff=ignore_backoff):
            if not outbox.hold(message_id, now):
                db.session.rollback()
                continue
            db.session.commit()
            if not send_one(message_id, connection, now, outcome):
                break
    finally:
        connection.close()
    return outcome


def send_one(message_id: int, connection, now: datetime, outcome: Outcome) -> bool:
    """Send one held message and record how it went; False when the server is unreachable."""
    message = db.session.get_one(OutboundMail, message_id)
    sighting = db.session.get_one(Sighting, message.sighting_id)
    if not sighting.contact_email:  # erased or never given: nothing to send to
        outbox.mark_failed(message, now, "No address to send to.", permanent=True)
        db.session.commit()
        outcome.failed += 1
        return True
    composed = messages.compose(message, sighting)
    email = EmailMessage(
        composed.subject,
        composed.body,
        to=[sighting.contact_email],
        headers=HEADERS,
        connection=connection,
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as refused:
        permanent = all(code >= 500 for code, _ in refused.recipients.values())
        return failed(message, now, describe(refused), permanent, outcome, reachable=True)
    except smtplib.SMTPResponseException as error:
        return failed(message, now, describe(error), False, outcome, reachable=True)
    except (smtplib.SMTPException, OSError) as error:
        return failed(message, now, describe(error), False, outcome, reachable=False)
    outbox.mark_sent(message, now)
    outcome.sent += 1
    if outbox.erase_contact_when_done(sighting):
        outcome.erased += 1
    db.session.commit()
    return True


def failed(
    message: OutboundMail,
    now: datetime,
    error: str,
    permanent: bool,
    outcome: Outcome,
    *,
    reachable: bool,
) -> bool:
    """Record a failed try. A reply key minted for the message is dropped with it, so no
    key exists whose link nobody received."""
    for pending in list(db.session.new):
        if isinstance(pending, ReplyKey):
            db.session.expunge(pending)
    outbox.mark_failed(message, now, error, permanent=permanent)
    if permanent:
        outcome.failed += 1
        sighting = db.session.get_one(Sighting, message.sighting_id)
        if outbox.erase_contact_when_done(sighting):
            outcome.erased += 1
    else:
        outcome.retrying += 1
    db.session.commit()
    return reachable


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
