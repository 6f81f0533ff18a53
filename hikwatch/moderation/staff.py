"""Creating, disabling and re-roling moderator and admin accounts, audited.

Shared by the `flask users` commands (actor None: the person at the server's console) and
the admin page (actor: the logged-in admin). Disabling an account or changing its role
ends its sessions at once. Hikwatch never leaves itself without an enabled admin, and the
admin page does not let admins lock themselves out.
"""

from __future__ import annotations

from hikwatch import audit
from hikwatch.errors import AccountError
from hikwatch.security import accounts as auth
from hikwatch.security import two_factor
from hikwatch.vocab import AuditAction, AuditObject, Role
from models import User, db

USER_AUDIT_FIELDS = ("email", "role", "enabled")


def all_accounts() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.email)).scalars())


def no_admin_yet() -> bool:
    """A fresh install: nobody can log in to moderate until the first admin is made."""
    return db.session.execute(db.select(User.id).filter_by(role=Role.ADMIN)).first() is None


def enabled_admin_count() -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(User).filter_by(role=Role.ADMIN, enabled=True)
    ).scalar_one()


def find_account(email_or_id: str | int) -> User:
    user = (
        db.session.get(User, email_or_id)
        if isinstance(email_or_id, int)
        else auth.find_user(email_or_id)
    )
    if user is None:
        raise AccountError(f"There is no account for {email_or_id}.")
    return user


def create_account(actor: User | None, email: str, password: str, role: str) -> User:
    """A new enabled account (the password is never audited, only who created whom)."""
    try:
        user = auth.create_user(email, password, role)
    except ValueError as error:
        raise AccountError(str(error)) from None
    db.session.flush()
    audit.record(
        actor,
        AuditAction.USER_CREATE,
        AuditObject.USER,
        user.id,
        after=audit.snapshot_of(user, USER_AUDIT_FIELDS),
        reason=None if actor else "command line",
    )
    return user


def set_enabled(actor: User | None, user: User, enabled: bool) -> bool:
    """Disable (ending its sessions) or re-enable an account; False if already so."""
    if user.enabled == enabled:
        return False
    if not enabled:
        _refuse_self(actor, user, "disable")
        if user.role == Role.ADMIN and enabled_admin_count() <= 1:
            raise AccountError("This is the last enabled admin account; create another first.")
    before = audit.snapshot_of(user, USER_AUDIT_FIELDS)
    user.enabled = enabled
    if not enabled:
        user.end_sessions()
    audit.record_changes(
        actor,
        AuditAction.USER_ENABLE if enabled else AuditAction.USER_DISABLE,
        user,
        before,
        USER_AUDIT_FIELDS,
        reason=None if actor else "command line",
        object_type=AuditObject.USER,
    )
    return True


def set_role(actor: User | None, user: User, role: str) -> bool:
    """Change an account's role, ending its sessions; False if it already has the role."""
    if not Role.has(role):
        raise AccountError(f"The role must be one of: {', '.join(Role)}.")
    if user.role == role:
        return False
    _refuse_self(actor, user, "change the role of")
    if user.role == Role.ADMIN and user.enabled and enabled_admin_count() <= 1:
        raise AccountError("This is the last enabled admin account; create another first.")
    before = audit.snapshot_of(user, USER_AUDIT_FIELDS)
    user.role = role
    user.end_sessions()
    audit.record_changes(
        actor,
        AuditAction.USER_SET_ROLE,
        user,
        before,
        USER_AUDIT_FIELDS,
        reason=None if actor else "command line",
        object_type=AuditObject.USER,
    )
    return True


def reset_two_factor(actor: User | None, user: User) -> bool:
    """Forget the account's authenticator and recovery codes and end its sessions (a lost
    phone); it sets two-factor up again at its next login. False if it had none."""
    if not user.totp_secret:
        return False
    two_factor.reset(user)
    user.end_sessions()
    audit.record(
        actor,
        AuditAction.TWO_FACTOR_RESET,
        AuditObject.USER,
        user.id,
        reason=None if actor else "command line",
    )
    return True


def _refuse_self(actor: User | None, user: User, verb: str) -> None:
    if actor is not None and actor.id == user.id:
        raise AccountError(f"You cannot {verb} your own account; ask another admin.")
