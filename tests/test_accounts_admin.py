"""Accounts: the `flask users` commands, `setup-check`'s first-admin hint, and the admin page."""

from __future__ import annotations

import re

from hikwatch.cli.users import FIRST_ADMIN_COMMAND
from models import AuditEvent, User, db
from tests.accounts import PASSWORD, log_in, make_user
from tests.moderation_support import post_form

NEW_PASSWORD = "a long enough password"


def account(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if user is not None:
            db.session.expunge(user)
        return user


def actions(app) -> list[tuple]:
    """Account changes in the audit trail (logins, recorded too, are tested in test_auth)."""
    with app.app_context():
        rows = db.session.execute(
            db.select(AuditEvent)
            .where(AuditEvent.action.not_like("auth.%"))
            .order_by(AuditEvent.id)
        ).scalars()
        return [(e.action, e.user_id, e.object_type, e.reason) for e in rows]


# ---------- the command line ----------


def test_users_create_asks_for_the_password_twice_without_echoing(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "Chief@Example.org", "--role", "admin"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account chief@example.org." in result.output
    assert "Repeat for confirmation" in result.output
    assert NEW_PASSWORD not in result.output
    user = account(app, "chief@example.org")
    assert user.role == "admin" and user.enabled and user.check_password(NEW_PASSWORD)
    assert actions(app) == [("user.create", None, "user", "command line")]


def test_users_create_takes_password_for_scripts_and_refuses_bad_ones(app, runner):
    args = ["users", "create", "--email", "mod@example.org", "--role", "moderator"]
    assert runner.invoke(args=[*args, "--password", NEW_PASSWORD]).exit_code == 0
    short = runner.invoke(args=[*args[:3], "other@example.org", *args[4:], "--password", "short"])
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    twice = runner.invoke(args=[*args, "--password", NEW_PASSWORD])
    assert twice.exit_code == 1 and "already exists" in twice.output
    mismatch = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--role", "moderator"],
        input=f"{NEW_PASSWORD}\nsomething else entirely\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert "do not match" in mismatch.output and mismatch.exit_code == 0
    bad_role = runner.invoke(args=["users", "create", "--email", "y@example.org", "--role", "god"])
    assert bad_role.exit_code == 2


def test_users_list_shows_role_and_state(app, runner, moderator, admin):
    output = runner.invoke(args=["users", "list"]).output
    assert re.search(r"admin@example.org\s+admin\s+enabled", output)
    assert re.search(r"moderator@example.org\s+moderator\s+enabled", output)


def test_users_disable_ends_sessions_and_enable_lets_them_back(app, runner, moderator_client):
    result = runner.invoke(args=["users", "disable", "--email", "moderator@example.org"])
    assert result.exit_code == 0 and "Disabled moderator@example.org." in result.output
    assert moderator_client.get("/moderate/").status_code == 302
    assert log_in(app.test_client(), "moderator@example.org").status_code == 401
    assert (
        runner.invoke(args=["users", "enable", "--email", "moderator@example.org"]).exit_code == 0
    )
    assert log_in(app.test_client(), "moderator@example.org").status_code == 302
    assert [a[0] for a in actions(app)] == ["user.disable", "user.enable"]


def test_users_set_role_ends_sessions(app, runner, moderator_client):
    args = ["users", "set-role", "--email", "moderator@example.org", "--role", "admin"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "is now admin" in result.output
    assert account(app, "moderator@example.org").role == "admin"
    assert moderator_client.get("/moderate/").status_code == 302  # logged out
    assert actions(app)[-1][0] == "user.set_role"


def test_the_last_admin_cannot_be_disabled_or_demoted(app, runner, admin):
    result = runner.invoke(args=["users", "disable", "--email", "admin@example.org"])
    assert result.exit_code == 1 and "last enabled admin" in result.output
    args = ["users", "set-role", "--email", "admin@example.org", "--role", "moderator"]
    assert runner.invoke(args=args).exit_code == 1
    assert account(app, "admin@example.org").enabled
    missing = runner.invoke(args=["users", "disable", "--email", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_setup_check_says_how_to_make_the_first_admin(app, runner):
    output = runner.invoke(args=["setup-check"]).output
    assert "No admin account yet" in output
    assert FIRST_ADMIN_COMMAND in output
    assert FIRST_ADMIN_COMMAND.startswith(".venv/bin/flask --app app users create --email")
    make_user(app, "admin@example.org", "admin")
    assert FIRST_ADMIN_COMMAND not in runner.invoke(args=["setup-check"]).output


# ---------- the admin page ----------


def test_an_admin_creates_an_account_with_a_typed_password(app, admin_client, admin):
    data = {"new-email": "helper@example.org", "new-role": "moderator", "new-password": PASSWORD}
    response = post_form(admin_client, "/admin/users", data)
    assert response.status_code == 302
    assert log_in(app.test_client(), "helper@example.org").status_code == 302
    assert actions(app)[-1][:3] == ("user.create", admin, "user")


def test_a_blank_password_is_generated_and_shown_once(app, admin_client):
    data = {"new-email": "helper@example.org", "new-role": "admin", "new-password": ""}
    response = post_form(admin_client, "/admin/users", data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    shown = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True))
    assert len(shown.group(1)) >= 16
    assert log_in(app.test_client(), "helper@example.org", shown.group(1)).status_code == 302
    assert shown.group(1) not in admin_client.get("/admin/users").get_data(as_text=True)


def test_account_form_errors_are_shown(app, admin_client, moderator):
    duplicate = {"new-email": "moderator@example.org", "new-role": "moderator"}
    response = post_form(admin_client, "/admin/users", {**duplicate, "new-password": PASSWORD})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    short = {"new-email": "new@example.org", "new-role": "moderator", "new-password": "short"}
    assert post_form(admin_client, "/admin/users", short).status_code == 400
    assert account(app, "new@example.org") is None


def test_an_admin_disables_enables_and_re_roles_an_account(
    app, admin_client, moderator, moderator_client
):
    assert post_form(admin_client, f"/admin/users/{moderator}/disable").status_code == 302
    assert moderator_client.get("/moderate/").status_code == 302
    assert not account(app, "moderator@example.org").enabled
    assert post_form(admin_client, f"/admin/users/{moderator}/enable").status_code == 302
    assert account(app, "moderator@example.org").enabled
    data = {"role": "admin"}
    assert post_form(admin_client, f"/admin/users/{moderator}/role", data).status_code == 302
    assert account(app, "moderator@example.org").role == "admin"
    assert [a[0] for a in actions(app)] == ["user.disable", "user.enable", "user.set_role"]
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Saved moderator@example.org: admin, enabled." in page


def test_an_admin_cannot_lock_themselves_out(app, admin_client, admin):
    make_user(app, "other-admin@example.org", "admin")
    response = post_form(admin_client, f"/admin/users/{admin}/disable")
    assert response.status_code == 302
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "You cannot disable your own account" in page
    assert account(app, "admin@example.org").enabled
    assert actions(app) == []
