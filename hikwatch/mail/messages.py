"""What each email says: plain text from templates/mail/, links made absolute from the
message's own site address (so `flask mail send-pending` needs no request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template

from hikwatch.moderation import replies
from hikwatch.vocab import MailKind, RejectReason
from models import OutboundMail, Sighting

SUBJECTS = {
    MailKind.NEEDS_INFO: "Hikwatch: a question about your report {reference}",
    MailKind.VERIFIED: "Hikwatch: your report {reference} is on the map",
    MailKind.NOT_USED: "Hikwatch: your report {reference} was not used",
}


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


def absolute_url(site_url: str, endpoint: str, **values: Any) -> str:
    """An endpoint's full address on the site at `site_url` ("https://host/prefix/")."""
    parts = urlsplit(site_url)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def compose(message: OutboundMail, sighting: Sighting) -> Composed:
    """The subject and body. A "need more information" message carries a new private reply
    key, staged here and committed by the sender only with the sent message."""
    kind = MailKind(message.kind)
    site = message.site_url
    context: dict[str, Any] = {
        "reference": sighting.reference,
        "track_url": absolute_url(site, "submit.track", reference=sighting.reference),
        "details": message.details,
    }
    if kind is MailKind.NEEDS_INFO:
        context["reply_url"] = absolute_url(site, "reply.reply", key=replies.issue_key(sighting))
    elif kind is MailKind.VERIFIED:
        context["camera_url"] = absolute_url(
            site, "cameras.show", camera_id=message.details["camera_id"]
        )
    else:
        # Only the reason list's words: a moderator's own note never leaves the site.
        context["reason"] = RejectReason.label_of(message.details.get("reason"))
    return Composed(
        subject=SUBJECTS[kind].format(reference=sighting.reference),
        body=render_template(f"mail/{kind.value}.txt", **context),
    )
