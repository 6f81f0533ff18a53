"""`flask --app app users ...`: moderator and admin accounts from the server's console.

This is how the first admin is made on a fresh install; after that admins can also use
the admin page. Every change is audited (with no user: it came from the console).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from hikwatch.errors import AccountError
from hikwatch.moderation import staff
from hikwatch.vocab import Role
from models import db

FIRST_ADMIN_COMMAND = ".venv/bin/flask --app app users create --email YOU@EXAMPLE.ORG --role admin"

role_option = click.option(
    "--role", type=click.Choice([role.value for role in Role]), required=True, help="The role."
)
email_option = click.option("--email", required=True, help="The account's email address.")


@click.group("users", cls=AppGroup)
def users() -> None:
    """Create, list, disable and enable moderator and admin accounts; reset two-factor."""


@users.command("create")
@email_option
@role_option
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters and hard to guess. Leave out to be asked (hidden, twice).",
)
def create(email: str, role: str, password: str) -> None:
    """Create an enabled account."""
    with _refusals():
        user = staff.create_account(None, email, password, role)
        db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")


@users.command("list")
def list_accounts() -> None:
    """Every account with its role and whether it can log in."""
    accounts = staff.all_accounts()
    if not accounts:
        click.echo("No accounts yet. Create the first admin with:")
        click.echo(f"  {FIRST_ADMIN_COMMAND}")
        return
    for user in accounts:
        state = "enabled" if user.enabled else "disabled"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.email:40} {user.role:10} {state:9} last login {last}")


@users.command("disable")
@email_option
def disable(email: str) -> None:
    """Stop an account logging in and end its sessions."""
    with _refusals():
        user = staff.find_account(email)
        changed = staff.set_enabled(None, user, False)
        db.session.commit()
    click.echo(f"Disabled {user.email}." if changed else f"{user.email} was already disabled.")


@users.command("enable")
@email_option
def enable(email: str) -> None:
    """Let a disabled account log in again."""
    with _refusals():
        user = staff.find_account(email)
        changed = staff.set_enabled(None, user, True)
        db.session.commit()
    click.echo(f"Enabled {user.email}." if changed else f"{user.email} was already enabled.")


@users.command("set-role")
@email_option
@role_option
def set_role(email: str, role: str) -> None:
    """Make an account a moderator or an admin (ends its sessions)."""
    with _refusals():
        user = staff.find_account(email)
        changed = staff.set_role(None, user, role)
        db.session.commit()
    click.echo(f"{user.email} is now {role}." if changed else f"{user.email} already was {role}.")


@users.command("reset-2fa")
@email_option
def reset_two_factor(email: str) -> None:
    """Turn two-factor off for a lost phone; the account sets it up again at next login."""
    with _refusals():
        user = staff.find_account(email)
        changed = staff.reset_two_factor(None, user)
        db.session.commit()
    if changed:
        click.echo(f"Two-factor reset for {user.email}; its sessions have ended.")
    else:
        click.echo(f"{user.email} had no two-factor set up.")


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn an AccountError into a clean command-line error (exit status 1)."""
    try:
        yield
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
