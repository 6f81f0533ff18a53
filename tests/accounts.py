"""Fixtures for moderator and admin accounts (loaded by tests/conftest.py)."""

from __future__ import annotations

import re

import pytest

from hikwatch.security.accounts import create_user
from models import db

PASSWORD = "correct horse battery staple"


def make_user(app, email: str, role: str, password: str = PASSWORD):
    with app.app_context():
        user = create_user(email, password, role)
        db.session.commit()
        return user.id


def log_in(client, email: str, password: str = PASSWORD):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def moderator(app):
    """The id of an enabled moderator account, moderator@example.org."""
    return make_user(app, "moderator@example.org", "moderator")


@pytest.fixture
def admin(app):
    """The id of an enabled admin account, admin@example.org."""
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
    return client
