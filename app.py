"""Entry point: `flask --app app run` and `gunicorn 'app:create_app()'` find create_app here."""

from hikwatch import create_app

__all__ = ["create_app"]
