from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from hikwatch.vocab import Role
from models import Model, utcnow


class User(UserMixin, Model):
    """A moderator or admin. Residents never need an account."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session id: bumping it (disable, role or password change) ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor (TOTP): the base32 secret, set when enrolment starts; enabled once a code
    # from it has been typed back. A code's 30-second step is remembered so it works once.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # An admin may require two-factor of a moderator; admins always need it.
    two_factor_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash; `method` is Werkzeug's (the app passes PASSWORD_HASH_METHOD).

        scrypt, Werkzeug's default, is memory-hard; tests pass a cheap method instead."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.enabled

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def has_role(self, role: Role | str) -> bool:
        """Admins can do everything moderators can."""
        return self.enabled and (self.role == role or self.role == Role.ADMIN)

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def needs_two_factor(self) -> bool:
        """Admins always; moderators when an admin has required it."""
        return self.role == Role.ADMIN or bool(self.two_factor_required)


class StaffSession(Model):
    """A logged-in browser. The cookie holds a random token; only its hash is stored here.

    Logging out ends the row, so the old cookie opens nothing anywhere; a row not seen
    for SESSION_IDLE_MINUTES has expired.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app; stored as a sha256 only."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class LoginFailure(Model):
    """A failed login, keyed by a salted hash of (email tried, client) or of the client
    alone, for throttling; never the address or the email itself."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
