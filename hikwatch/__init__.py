"""Hikwatch London: the evidence base for removing Hikvision cameras from London's councils.

`create_app` builds the Flask app. It imports the factory only when called, so importing a
domain package (`hikwatch.photos`, `hikwatch.geo`, `hikwatch.evidence`…) never pulls in
Flask or the web layer: scripts, benchmarks and table tests use them on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then test_config."""
    from hikwatch.factory import create_app as build

    return build(test_config)
