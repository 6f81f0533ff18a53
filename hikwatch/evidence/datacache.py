"""Reuse figures derived from the camera table until that table changes.

Aggregating hundreds of thousands of cameras takes a few hundred milliseconds, but the
data changes only when moderators act. Every such change adds a row somewhere (a camera,
a status change, an audit event), so the newest ids of those tables make a cheap version
stamp: three index look-ups. A result is reused while the stamp is unchanged, and never
for longer than `ttl_seconds`, which bounds staleness if a change ever slips past the
audit trail. Each app has its own cache, so test apps never share results.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select

from models import AuditEvent, Camera, CameraStatusChange, DbSession

T = TypeVar("T")


def data_version(session: DbSession) -> tuple[Any, ...]:
    """Newest camera, status change and audit event ids: moves whenever cameras change."""
    row = session.execute(
        select(
            select(func.max(Camera.id)).scalar_subquery(),
            select(func.max(CameraStatusChange.id)).scalar_subquery(),
            select(func.max(AuditEvent.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


class DataCache:
    """A small, thread-safe, least-recently-used cache keyed by (key, data version)."""

    def __init__(self, ttl_seconds: float = 60.0, max_entries: int = 256) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[Any, float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, version: Any, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version and now - entry[1] < self.ttl_seconds:
                self._entries.move_to_end(key)
                return entry[2]
            key_lock = self._computing.setdefault(key, threading.Lock())
        # One thread computes a key at a time (the others wait for its result rather than
        # load the same 300,000 rows beside it); other keys are not held up.
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] == version and now - entry[1] < self.ttl_seconds:
                    return entry[2]
            value = compute()
            with self._lock:
                self._entries[key] = (version, time.monotonic(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    evicted, _ = self._entries.popitem(last=False)
                    self._computing.pop(evicted, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._computing.clear()
