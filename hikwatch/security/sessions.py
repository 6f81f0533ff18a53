"""Staff sessions that end on the server: at logout, after an idle spell, or when the
account's sessions are ended (disabled, role changed, two-factor reset).

The signed session cookie carries a random token; the database keeps only its sha256 in a
`StaffSession` row. Every request checks the row, so a copied cookie stops working the
moment its row ends, wherever it is replayed. Flask-Login's "strong" protection also ties
the cookie to the client's address and browser, and that address is the connection's own
unless PROXY_FIX says a proxy in front sets X-Forwarded-For (hikwatch.security wraps the
app in ProxyFix then, which rewrites `request.remote_addr`). A client-sent
X-Forwarded-For is never read here.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session

from models import StaffSession, User, db, utcnow

SESSION_KEY = "staff_session"
# Writing last_seen_at on every request would be a write per page; once a minute is enough
# for an idle limit measured in hours.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_identifier() -> str:
    """What Flask-Login's strong protection ties a session to: the client's address as the
    WSGI server (or a trusted proxy, through ProxyFix) gives it, and its User-Agent."""
    agent = request.headers.get("User-Agent", "")
    base = f"{request.remote_addr or ''}|{agent}"
    return hashlib.sha512(base.encode("utf-8", "replace")).hexdigest()


def start(user: User) -> None:
    """Open a server-side session for `user` in this browser (the caller commits)."""
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(user_id=user.id, token_hash=token_hash(token)))
    session[SESSION_KEY] = token


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def current_row(user_id: int) -> StaffSession | None:
    """This browser's live session row for `user_id`, renewed; None when it has ended."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    row = db.session.execute(
        db.select(StaffSession).filter_by(token_hash=token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > idle_limit():
        row.ended_at = now
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def end_current() -> None:
    """End this browser's session row, if any (logout)."""
    token = session.pop(SESSION_KEY, None)
    if not isinstance(token, str):
        return
    db.session.execute(
        db.update(StaffSession)
        .where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()
