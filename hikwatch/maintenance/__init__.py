"""Keeping an installation whole: storage checks, backups and borough re-assignment."""
