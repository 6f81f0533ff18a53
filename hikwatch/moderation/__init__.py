"""The moderators' work: decisions on reports, duplicate suggestions, redaction,
removal reports and staff accounts. Views call these; nothing here reads a request."""
