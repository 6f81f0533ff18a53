"""Admins only: moderator and admin accounts, and the audit trail (read-only)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from hikwatch.clock import start_of_london_day
from hikwatch.errors import AccountError
from hikwatch.moderation import staff
from hikwatch.security.accounts import admin_required
from hikwatch.security.inputs import bounded_int, query_page
from hikwatch.vocab import CLAIM_ACTIONS
from hikwatch.web.staff import audit_trail
from hikwatch.web.staff.common import acting_user
from hikwatch.web.staff.forms import NewAccountForm, RoleForm
from models import AuditEvent, User, db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    return redirect(url_for(".users"))


@bp.get("/users")
@admin_required
def users():
    """Every account, with forms to add one, disable or enable it, or change its role."""
    return users_page(NewAccountForm.blank(prefix="new"))


def users_page(
    form: NewAccountForm, new_password: str | None = None, status: int = 200
) -> Response:
    response = current_app.make_response(
        (
            render_template(
                "admin/users.html",
                accounts=staff.all_accounts(),
                form=form,
                new_password=new_password,
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/users")
@admin_required
def create_user():
    """Create an account; a blank password is generated and shown once, on this page only."""
    form = NewAccountForm(prefix="new")
    if not form.validate_on_submit():
        return users_page(form, status=400)
    generated = None if form.password.data else secrets.token_urlsafe(12)
    try:
        user = staff.create_account(
            acting_user(), form.email.data, form.password.data or generated, form.role.data
        )
        db.session.commit()
    except AccountError as refusal:
        db.session.rollback()
        form.email.errors = [*form.email.errors, str(refusal)]
        return users_page(form, status=400)
    flash(f"Created {user.role} account {user.email}.", "success")
    if generated:
        # Rendered, not flashed: the session cookie is signed, not encrypted.
        return users_page(NewAccountForm.blank(prefix="new"), new_password=generated)
    return redirect(url_for(".users"))


def change_account(user_id: int, change: Callable[[User], bool]) -> None:
    """Apply an account change and say what happened (or why it was refused)."""
    user = db.get_or_404(User, user_id)
    try:
        changed = change(user)
        db.session.commit()
    except AccountError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return
    if changed:
        flash(f"Saved {user.email}: {user.role}, {'enabled' if user.enabled else 'disabled'}.")


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable_user(user_id: int):
    """Stop the account logging in and end its sessions."""
    change_account(user_id, lambda user: staff.set_enabled(acting_user(), user, False))
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/enable")
@admin_required
def enable_user(user_id: int):
    change_account(user_id, lambda user: staff.set_enabled(acting_user(), user, True))
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    """Make the account a moderator or an admin; its sessions end."""
    form = RoleForm()
    if form.validate_on_submit():
        role = form.role.data
        change_account(user_id, lambda user: staff.set_role(acting_user(), user, role))
    else:
        flash("Choose moderator or admin.", "error")
    return redirect(url_for(".users"))


# --------------------------------------------------------------------------- audit trail


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def distinct_values(column) -> list[str]:
    return list(db.session.execute(db.select(column).distinct().order_by(column)).scalars())


@bp.get("/audit")
@admin_required
def audit():
    """Every recorded action, newest first, in words, filtered by action, user, object or
    date; claims only when asked for.

    Read-only: no route changes or deletes an event (and the ORM refuses to).
    """
    args = request.args
    filters = {
        "action": args.get("action", ""),
        # Claims are a third of all events: hidden unless asked for (or filtered on).
        "claims": args.get("claims") == "1",
        "user": args.get("user", ""),
        "object_type": args.get("object_type", ""),
        "object_id": args.get("object_id", "").strip(),
        "since": parse_day(args.get("since")),
        "until": parse_day(args.get("until")),
    }
    query = db.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters["action"]:
        query = query.filter_by(action=filters["action"])
    elif not filters["claims"]:
        query = query.where(AuditEvent.action.not_in(CLAIM_ACTIONS))
    if filters["user"] == "console":
        query = query.where(AuditEvent.user_id.is_(None))
    elif filters["user"]:
        query = query.filter_by(user_id=bounded_int(filters["user"], "user", 0))
    if filters["object_type"]:
        query = query.filter_by(object_type=filters["object_type"])
    if filters["object_id"]:
        query = query.filter_by(object_id=filters["object_id"])
    if filters["since"]:
        query = query.where(AuditEvent.at >= start_of_london_day(filters["since"]))
    if filters["until"]:
        query = query.where(AuditEvent.at < start_of_london_day(filters["until"] + timedelta(1)))
    page = db.paginate(
        query,
        page=query_page(),
        per_page=current_app.config["AUDIT_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "admin/audit.html",
        page=page,
        lines=audit_trail.describe(page.items),
        filters=filters,
        actions=audit_trail.action_choices(distinct_values(AuditEvent.action)),
        object_types=distinct_values(AuditEvent.object_type),
        accounts=staff.all_accounts(),
        query_args={k: v for k, v in args.items() if k != "page" and v},
    )
