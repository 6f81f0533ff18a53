"""Do the database and the photo store (folder or bucket) agree? `flask storage check [--fix]`.

Three kinds of disagreement:

- orphaned files: in the store but referenced by no Photo row (a crash between writing
  the files and the commit, or a redaction that replaced a derivative);
- temporary files: `.tmp-*` left by a write that never reached its rename;
- rows with missing files: a Photo row one of whose three files is gone.

`--fix` deletes orphaned and temporary files, and deletes a Photo row with missing files
only when nothing refers to it (an upload never submitted: the resident has lost nothing
they were told was saved). A photo that belongs to a report is never deleted and no
sighting ever is: those are reported for a person to restore from backup.

Files younger than the grace period are left alone, because a running app writes its
files a moment before it commits the row that refers to them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hikwatch.storage import TEMP_PREFIX, FileStore
from hikwatch.submissions import photos_in_use
from models import Photo, db

DEFAULT_GRACE_MINUTES = 15


@dataclass
class MissingFiles:
    photo_id: int
    in_use: bool  # referred to by a sighting or another row: never deleted
    paths: list[str]


@dataclass
class StorageReport:
    orphans: list[str] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)
    missing: list[MissingFiles] = field(default_factory=list)
    too_recent: list[str] = field(default_factory=list)  # unreferenced but inside the grace
    photos_checked: int = 0
    files_checked: int = 0
    deleted_files: list[str] = field(default_factory=list)
    deleted_photo_ids: list[int] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.orphans) + len(self.temporary) + len(self.missing)

    @property
    def unresolved(self) -> list[MissingFiles]:
        """Rows with missing files that --fix did not (or may not) remove."""
        return [item for item in self.missing if item.photo_id not in self.deleted_photo_ids]


def check_storage(
    store: FileStore, *, fix: bool = False, grace_seconds: float = DEFAULT_GRACE_MINUTES * 60
) -> StorageReport:
    report = StorageReport()
    in_use = set(db.session.execute(photos_in_use()).scalars())
    referenced: set[str] = set()
    for photo in db.session.execute(db.select(Photo).order_by(Photo.id)).scalars():
        report.photos_checked += 1
        referenced.update(photo.file_paths)
        gone = [path for path in photo.file_paths if not store.exists(path)]
        if gone:
            report.missing.append(MissingFiles(photo.id, photo.id in in_use, gone))

    cutoff = time.time() - grace_seconds
    for relative in sorted(store.walk()):
        report.files_checked += 1
        if relative in referenced:
            continue
        modified_at = store.modified_at(relative)
        if modified_at is None:  # removed while we looked (a sweep, a failed commit)
            continue
        if modified_at > cutoff:
            report.too_recent.append(relative)
        elif relative.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
            report.temporary.append(relative)
        else:
            report.orphans.append(relative)

    if fix:
        fix_storage(store, report)
    return report


def fix_storage(store: FileStore, report: StorageReport) -> None:
    for relative in report.orphans + report.temporary:
        store.delete(relative)
        report.deleted_files.append(relative)
    for item in report.missing:
        if item.in_use:
            continue
        photo = db.session.get(Photo, item.photo_id)
        if photo is None:
            continue
        remaining = [path for path in photo.file_paths if path not in item.paths]
        db.session.delete(photo)
        db.session.commit()
        store.delete(*remaining)  # after the commit: a failed commit keeps the files
        report.deleted_files.extend(remaining)
        report.deleted_photo_ids.append(item.photo_id)
