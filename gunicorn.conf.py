"""gunicorn's start-up check for Hikwatch.

gunicorn reads this file when started from the project folder (as the README's
`gunicorn --workers 4 --bind 127.0.0.1:8000 'app:create_app()'` is), or from anywhere with
`-c /path/to/hikwatch/gunicorn.conf.py`. Before any worker starts it looks at the settings
the workers will run with: rate limits counted in memory (`memory://`, the default) are
per process, so with several workers each limit lets that many times as much through.
That is logged as a warning; with FLASK_PRODUCTION=true gunicorn refuses to start.
"""


def on_starting(server) -> None:
    from hikwatch.config import from_environment
    from hikwatch.security.limits import check_workers

    check_workers(from_environment(), server.cfg.workers, server.log.warning)
