"""Log in (password, then a code when the account has two-factor) and out; staff only.

A correct password alone never opens a session for an account with two-factor: it leaves
a short-lived "pending login" in the signed cookie, and the code page (or, for an account
that must enrol first, the enrolment page) finishes the login.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from hikwatch.security import sessions, throttling
from hikwatch.security import two_factor as totp
from hikwatch.security.accounts import audit_login, audit_login_failure, find_user
from hikwatch.security.limits import rate_limit
from models import User, db, utcnow

bp = Blueprint("auth", __name__)

# Same words whether the email exists or not, so the form reveals nothing.
BAD_LOGIN = "That email and password do not match an active account."
BAD_CODE = "That code is not right. Type the 6 digits your app shows now, or a recovery code."
PENDING_KEY = "pending_login"
# Between a correct password and its code: long enough to find the phone.
PENDING_SECONDS = 10 * 60


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[InputRequired(message="Type the code."), Length(max=40)],
        filters=[lambda value: value.strip() if value else value],
    )


@bp.route("/login", methods=["GET", "POST"])
@rate_limit("login")  # counts POSTs only, on top of the per-client failure throttle
def login():
    """Moderator and admin login; failures slow down this client, never lock the account."""
    if current_user.is_authenticated:
        return redirect(url_for("moderate.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        wait = throttling.seconds_to_wait(email)
        if wait:
            message = throttling.wait_message(wait)
            return render_template("auth/login.html", form=form, error=message), 429
        user = find_user(email)
        if not throttling.password_matches(user, form.password.data):
            throttling.record_failure(email)
            audit_login_failure(user, "wrong password")
            return render_template("auth/login.html", form=form, error=BAD_LOGIN), 401
        throttling.clear_failures(email)
        assert user is not None  # password_matches is False without an account
        return after_password(user, safe_next(request.args.get("next")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


def after_password(user: User, next_url: str | None) -> ResponseReturnValue:
    """Finish the login, or ask for the code, or for enrolment first."""
    if not user.two_factor_enabled and not user.needs_two_factor:
        finish_login(user, "none")
        return redirect(next_url or url_for("moderate.queue"))
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "at": int(time.time()),
        "next": next_url,
    }
    if user.two_factor_enabled:
        return redirect(url_for(".code"))
    flash("Your account needs two-factor login. Set it up now to finish logging in.", "info")
    return redirect(url_for("two_factor.enrol"))


def pending_user() -> User | None:
    """The account whose password this browser typed in the last few minutes, if any."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if time.time() - float(pending.get("at") or 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.enabled or user.session_version != pending.get("version"):
        return None
    return user


def pending_next() -> str:
    pending = session.get(PENDING_KEY) or {}
    return safe_next(pending.get("next")) or url_for("moderate.queue")


def finish_login(user: User, second_factor: str) -> None:
    """Open a server-side session, record the login, and log the browser in."""
    session.pop(PENDING_KEY, None)
    user.last_login_at = utcnow()
    sessions.start(user)
    audit_login(user, second_factor)
    db.session.commit()
    login_user(user)


@bp.route("/login/code", methods=["GET", "POST"])
@rate_limit("login")
def code():
    """The second step: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("moderate.queue"))
    user = pending_user()
    if user is None:
        flash("Log in with your email and password first.", "info")
        return redirect(url_for(".login"))
    if not user.two_factor_enabled:
        return redirect(url_for("two_factor.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        wait = throttling.seconds_to_wait(user.email)
        if wait:
            message = throttling.wait_message(wait)
            return render_template("auth/code.html", form=form, error=message), 429
        second_factor = totp.check_code(user, form.code.data)
        if second_factor is None:
            db.session.rollback()
            throttling.record_failure(user.email)
            audit_login_failure(user, "wrong two-factor code")
            return render_template("auth/code.html", form=form, error=BAD_CODE), 401
        next_url = pending_next()
        throttling.clear_failures(user.email)
        finish_login(user, second_factor)
        if second_factor == "recovery code":
            left = totp.unused_recovery_codes(user)
            flash(f"You used a recovery code; {left} left. Make new ones on your account page.")
        return redirect(next_url)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/code.html", form=form), status


def safe_next(target: str | None) -> str | None:
    """Only follow same-site relative paths after login (no open redirects)."""
    if not target or not isinstance(target, str):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.post("/logout")
def logout():
    """End the session here and on the server: the old cookie opens nothing afterwards."""
    sessions.end_current()
    logout_user()
    session.pop(PENDING_KEY, None)
    flash("You are logged out.", "info")
    return redirect(url_for("public.home"))
