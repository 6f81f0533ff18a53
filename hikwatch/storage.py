"""Where photo files live, and how they are written so that nothing is half-saved.

Files are written under a temporary name, flushed to disk and renamed into
place, so a reader (or a crash) never sees a partial file. Callers write files
before the database commit and delete them again if the commit fails. No Flask
import: the CLI, tests and benchmarks use this directly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from hikwatch.vocab import PhotoFolder

TEMP_PREFIX = ".tmp-"
FILE_MODE, FOLDER_MODE = 0o600, 0o700


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
        """Write atomically: temporary name, fsync, rename; 0600 in 0700 folders, since
        originals keep residents' GPS (the app serves every file itself)."""
        final = self.path(relative)
        self.private_folders(final.parent)
        temporary = final.with_name(f"{TEMP_PREFIX}{final.name}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)

    def private_folders(self, folder: Path) -> None:
        """Create `folder` and any missing folder between it and the root (root included)
        as 0700, whatever the umask."""
        if not self.root.exists():
            self.root.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=FOLDER_MODE)

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
