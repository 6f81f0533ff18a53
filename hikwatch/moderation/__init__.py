"""The moderators' work: decisions on reports, claims, duplicate suggestions, merges and
retractions, redaction, removal reports, residents' replies and staff accounts. Views call
these; nothing here reads a request."""
