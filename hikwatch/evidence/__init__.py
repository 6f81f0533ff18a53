"""What campaigners cite: counts, the map's data, exports, snapshots and borough reports.

Every figure is defined once in `counts`; pages, the API, CSV exports, snapshots and
motion packs all read it, so each number traces to the same camera rows.
"""
