from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
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


class LoginFailure(Model):
    """A failed login, keyed by a hash of the email tried or of the client, for throttling."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
