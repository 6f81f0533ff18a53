from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models import Model


class Borough(Model):
    """One of the 33 London local authorities, keyed by its ONS GSS code."""

    __tablename__ = "borough"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)

    def __repr__(self) -> str:
        return f"<Borough {self.code} {self.name}>"
