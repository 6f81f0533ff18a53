"""Accounts for moderators and admins: sessions, roles, and login throttling.

Residents never log in. Every moderator or admin page is wrapped in
`role_required`, which sends anonymous visitors to the login page and answers
403 to accounts without the role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from flask import abort, current_app, request
from flask_login import LoginManager, current_user

from hikwatch.hashing import salted_hash
from hikwatch.vocab import Role
from models import LoginFailure, User, db, utcnow

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to moderate."
login_manager.login_message_category = "info"
# Sessions are tied to a browser; a stolen cookie from elsewhere stops working.
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions carry 'id:version'; a bumped version (disable, role change) ends them."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.enabled or user.session_version != int(version):
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


def create_user(email: str, password: str, role: str) -> User:
    if not Role.has(role):
        raise ValueError("role must be 'moderator' or 'admin'")
    if len(password) < 12:
        raise ValueError("the password must be at least 12 characters")
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("that is not an email address")
    if find_user(email):
        raise ValueError(f"an account for {email} already exists")
    user = User(email=email, role=role, enabled=True, session_version=1)
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    return user


# ---------- throttling failed logins ----------


def _throttle_keys(email: str) -> list[str]:
    """Hashes of the email tried and of the client, salted with the app's secret."""
    secret = current_app.config["SECRET_KEY"]
    return [
        salted_hash(secret, "login-email", email.strip().lower()),
        salted_hash(secret, "login-client", request.remote_addr or "unknown"),
    ]


def login_locked_for(email: str) -> int:
    """Minutes until another attempt is allowed, or 0 when it is allowed now."""
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = utcnow() - window
    limit = current_app.config["LOGIN_FAILURE_LIMIT"]
    for key in _throttle_keys(email):
        failures = (
            db.session.execute(
                db.select(LoginFailure.created_at)
                .where(LoginFailure.key_hash == key, LoginFailure.created_at >= since)
                .order_by(LoginFailure.created_at)
            )
            .scalars()
            .all()
        )
        if len(failures) >= limit:
            unlock = failures[-limit] + window
            return max(1, int((unlock - utcnow()).total_seconds() // 60) + 1)
    return 0


def record_login_failure(email: str) -> None:
    for key in _throttle_keys(email):
        db.session.add(LoginFailure(key_hash=key))
    db.session.commit()


def clear_login_failures(email: str) -> None:
    email_key = _throttle_keys(email)[0]
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.key_hash == email_key))
    db.session.commit()
