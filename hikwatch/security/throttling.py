"""Slowing down password guessing without giving anyone a way to lock a moderator out.

Failures are counted per (email tried, client) pair and per client, never per account:
someone guessing from elsewhere slows only themselves, so the real moderator can always log
in from their own connection. After a few free failures each further one doubles the wait
(LOGIN_DELAY_SECONDS, 2x, 4x… up to LOGIN_MAX_DELAY_SECONDS); failures older than
LOGIN_FAILURE_WINDOW_MINUTES are forgotten. Keys are salted hashes (hikwatch.hashing),
never the address or the email.

Every attempt costs one password-hash comparison, against a dummy hash when the email
belongs to nobody, so the answer's timing does not say whether an account exists.
"""

from __future__ import annotations

import functools
import math
import secrets
from datetime import timedelta

from flask import current_app, request
from werkzeug.security import check_password_hash, generate_password_hash

from hikwatch.hashing import salted_hash
from models import LoginFailure, User, db, utcnow

# 2 ** this is far beyond any configured maximum delay; it keeps the arithmetic small.
MAX_DOUBLINGS = 30


def client_address() -> str:
    """The connection's address (ProxyFix's, when PROXY_FIX trusts a proxy)."""
    return request.remote_addr or "unknown"


def normalised(email: str) -> str:
    return email.strip().lower()


def throttle_keys(email: str) -> list[tuple[str, int]]:
    """(salted key, failures allowed before delays begin) for the pair and for the client."""
    config = current_app.config
    secret, client = config["SECRET_KEY"], client_address()
    return [
        (
            salted_hash(secret, "login-pair", f"{normalised(email)}|{client}"),
            config["LOGIN_FAILURE_LIMIT"],
        ),
        (salted_hash(secret, "login-client", client), config["LOGIN_CLIENT_FAILURE_LIMIT"]),
    ]


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after `failures` recent failures, `free` of which cost nothing."""
    if failures < free:
        return 0
    config = current_app.config
    doublings = min(failures - free, MAX_DOUBLINGS)
    return min(config["LOGIN_MAX_DELAY_SECONDS"], config["LOGIN_DELAY_SECONDS"] * 2**doublings)


def seconds_to_wait(email: str) -> int:
    """How long this client must wait before trying `email` again; 0: it may try now."""
    now = utcnow()
    since = now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    longest = 0.0
    for key, free in throttle_keys(email):
        failures, latest = db.session.execute(
            db.select(db.func.count(), db.func.max(LoginFailure.created_at)).where(
                LoginFailure.key_hash == key, LoginFailure.created_at >= since
            )
        ).one()
        delay = delay_after(failures, free)
        if delay and latest is not None:
            longest = max(longest, (latest + timedelta(seconds=delay) - now).total_seconds())
    return math.ceil(longest) if longest > 0 else 0


def wait_message(seconds: int) -> str:
    if seconds < 90:
        span = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        span = f"{minutes} minutes"
    return (
        f"Too many failed attempts from your connection. Try again in {span}; "
        "each further failure makes the wait longer."
    )


def record_failure(email: str) -> None:
    """Count a failure for the pair and the client; forget failures past the window."""
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.created_at < utcnow() - window))
    for key, _ in throttle_keys(email):
        db.session.add(LoginFailure(key_hash=key))
    db.session.commit()


def clear_failures(email: str) -> None:
    """A success forgives this pair's failures (the client's others still count)."""
    pair_key = throttle_keys(email)[0][0]
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.key_hash == pair_key))
    db.session.commit()


@functools.cache
def dummy_hash(method: str) -> str:
    """A hash of a random password, made once per method, to compare unknown emails with."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def password_matches(user: User | None, password: str) -> bool:
    """One hash comparison whoever asks: an unknown or disabled account costs the same."""
    stored = (
        user.password_hash
        if user is not None
        else dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    )
    matches = check_password_hash(stored, password)
    return matches and user is not None and user.enabled
