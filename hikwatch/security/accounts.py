"""Accounts for moderators and admins: who is logged in, roles, passwords, login events.

Residents never log in. Every moderator or admin page is wrapped in `role_required`, which
sends anonymous visitors to the login page, answers 403 to accounts without the role, and
sends an account that needs two-factor but has not set it up to do so first. Sessions live
on the server (hikwatch.security.sessions); failed logins are slowed down per client
(hikwatch.security.throttling); the second factor is hikwatch.security.two_factor.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_login import LoginManager, current_user
from zxcvbn import zxcvbn

from hikwatch import audit
from hikwatch.hashing import salted_hash
from hikwatch.security import sessions
from hikwatch.vocab import AuditAction, AuditObject, Role
from models import User, db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to moderate."
login_manager.login_message_category = "info"
# Sessions are tied to a browser; a stolen cookie from elsewhere stops working. The
# address is the connection's own, never a client-sent X-Forwarded-For (see sessions).
login_manager.session_protection = "strong"
login_manager._session_identifier_generator = sessions.session_identifier

# zxcvbn's scale: 0 too guessable … 4 very unguessable; 3 resists an offline attack on a
# slow hash. Staff accounts can read residents' originals, GPS and emails.
PASSWORD_MIN_SCORE = 3
PASSWORD_MIN_LENGTH = 12


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions carry 'id:version'; a bumped version (disable, role change) ends them."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.enabled or user.session_version != int(version):
        return None
    # Ended by logout, or idle too long: the cookie alone opens nothing.
    if sessions.current_row(user.id) is None:
        return None
    return user


def role_required(role: Role) -> Callable:
    """Refuse anonymous users (to the login page) and users without `role` (403)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403, "Your account does not have the role this page needs.")
            if current_user.needs_two_factor and not current_user.two_factor_enabled:
                return redirect(url_for("two_factor.enrol"))
            return view(*args, **kwargs)

        # Read by the authorisation-matrix test; functions take attributes, typing aside.
        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped

    return decorator


moderator_required = role_required(Role.MODERATOR)
admin_required = role_required(Role.ADMIN)


def find_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(email=email.strip().lower())
    ).scalar_one_or_none()


def password_problem(password: str, email: str = "") -> str | None:
    """Why `password` will not do, in words that help choose a better one; None if fine."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"the password must be at least {PASSWORD_MIN_LENGTH} characters"
    # zxcvbn's matching is quadratic-ish in length; its first 100 characters are plenty.
    verdict = zxcvbn(password[:100], user_inputs=[email, *email.split("@"), "hikwatch"])
    if verdict["score"] >= PASSWORD_MIN_SCORE:
        return None
    feedback = verdict["feedback"]
    advice = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
    return (
        "that password is too easy to guess. "
        + (advice + " " if advice else "")
        + "Try a few unrelated words, or let a password manager make one."
    )


def create_user(email: str, password: str, role: str) -> User:
    if not Role.has(role):
        raise ValueError("role must be 'moderator' or 'admin'")
    email = email.strip().lower()
    problem = password_problem(password, email)
    if problem:
        raise ValueError(problem)
    if "@" not in email:
        raise ValueError("that is not an email address")
    if find_user(email):
        raise ValueError(f"an account for {email} already exists")
    user = User(email=email, role=role, enabled=True, session_version=1)
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    return user


# ---------- login events in the audit trail ----------


def client_tag() -> str:
    """A short salted hash standing in for the client's address in the audit trail: enough
    to see that attempts came from one place, never the address itself."""
    secret = current_app.config["SECRET_KEY"]
    return salted_hash(secret, "audit-client", request.remote_addr or "unknown")[:16]


def audit_login(user: User, second_factor: str) -> None:
    """Stage a successful login (the caller commits)."""
    after: dict[str, Any] = {"client": client_tag(), "second_factor": second_factor}
    audit.record(user, AuditAction.LOGIN, AuditObject.USER, user.id, after=after)


def audit_login_failure(user: User | None, reason: str) -> None:
    """Record a failed login: the account when the email is one (else 'unknown'), why, and
    the client's salted tag; never the address or an unknown email typed."""
    audit.record(
        None,
        AuditAction.LOGIN_FAILED,
        AuditObject.USER,
        user.id if user is not None else "unknown",
        after={"client": client_tag()},
        reason=reason,
    )
    db.session.commit()
