"""The moderators' work: decisions on reports, claims, duplicate suggestions, redaction,
removal reports, residents' replies and staff accounts. Views call these; nothing here reads a request."""
