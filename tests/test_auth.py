"""Moderator and admin accounts: login, throttling, roles, ending sessions."""

from __future__ import annotations

import pytest

from hikwatch import config
from models import AuditEvent, LoginFailure, User, db
from tests.accounts import PASSWORD, log_in, make_user


def test_login_and_logout(app, moderator):
    client = app.test_client()
    assert client.get("/moderate/").status_code == 302
    response = log_in(client, "moderator@example.org")
    assert response.status_code == 302
    assert client.get("/moderate/").status_code == 200


@pytest.mark.parametrize("email", ["moderator@example.org", "nobody@example.org"])
def test_failed_login_does_not_reveal_whether_the_email_exists(app, moderator, email):
    response = log_in(app.test_client(), email, "wrong password!!")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)


def test_failed_logins_are_throttled(app, moderator):
    client = app.test_client()
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"]):
        assert log_in(client, "moderator@example.org", "wrong password!!").status_code == 401
    # Even the right password waits now.
    response = log_in(client, "moderator@example.org")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_sessions(app, moderator_client, moderator):
    assert moderator_client.get("/moderate/").status_code == 200
    with app.app_context():
        user = db.session.get(User, moderator)
        user.enabled = False
        user.end_sessions()
        db.session.commit()
    assert moderator_client.get("/moderate/").status_code == 302


def test_passwords_are_hashed_with_scrypt(app):
    # Production's default; every other test uses a cheap hash (see tests/conftest.py).
    app.config["PASSWORD_HASH_METHOD"] = config.defaults(app.instance_path)["PASSWORD_HASH_METHOD"]
    moderator = make_user(app, "moderator@example.org", "moderator")
    with app.app_context():
        user = db.session.get(User, moderator)
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_login_never_redirects_off_site(app, moderator):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "moderator@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/moderate/"


def test_short_passwords_are_refused(app):
    with pytest.raises(ValueError, match="12 characters"):
        make_user(app, "short@example.org", "moderator", password="tooshort")


def test_logins_and_failures_are_audited_without_the_address(app, moderator):
    address = "203.0.113.45"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert log_in(client, "moderator@example.org", "not the password at all").status_code == 401
    assert log_in(client, "nobody@example.org", "not the password at all").status_code == 401
    assert log_in(client, "moderator@example.org").status_code == 302
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        rows = [(e.action, e.user_id, e.object_id, e.reason) for e in events]
        assert rows == [
            ("auth.login_failed", None, str(moderator), "wrong password"),
            ("auth.login_failed", None, "unknown", "wrong password"),
            ("auth.login", moderator, str(moderator), None),
        ]
        tags = {e.after["client"] for e in events}
        assert len(tags) == 1 and len(tags.pop()) == 16  # one client, a short salted tag
        stored = " ".join(str((e.before, e.after, e.reason, e.object_id)) for e in events)
        assert address not in stored and "nobody@example.org" not in stored
        assert events[-1].after["second_factor"] == "none"


def test_login_failures_are_stored_as_salted_hashes_only(app, moderator):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.46"
    log_in(client, "moderator@example.org", "not the password at all")
    with app.app_context():
        keys = db.session.execute(db.select(LoginFailure.key_hash)).scalars().all()
    assert len(keys) == 2 and all(len(key) == 64 for key in keys)
    assert not any("203.0.113" in key or "moderator" in key for key in keys)


def test_a_disabled_account_cannot_log_in_and_costs_a_hash_like_any(app, moderator):
    with app.app_context():
        db.session.get(User, moderator).enabled = False
        db.session.commit()
    response = log_in(app.test_client(), "moderator@example.org")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
