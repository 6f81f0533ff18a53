"""Two-factor login for staff: enrolment, codes, recovery codes, requirements, reset."""

from __future__ import annotations

import re

import pyotp

from hikwatch.security import two_factor
from models import AuditEvent, RecoveryCode, User, db
from tests.accounts import PASSWORD, current_code, enter_code, form_token, log_in, make_user
from tests.moderation_support import post_form

ADMIN = "admin@example.org"
MODERATOR = "moderator@example.org"


def user_named(app, email: str) -> User:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        db.session.expunge(user)
        return user


def password_step(client, email: str, password: str = PASSWORD):
    token = form_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def enrol(client, page_html: str) -> list[str]:
    """Read the key off the enrolment page, type a code from it; return the recovery codes."""
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page_html).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html).group(1)
    response = client.post(
        "/account/two-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    return re.findall(r'<code class="secret">([a-z0-9-]{19})</code>', response.get_data(True))


def test_a_new_admin_enrols_at_first_login_and_then_needs_a_code(app):
    make_user(app, ADMIN, "admin", two_factor=False)
    client = app.test_client()
    response = password_step(client, ADMIN)
    assert response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert '<svg role="img"' in html and "<title>QR code to add admin@example.org" in html
    codes = enrol(client, html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/users").status_code == 200  # logged in now
    with app.app_context():
        stored = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
        assert len(stored) == 10 and not set(codes) & set(stored)
        actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
        assert "user.two_factor_enable" in actions and "auth.login" in actions

    # The next login asks for the code after the password.
    again = app.test_client()
    assert password_step(again, ADMIN).headers["Location"] == "/login/code"
    assert again.get("/moderate/").status_code == 302  # not logged in yet
    assert enter_code(again, "000000").status_code == 401
    assert enter_code(again, current_code(app, ADMIN)).status_code == 302
    assert again.get("/moderate/").status_code == 200


def test_a_code_works_once(app, admin):
    first, second = app.test_client(), app.test_client()
    code = current_code(app, ADMIN)
    password_step(first, ADMIN)
    password_step(second, ADMIN)
    assert enter_code(first, code).status_code == 302
    replayed = enter_code(second, code)
    assert replayed.status_code == 401
    assert "That code is not right" in replayed.get_data(as_text=True)


def test_a_recovery_code_logs_in_once(app):
    make_user(app, ADMIN, "admin", two_factor=False)
    client = app.test_client()
    password_step(client, ADMIN)
    codes = enrol(client, client.get("/account/two-factor").get_data(as_text=True))
    for attempt, expected in ((codes[0].upper().replace("-", " "), 302), (codes[0], 401)):
        other = app.test_client()
        password_step(other, ADMIN)
        assert enter_code(other, attempt).status_code == expected
    with app.app_context():
        event = (
            db.session.execute(
                db.select(AuditEvent).filter_by(action="auth.login").order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert event.after["second_factor"] == "recovery code"


def test_the_code_page_needs_a_correct_password_first(app, admin):
    response = app.test_client().get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    wrong = app.test_client()
    assert password_step(wrong, ADMIN, "not the password at all").status_code == 401
    assert wrong.get("/login/code").headers["Location"] == "/login"


def test_a_moderator_may_turn_it_on_and_make_new_recovery_codes(app, moderator_client):
    html = moderator_client.get("/account/two-factor").get_data(as_text=True)
    codes = enrol(moderator_client, html)
    assert user_named(app, MODERATOR).two_factor_enabled
    status = moderator_client.get("/account/two-factor").get_data(as_text=True)
    assert "You have 10 unused recovery codes" in status
    renewed = post_form(moderator_client, "/account/two-factor/recovery-codes")
    fresh = re.findall(r'<code class="secret">([a-z0-9-]{19})</code>', renewed.get_data(True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)


def test_an_admin_requires_it_of_a_moderator(app, admin_client, moderator, moderator_client):
    assert post_form(admin_client, f"/admin/users/{moderator}/two-factor").status_code == 302
    assert user_named(app, MODERATOR).two_factor_required
    # The moderator's next page is the enrolment page, and so is the next login's.
    assert moderator_client.get("/moderate/").headers["Location"] == "/account/two-factor"
    assert password_step(app.test_client(), MODERATOR).headers["Location"] == (
        "/account/two-factor"
    )
    with app.app_context():
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="user.two_factor_require")
        ).scalar_one()
        assert event.after == {"two_factor_required": True}


def test_admins_cannot_be_spared_two_factor(app, admin_client, admin):
    other = make_user(app, "second-admin@example.org", "admin")
    post_form(admin_client, f"/admin/users/{other}/two-factor")
    assert "Admins always need two-factor" in admin_client.get("/admin/users").get_data(True)


def test_reset_2fa_from_the_console(app, runner, admin, admin_client):
    make_user(app, "second-admin@example.org", "admin")
    result = runner.invoke(args=["users", "reset-2fa", "--email", ADMIN])
    assert result.exit_code == 0 and "Two-factor reset for admin@example.org" in result.output
    user = user_named(app, ADMIN)
    assert user.totp_secret is None and not user.two_factor_enabled
    assert admin_client.get("/admin/users").status_code == 302  # its sessions ended
    # The next login sets two-factor up again.
    assert password_step(app.test_client(), ADMIN).headers["Location"] == "/account/two-factor"
    again = runner.invoke(args=["users", "reset-2fa", "--email", ADMIN])
    assert "had no two-factor set up" in again.output
    with app.app_context():
        assert two_factor.unused_recovery_codes(db.session.get(User, admin)) == 0


def test_totp_accepts_one_step_of_drift_and_nothing_older(app, admin):
    with app.app_context():
        user = db.session.get(User, admin)
        totp = pyotp.TOTP(user.totp_secret)
        now = 1_800_000_000.0
        assert two_factor.verify_totp(user, totp.at(now - 30), now)
        user.totp_last_step = None
        assert not two_factor.verify_totp(user, totp.at(now - 90), now)
        assert not two_factor.verify_totp(user, "12345", now)
        db.session.rollback()


def test_log_in_helper_still_works_for_admins(app, admin):
    assert log_in(app.test_client(), ADMIN).headers["Location"] == "/moderate/"
