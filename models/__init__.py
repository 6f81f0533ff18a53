"""Database tables. `db` is the Flask-SQLAlchemy handle every module shares."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The base class of every table. mypy cannot follow a base class that is an attribute of
# an object (db.Model), and db.Model is built from Base, so type checking sees Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


# What domain functions take: a plain SQLAlchemy Session (scripts, benchmarks, tests) or
# Flask-SQLAlchemy's db.session, a scoped_session that stands in for the request's own.
DbSession: TypeAlias = Session | scoped_session[Any]


def utcnow() -> datetime:
    """Naive UTC, because SQLite drops time zones and we want one behaviour everywhere."""
    return datetime.now(UTC).replace(tzinfo=None)


from models.borough import Borough  # noqa: E402
from models.camera import Camera  # noqa: E402
from models.campaign import BoroughCampaign, Snapshot  # noqa: E402
from models.moderation import (  # noqa: E402
    AuditEvent,
    CameraCorrection,
    CameraStatusChange,
    RemovalReport,
)
from models.photo import Photo  # noqa: E402
from models.resident import OutboundMail, ReplyKey, ResidentReply  # noqa: E402
from models.sighting import Sighting  # noqa: E402
from models.user import LoginFailure, RecoveryCode, StaffSession, User  # noqa: E402

__all__ = [
    "AuditEvent",
    "Base",
    "Borough",
    "BoroughCampaign",
    "Camera",
    "CameraCorrection",
    "CameraStatusChange",
    "LoginFailure",
    "OutboundMail",
    "Photo",
    "RecoveryCode",
    "RemovalReport",
    "ReplyKey",
    "ResidentReply",
    "Sighting",
    "Snapshot",
    "StaffSession",
    "User",
    "db",
    "utcnow",
]
