"""The request side of residents' email: queue a decision's message in the decision's
transaction, and send it once the decision is committed.

Sending runs on a background thread of this process (one at a time), started after the
view has committed, so the moderator never waits for the mail server and a response the
server fails to close cleanly loses nothing. Whatever is left (a process that stopped,
a server that was down) is for the next decision or `flask mail send-pending`.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, Response, current_app, g, request

from hikwatch.mail import delivery, enabled, outbox
from hikwatch.vocab import MailKind
from models import Sighting

EXTENSION_KEY = "resident_mail"
# At most this many messages go out per run: the rest wait for the schedule.
SENT_PER_RUN = 20


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


class Sender:
    """Runs `delivery.send_due` on one background thread; a kick while it runs makes it go
    round once more, so a message queued meanwhile is not left behind."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.again = False

    def kick(self) -> None:
        with self.lock:
            if self.thread is not None:
                self.again = True
                return
            self.thread = threading.Thread(target=self.run, name="hikwatch-mail", daemon=True)
            self.thread.start()

    def run(self) -> None:
        while True:
            with self.app.app_context():
                try:
                    delivery.send_due(limit=SENT_PER_RUN)
                except Exception:  # never let email break the app; the outbox keeps it
                    self.app.logger.exception("Sending residents' email failed")
            with self.lock:
                if not self.again:
                    self.thread = None
                    return
                self.again = False

    def wait(self, timeout: float | None = None) -> None:
        """Until the current run ends (tests, and a clean shutdown)."""
        with self.lock:
            thread = self.thread
        if thread is not None:
            thread.join(timeout)


def sender(app: Flask) -> Sender:
    return app.extensions[EXTENSION_KEY]


def send_after_commit(response: Response) -> Response:
    """After the view (which commits its decision): start sending what it queued."""
    if g.pop("resident_mail_queued", False):
        sender(current_app._get_current_object()).kick()  # type: ignore[attr-defined]
    return response


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Sender(app)
    app.after_request(send_after_commit)
