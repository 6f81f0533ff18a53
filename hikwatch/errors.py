"""A request the app refuses on purpose: an HTTP status and a sentence for the person.

Residents' submissions and moderators' decisions both refuse things this way, and one
app-wide handler (views.register_blueprints) turns any refusal into a JSON error or a
friendly page, after undoing whatever the refused action had staged.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # The form field at fault, when there is one, so pages and scripts can point at it.
        self.field = field
