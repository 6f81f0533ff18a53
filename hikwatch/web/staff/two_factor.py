"""Two-factor for staff: set it up, see its state, make new recovery codes; and the admin's
switch that requires it of a moderator (admins always need it).

Enrolment works for a logged-in account (a moderator turning it on) and for one half way
through logging in (an admin, or a moderator it is required of, at their first login):
then the password was right, and a code from the new secret finishes the login.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hikwatch import audit
from hikwatch.security import two_factor as totp
from hikwatch.security.accounts import admin_required, moderator_required
from hikwatch.vocab import AuditAction, AuditObject, Role
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.login import CodeForm, finish_login, pending_next, pending_user
from models import User, db

bp = Blueprint("two_factor", __name__)

BAD_ENROLMENT_CODE = (
    "That code does not match. Check the app added the account shown here, then type the "
    "6 digits it shows now."
)


def no_store(body: str, status: int = 200) -> ResponseReturnValue:
    """Secrets and recovery codes on a page: never kept by any cache."""
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/two-factor", methods=["GET", "POST"])
def enrol() -> ResponseReturnValue:
    """Set up an authenticator app: QR code (drawn here), the secret to type, one code back."""
    logged_in = current_user.is_authenticated
    user: User | None = acting_user() if logged_in else pending_user()
    if user is None:
        flash("Log in with your email and password first.", "info")
        return redirect(url_for("auth.login"))
    if user.two_factor_enabled:
        if not logged_in:
            return redirect(url_for("auth.code"))
        return no_store(
            render_template(
                "auth/two_factor.html",
                user=user,
                unused_codes=totp.unused_recovery_codes(user),
            )
        )
    secret = totp.begin_enrolment(user)
    db.session.commit()
    form = CodeForm()
    error, status = None, 200
    if form.validate_on_submit():
        next_url = None if logged_in else pending_next()
        codes = totp.confirm_enrolment(user, form.code.data)
        if codes is not None:
            audit.record(user, AuditAction.TWO_FACTOR_ENABLE, AuditObject.USER, user.id)
            if logged_in:
                db.session.commit()
            else:
                finish_login(user, "authenticator app")
            return no_store(
                render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
            )
        error, status = BAD_ENROLMENT_CODE, 400
    elif form.is_submitted():
        status = 400
    title = f"QR code to add {user.email} to an authenticator app"
    return no_store(
        render_template(
            "auth/enrol.html",
            form=form,
            error=error,
            user=user,
            qr_svg=totp.qr_svg(totp.provisioning_uri(user), title),
            secret=totp.spaced_secret(secret),
        ),
        status,
    )


@bp.post("/account/two-factor/recovery-codes")
@moderator_required
def new_recovery_codes():
    """Replace this account's recovery codes; the new ones are shown once, here."""
    user = acting_user()
    if not user.two_factor_enabled:
        return redirect(url_for(".enrol"))
    codes = totp.new_recovery_codes(user)
    audit.record(user, AuditAction.RECOVERY_CODES_RENEW, AuditObject.USER, user.id)
    db.session.commit()
    return no_store(render_template("auth/recovery_codes.html", codes=codes, next_url=None))


@bp.post("/admin/users/<int:user_id>/two-factor")
@admin_required
def require_two_factor(user_id: int):
    """Require two-factor of a moderator, or stop requiring it (admins always need it)."""
    user = db.get_or_404(User, user_id)
    if user.role == Role.ADMIN:
        flash("Admins always need two-factor login.", "error")
        return redirect(url_for("admin.users"))
    fields = ("two_factor_required",)
    before = audit.snapshot_of(user, fields)
    user.two_factor_required = not user.two_factor_required
    audit.record_changes(
        acting_user(),
        AuditAction.TWO_FACTOR_REQUIRE,
        user,
        before,
        fields,
        object_type=AuditObject.USER,
    )
    db.session.commit()
    state = "now needs" if user.two_factor_required else "no longer needs"
    flash(f"{user.email} {state} two-factor login.")
    return redirect(url_for("admin.users"))
