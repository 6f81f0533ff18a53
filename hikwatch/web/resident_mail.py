"""The request side of residents' email: queue a decision's message in the decision's
transaction, and send after the response, once the commit is done.

Sending happens when the server closes the response (Werkzeug's `call_on_close`), so the
moderator never waits for the mail server; whatever is left is for `flask mail
send-pending`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request

from hikwatch.mail import delivery, enabled, outbox
from hikwatch.vocab import MailKind
from models import Sighting

# At most this many messages go out after one response: the rest wait for the schedule.
SENT_AFTER_RESPONSE = 20


def after_decision(sighting: Sighting, kind: MailKind, **details: Any) -> None:
    """Queue the resident's email for this decision (when email is on and they left an
    address); with nothing to send, forget the address once the report is decided."""
    config = current_app.config
    if enabled(config):
        site_url = config["PUBLIC_URL"] or request.host_url
        if outbox.queue(sighting, kind, details, site_url) is not None:
            g.resident_mail_queued = True
            return
    outbox.erase_contact_when_done(sighting)


def send_after_response(response: Response) -> Response:
    if not g.pop("resident_mail_queued", False):
        return response
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                delivery.send_due(limit=SENT_AFTER_RESPONSE)
            except Exception:  # never let email break a response already given
                app.logger.exception("Sending residents' email after a response failed")

    response.call_on_close(send)
    return response


def init_app(app: Flask) -> None:
    app.after_request(send_after_response)
