"""Command-line tasks: `flask --app app <command>`. Click wrappers only: each command
parses its options, calls the logic in the domain packages, and prints the outcome.

- setup: `setup-check`
- users: `users create|list|disable|enable|set-role`
- maintenance: `uploads sweep`, `storage check`, `backup`, `restore`, `boroughs reassign`
- evidence: `snapshots take`
- exports: `exports build`
- postcodes: `postcodes check`
- mail: `mail send-pending`
"""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from hikwatch.cli import evidence, exports, mail, maintenance, postcodes, setup, users

    app.cli.add_command(setup.setup_check)
    app.cli.add_command(maintenance.uploads)
    app.cli.add_command(maintenance.storage)
    app.cli.add_command(maintenance.backup_command)
    app.cli.add_command(maintenance.restore_command)
    app.cli.add_command(evidence.snapshots_group)
    app.cli.add_command(exports.exports_group)
    app.cli.add_command(maintenance.boroughs_group)
    app.cli.add_command(users.users)
    app.cli.add_command(postcodes.postcodes_group)
    app.cli.add_command(mail.mail_group)
