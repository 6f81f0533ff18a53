"""`flask --app app mail send-pending`: send residents' email left in the outbox."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hikwatch.mail import delivery, enabled


@click.group("mail", cls=AppGroup)
def mail_group() -> None:
    """Email to residents about their reports."""


@mail_group.command("send-pending")
@click.option(
    "--now",
    "ignore_backoff",
    is_flag=True,
    help="Try every unsent message now, without waiting for its next retry time "
    "(say, once the mail server is back).",
)
@click.option("--limit", default=500, show_default=True, help="At most this many messages.")
def send_pending(ignore_backoff: bool, limit: int) -> None:
    """Send the messages that are due; failed ones wait longer before each new try."""
    if not enabled(current_app.config):
        click.echo("Email is off: set FLASK_MAIL_SERVER and FLASK_MAIL_DEFAULT_SENDER.")
        return
    outcome = delivery.send_due(limit=limit, ignore_backoff=ignore_backoff)
    click.echo(
        f"Sent {outcome.sent}; {outcome.retrying} to try again later; "
        f"{outcome.failed} refused for good; {outcome.erased} addresses erased."
    )
