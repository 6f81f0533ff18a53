"""Security for every request, by responsibility:

- `headers`: Content-Security-Policy and the other browser hardening headers;
- `limits`: rate limits on uploads, reports, logins and lookups, and request-body limits;
- `inputs`: numbers from paths and query strings, bounded;
- `accounts`: staff accounts, roles, passwords and login events;
- `sessions`: staff sessions kept on the server (logout and idle expiry end them);
- `throttling`: failed logins slowed per client, never an account lock;
- `two_factor`: TOTP codes and recovery codes for staff.

`init_app(app)` wires headers, limits and optional proxy trust into the app; call it
after the blueprints are registered, since it applies rate limits to their views. Every
setting it reads is in hikwatch.config.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hikwatch.security import headers, inputs, limits


def init_app(app: Flask) -> None:
    """Register headers, limits and proxy handling; call after the blueprints."""
    app.config["_CSP"] = headers.content_security_policy(app.config)

    # Trust X-Forwarded-* from this many TLS proxies in front (PROXY_FIX, 0: none).
    proxies = int(app.config["PROXY_FIX"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    # Bodies capped however they are framed (and unnamed form parts dropped); JSON nesting
    # capped before parsing.
    app.request_class = limits.BodyLimitedRequest
    app.json = limits.DepthLimitedJSONProvider(app)
    app.before_request(limits.limit_small_bodies)
    app.before_request(inputs.refuse_nul_characters)
    app.after_request(headers.add_security_headers)
    app.after_request(headers.keep_private_pages_out_of_caches)
    limits.apply_rate_limits(app, limits.build_limiter(app))
