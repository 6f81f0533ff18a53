"""Log in and out (moderators and admins only)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from hikwatch.security.accounts import (
    clear_login_failures,
    find_user,
    login_locked_for,
    record_login_failure,
)
from hikwatch.security.limits import rate_limit
from models import db, utcnow

bp = Blueprint("auth", __name__)

# Same words whether the email exists or not, so the form reveals nothing.
BAD_LOGIN = "That email and password do not match an active account."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@rate_limit("login")  # counts POSTs only, on top of the per-account failure throttle
def login():
    """Moderator and admin login, throttled after repeated failures."""
    if current_user.is_authenticated:
        return redirect(url_for("moderate.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        locked = login_locked_for(email)
        if locked:
            message = f"Too many failed attempts. Try again in {locked} minute(s)."
            return render_template("auth/login.html", form=form, error=message), 429
        user = find_user(email)
        if user is None or not user.enabled or not user.check_password(form.password.data):
            record_login_failure(email)
            return render_template("auth/login.html", form=form, error=BAD_LOGIN), 401
        clear_login_failures(email)
        user.last_login_at = utcnow()
        db.session.commit()
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or url_for("moderate.queue"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


def safe_next(target: str | None) -> str | None:
    """Only follow same-site relative paths after login (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
def logout():
    """End the session."""
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("public.home"))
