"""Salted hashes that stand in for things Hikwatch must recognise but never store.

A client address (rate limits, login throttling), an email address tried at the login
form, a browser's upload session: each is kept only as sha256(secret:purpose:value). The
app's SECRET_KEY is the salt, so the hashes mean nothing without it, and the purpose keeps
one kind of hash from ever matching another.
"""

from __future__ import annotations

import hashlib


def salted_hash(secret: str, purpose: str, value: str) -> str:
    """64 hex digits; the same secret, purpose and value always give the same hash."""
    return hashlib.sha256(f"{secret}:{purpose}:{value}".encode()).hexdigest()
