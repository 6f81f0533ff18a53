"""Fixtures for moderator and admin accounts (loaded by tests/conftest.py).

Admins always need two-factor, so `make_user` gives an admin an authenticator secret
(as if it had enrolled) and `log_in` types the current code when the app asks for one.
"""

from __future__ import annotations

import re

import pyotp
import pytest

from hikwatch.security.accounts import create_user, find_user
from models import db, utcnow

PASSWORD = "correct horse battery staple"


def make_user(app, email: str, role: str, password: str = PASSWORD, two_factor: bool | None = None):
    """An enabled account; with two-factor on when `two_factor` (default: admins)."""
    with app.app_context():
        user = create_user(email, password, role)
        if role == "admin" if two_factor is None else two_factor:
            user.totp_secret = pyotp.random_base32()
            user.totp_enabled_at = utcnow()
        db.session.commit()
        return user.id


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def current_code(app, email: str) -> str:
    """The code the account's authenticator shows now. A code works once per 30-second
    step, and one test may log one account in several times: forget the last step used."""
    with app.app_context():
        user = find_user(email)
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()


def log_in(client, email: str, password: str = PASSWORD):
    """Log in through /login, and through /login/code when the account has two-factor;
    returns the last response (a 302 to the queue when it worked)."""
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        return enter_code(client, current_code(client.application, email))
    return response


def enter_code(client, code: str):
    token = form_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


@pytest.fixture
def moderator(app):
    """The id of an enabled moderator account, moderator@example.org."""
    return make_user(app, "moderator@example.org", "moderator")


@pytest.fixture
def admin(app):
    """The id of an enabled admin account with two-factor, admin@example.org."""
    return make_user(app, "admin@example.org", "admin")


@pytest.fixture
def moderator_client(app, moderator):
    client = app.test_client()
    response = log_in(client, "moderator@example.org")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    response = log_in(client, "admin@example.org")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/moderate/"
    return client
