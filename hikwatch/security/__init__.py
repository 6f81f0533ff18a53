"""Security for every request, by responsibility:

- `headers`: Content-Security-Policy and the other browser hardening headers;
- `limits`: rate limits on uploads, reports and logins, and request-size limits;
- `accounts`: staff accounts, sessions, roles and login throttling.

`init_app(app)` wires the first two (and optional proxy trust) into the app; call it
after the blueprints are registered, since it applies rate limits to their views. Every
setting it reads is in hikwatch.config.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hikwatch.security import headers, limits


def init_app(app: Flask) -> None:
    """Register headers, limits and proxy handling; call after the blueprints."""
    app.config["_CSP"] = headers.content_security_policy(app.config)
    app.request_class = limits.WellFormedFieldsRequest

    # Trust X-Forwarded-* from this many TLS proxies in front (PROXY_FIX, 0: none).
    proxies = int(app.config["PROXY_FIX"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    app.before_request(limits.limit_small_bodies)
    app.after_request(headers.add_security_headers)
    app.after_request(headers.keep_private_pages_out_of_caches)
    limits.apply_rate_limits(app, limits.build_limiter(app))
