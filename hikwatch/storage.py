"""Where photo files live, and how they are written so that nothing is half-saved.

`FileStore` is the contract every backend keeps, and tests/test_storage_contract.py runs
the same tests against each:

- `FolderStore` (here): a folder on this machine, UPLOAD_FOLDER; the default;
- `S3Store` (hikwatch/object_store.py): an S3-compatible bucket, PHOTO_STORE=s3://bucket/prefix,
  so that several app servers share one set of photos.

The contract:

- keys are relative paths such as 'display/ab/abcd….jpg' under one of the PhotoFolder
  kinds; any other key (absolute, '..', '.', empty segments, backslashes, another top
  folder) is refused with ValueError by write and read, is never found by exists and is
  ignored by delete, so nothing outside the store's folder or prefix is ever touched;
- a write replaces atomically: readers see the old bytes or the new ones, never a mixture;
- a write that fails or is interrupted leaves no file under its key (or the old one intact);
- reading a missing key raises FileNotFoundError;
- originals are never given a public URL: only the app serves them, to moderators.

Callers write files before the database commit and delete them again if the commit fails.
No Flask import: the CLI, tests and benchmarks use this directly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hikwatch.vocab import PhotoFolder, PhotoUrlMode

TEMP_PREFIX = ".tmp-"
FILE_MODE, FOLDER_MODE = 0o600, 0o700


def check_key(relative: str) -> str:
    """The key itself when it names a file under one of the PhotoFolder kinds; ValueError
    for anything that could reach outside the store (or is not a photo's key)."""
    parts = relative.split("/") if isinstance(relative, str) else []
    if (
        len(parts) < 2
        or not PhotoFolder.has(parts[0])
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in relative
        or "\x00" in relative
    ):
        raise ValueError(f"key {relative!r} is outside the store")
    return relative


def is_public_derivative(relative: str) -> bool:
    """Display images and thumbnails may be served by URL; originals never."""
    return relative.split("/", 1)[0] in (PhotoFolder.DISPLAY, PhotoFolder.THUMBS)


class FileStore(ABC):
    """Photo files addressed by keys such as 'display/ab/abcd….jpg' (see the module doc)."""

    def new_name(self, kind: PhotoFolder, extension: str) -> str:
        """A fresh, unguessable key; two-character shards keep folders small."""
        if not PhotoFolder.has(kind):
            raise ValueError(f"unknown kind {kind!r}")
        stem = secrets.token_hex(16)
        return f"{kind}/{stem[:2]}/{stem}.{extension}"

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the files are, for messages to the operator."""

    @abstractmethod
    def write(self, relative: str, data: bytes) -> None:
        """Store `data` under the key, replacing any file there, whole or not at all."""

    @abstractmethod
    def read(self, relative: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""

    @abstractmethod
    def exists(self, relative: str) -> bool: ...

    @abstractmethod
    def delete(self, *relatives: str) -> None:
        """Remove files, ignoring ones already gone (deletion is part of clean-up)."""

    @abstractmethod
    def walk(self) -> Iterator[str]:
        """Every stored file's key, leftovers of unfinished writes included."""

    @abstractmethod
    def modified_at(self, relative: str) -> float | None:
        """When the file was last written (POSIX seconds); None when there is none."""

    @abstractmethod
    def copy_to(self, relative: str, destination: Path) -> None:
        """Copy the file to a local path (backups); FileNotFoundError when there is none."""

    def local_path(self, relative: str) -> Path | None:
        """The file on this machine's disk, when the store keeps it there."""
        return None

    def public_url(self, relative: str) -> str | None:
        """Where browsers may fetch a public derivative directly; None: the app serves it."""
        return None

    @property
    def url_origin(self) -> str | None:
        """The origin of every URL public_url gives (for the Content-Security-Policy)."""
        return None


class FolderStore(FileStore):
    """Files in a folder of this machine: temporary name, fsync, rename."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    @property
    def location(self) -> str:
        return str(self.root)

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file, refusing anything that escapes the root."""
        candidate = (self.root / check_key(relative)).resolve()
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
        for relative in relatives:
            try:
                self.path(relative).unlink(missing_ok=True)
            except ValueError:
                continue

    def walk(self) -> Iterator[str]:
        for kind in PhotoFolder:
            folder = self.root / kind
            if folder.is_dir():
                for path in folder.rglob("*"):
                    if path.is_file():
                        yield path.relative_to(self.root).as_posix()

    def modified_at(self, relative: str) -> float | None:
        try:
            return self.path(relative).stat().st_mtime
        except FileNotFoundError:
            return None

    def copy_to(self, relative: str, destination: Path) -> None:
        shutil.copyfile(self.path(relative), destination)

    def local_path(self, relative: str) -> Path | None:
        return self.path(relative)


def open_store(config: Mapping[str, Any]) -> FileStore:
    """The store the settings name: UPLOAD_FOLDER unless PHOTO_STORE is s3://bucket/prefix."""
    location = (config.get("PHOTO_STORE") or "").strip()
    urls = config.get("PHOTO_URLS") or PhotoUrlMode.APP
    if not PhotoUrlMode.has(urls):
        raise ValueError(f"PHOTO_URLS must be one of {', '.join(PhotoUrlMode)}, not {urls!r}.")
    if not location:
        if urls != PhotoUrlMode.APP:
            raise ValueError(f"PHOTO_URLS={urls} needs photos on object storage (PHOTO_STORE).")
        return FolderStore(config["UPLOAD_FOLDER"])
    if location.startswith("s3://"):
        from hikwatch.object_store import S3Store

        return S3Store.from_config(config)
    raise ValueError(f"PHOTO_STORE must be empty or s3://bucket/prefix, not {location!r}.")
