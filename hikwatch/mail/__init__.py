"""Email to residents who left an address: "we need more information", "verified: it is on
the map" and "not used".

A decision stores its message in the outbox (`outbox`) in the same transaction, so a
decision and its email are kept together or not at all. After the commit the app sends
what is due (`delivery`, through Flask-Mailman's SMTP backend); `flask --app app mail
send-pending` sends what is left, on a schedule. A message the server could not take is
tried again later, waiting longer each time, so nothing is lost while it is down.

Email is off (nothing is queued) until MAIL_SERVER and MAIL_DEFAULT_SENDER are both set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_mailman import Mail

mailman = Mail()


def enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER")) and bool(config.get("MAIL_DEFAULT_SENDER"))


def init_app(app: Flask) -> None:
    mailman.init_app(app)
