"""Where photo files live, and how they are written so that nothing is half-saved.

Files are written under a temporary name, flushed to disk and renamed into
place, so a reader (or a crash) never sees a partial file. Callers write files
before the database commit and delete them again if the commit fails. No Flask
import: the CLI, tests and benchmarks use this directly.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from hikwatch.vocab import PhotoFolder

TEMP_PREFIX = ".tmp-"


class FileStore:
    """A folder of files addressed by relative paths such as 'display/ab/abcd….jpg'."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def new_name(self, kind: PhotoFolder, extension: str) -> str:
        """A fresh, unguessable relative path; two-character shards keep folders small."""
        if not PhotoFolder.has(kind):
            raise ValueError(f"unknown kind {kind!r}")
        stem = secrets.token_hex(16)
        return f"{kind}/{stem[:2]}/{stem}.{extension}"

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file, refusing anything that escapes the root."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or candidate == self.root:
            raise ValueError(f"path {relative!r} is outside the store")
        return candidate

    def write(self, relative: str, data: bytes) -> None:
        """Write atomically: temporary name, fsync, rename."""
        final = self.path(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f"{TEMP_PREFIX}{final.name}")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def exists(self, relative: str) -> bool:
        try:
            return self.path(relative).is_file()
        except ValueError:
            return False

    def delete(self, *relatives: str) -> None:
        """Remove files, ignoring ones already gone (deletion is part of clean-up)."""
        for relative in relatives:
            try:
                self.path(relative).unlink(missing_ok=True)
            except ValueError:
                continue

    def walk(self) -> Iterator[str]:
        """Every stored file's relative path, temporary leftovers included."""
        for kind in PhotoFolder:
            folder = self.root / kind
            if folder.is_dir():
                for path in folder.rglob("*"):
                    if path.is_file():
                        yield path.relative_to(self.root).as_posix()
