"""The full open-data exports as files, built once per data change, outside any request.

Six files: every headline camera and every public record (`?status=all`), each as GeoJSON
and as CSV, and the 33 boroughs as JSON and CSV. Each is written beside a gzip copy
(`NAME.gz`, for clients that accept gzip and for nginx's `gzip_static`), under a name of
its own build (`cameras.20261202T094100Z-3fa2c1.geojson`), and only then named in
`manifest.json`, itself replaced atomically. A file is never changed once named, so a
download in progress, its ETag, its Range requests and its length always agree; the
previous build's files are kept for downloads that started before the switch.

The manifest records the data version (datacache.data_version) the files were built
from, read in the same database transaction as the rows, so "fresh" means exactly that.
No Flask: the web layer serves what this writes, and export_builder.py runs the build in
a process of its own.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hikwatch.evidence import campaign, counts, exports
from hikwatch.evidence.datacache import data_version
from models import Camera, DbSession

MANIFEST = "manifest.json"
STREAM_BATCH = 2000
GZIP_LEVEL = 6
WRITE_CHUNK = 1 << 16


@dataclass(frozen=True)
class ExportFile:
    """One published file: its public name, its media type, and the name to save it as."""

    name: str
    mimetype: str
    download_name: str | None = None  # CSV files are offered as attachments


CAMERAS_GEOJSON = ExportFile("cameras.geojson", "application/geo+json")
ALL_CAMERAS_GEOJSON = ExportFile("cameras-all.geojson", "application/geo+json")
CAMERAS_CSV = ExportFile("cameras.csv", "text/csv", "hikwatch-cameras.csv")
ALL_CAMERAS_CSV = ExportFile("cameras-all.csv", "text/csv", "hikwatch-cameras-all.csv")
BOROUGHS_JSON = ExportFile("boroughs.json", "application/json")
BOROUGHS_CSV = ExportFile("boroughs.csv", "text/csv", "hikwatch-boroughs.csv")
FILES = {
    f.name: f
    for f in (
        BOROUGHS_JSON,
        BOROUGHS_CSV,
        CAMERAS_GEOJSON,
        ALL_CAMERAS_GEOJSON,
        CAMERAS_CSV,
        ALL_CAMERAS_CSV,
    )
}

BOROUGH_CSV_COLUMNS = (
    ["code", "name", "slug"]
    + list(counts.COUNT_KINDS)
    + ["progress_percent"]
    + list(campaign.FIELDS)
)


# ---------------------------------------------------------------- documents


def generated_at(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return moment.isoformat() + "Z"


def geojson_head(when: str, **extra: Any) -> dict[str, Any]:
    """Everything of a camera FeatureCollection but its features."""
    return {
        "type": "FeatureCollection",
        "generated_at": when,
        "caveat": counts.CAVEAT,
        "licence": exports.LICENCE_NOTE,
        **extra,
    }


def geojson_opening(head: dict[str, Any]) -> str:
    return json.dumps(head)[:-1] + ', "features": ['


def borough_record(summary: counts.BoroughSummary) -> dict[str, Any]:
    progress = summary.progress
    return {
        "code": summary.borough.code,
        "name": summary.borough.name,
        "slug": summary.borough.slug,
        "counts": summary.counts,
        "progress_percent": None if progress is None else round(progress * 100, 1),
        **campaign.public_fields(summary.campaign),
    }


def boroughs_document(session: DbSession, when: str) -> dict[str, Any]:
    """/api/boroughs: the 33 councils with every figure and their campaign records."""
    by_borough = counts.counts_by_borough(session)
    return {
        "generated_at": when,
        "caveat": counts.CAVEAT,
        "licence": exports.LICENCE_NOTE,
        "headline": counts.HEADLINE.key,
        "definitions": {key: kind.definition for key, kind in counts.COUNT_KINDS.items()},
        "totals": counts.london_totals(by_borough),
        "boroughs": [borough_record(s) for s in counts.summaries(session, by_borough)],
    }


def borough_csv_rows(records: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    yield BOROUGH_CSV_COLUMNS
    for data in records:
        yield exports.safe_row(
            [data["code"], data["name"], data["slug"]]
            + [data["counts"][key] for key in counts.COUNT_KINDS]
            + [data["progress_percent"]]
            + [data[name] for name in campaign.FIELDS]
        )


def camera_url(base_url: str, camera_id: int) -> str:
    return f"{base_url.rstrip('/')}/cameras/{camera_id}"


# ---------------------------------------------------------------- writing


class FileWriter:
    """Text written at once to NAME and NAME.gz under temporary names, renamed on commit."""

    def __init__(self, folder: Path, final_name: str) -> None:
        self.folder = folder
        self.final_name = final_name
        self._temp = folder / f".{final_name}.partial"
        self._plain: IO[bytes] = open(self._temp, "wb")  # noqa: SIM115 (closed in commit)
        self._gz_file: IO[bytes] = open(f"{self._temp}.gz", "wb")  # noqa: SIM115
        self._gz = gzip.GzipFile(fileobj=self._gz_file, mode="wb", compresslevel=GZIP_LEVEL)
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= WRITE_CHUNK:
            self._flush()

    def _flush(self) -> None:
        block = b"".join(self._pending)
        self._plain.write(block)
        self._gz.write(block)
        self._pending.clear()
        self._pending_bytes = 0

    def commit(self) -> None:
        self._flush()
        self._gz.close()
        for handle in (self._plain, self._gz_file):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        os.replace(f"{self._temp}.gz", self.folder / f"{self.final_name}.gz")
        os.replace(self._temp, self.folder / self.final_name)

    def discard(self) -> None:
        for handle in (self._gz, self._plain, self._gz_file):
            handle.close()
        for path in (self._temp, Path(f"{self._temp}.gz")):
            path.unlink(missing_ok=True)


def versioned_name(name: str, stamp: str) -> str:
    stem, _, suffix = name.partition(".")
    return f"{stem}.{stamp}.{suffix}"


def csv_line(row: Iterable[Any]) -> str:
    return "".join(exports.csv_document([row]))


# ---------------------------------------------------------------- the build


@dataclass
class Manifest:
    version: list[Any]
    built_at: str
    base_url: str
    files: dict[str, str]  # public name -> file name in the folder
    seconds: float = 0.0

    def is_fresh(self, version: tuple[Any, ...] | list[Any]) -> bool:
        return list(self.version) == list(version)


def read_manifest(folder: Path) -> Manifest | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    temp = folder / f".{MANIFEST}.{secrets.token_hex(4)}"
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(manifest.__dict__, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, folder / MANIFEST)


def build(session: DbSession, folder: Path, base_url: str) -> Manifest:
    """Write every export from one consistent read of the database; returns the manifest.

    The caller opens `session` in a transaction that sees one snapshot (export_builder.py
    does), so the version recorded is the version of the rows written.
    """
    started = datetime.now(UTC)
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    previous = read_manifest(folder)
    version = list(data_version(session))
    when = generated_at(started)
    stamp = started.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    names = {name: versioned_name(name, stamp) for name in FILES}
    writers = {name: FileWriter(folder, names[name]) for name in FILES}
    try:
        write_boroughs(session, writers, when)
        write_cameras(session, writers, when, base_url)
        for writer in writers.values():
            writer.commit()
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise
    seconds = (datetime.now(UTC) - started).total_seconds()
    manifest = Manifest(version, when, base_url, names, round(seconds, 3))
    write_manifest(folder, manifest)
    remove_unlisted(folder, [manifest, previous])
    return manifest


def write_boroughs(session: DbSession, writers: dict[str, FileWriter], when: str) -> None:
    document = boroughs_document(session, when)
    writers[BOROUGHS_JSON.name].write(json.dumps(document, ensure_ascii=False))
    for line in exports.csv_document(borough_csv_rows(document["boroughs"])):
        writers[BOROUGHS_CSV.name].write(line)


def write_cameras(
    session: DbSession, writers: dict[str, FileWriter], when: str, base_url: str
) -> None:
    """One pass over every camera, by id, into the four camera files."""
    every_geojson, headline_geojson = (
        writers[ALL_CAMERAS_GEOJSON.name],
        writers[CAMERAS_GEOJSON.name],
    )
    every_csv, headline_csv = writers[ALL_CAMERAS_CSV.name], writers[CAMERAS_CSV.name]
    opening = geojson_opening(geojson_head(when))
    every_geojson.write(opening)
    headline_geojson.write(opening)
    header = csv_line(exports.CSV_COLUMNS)
    every_csv.write(header)
    headline_csv.write(header)
    query = (
        select(Camera)
        .options(joinedload(Camera.borough))
        .order_by(Camera.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    first_every = first_headline = True
    for camera in session.execute(query).scalars():
        url = camera_url(base_url, camera.id)
        feature = json.dumps(exports.geojson_feature(camera, url), ensure_ascii=False)
        row = csv_line(exports.csv_row(camera, url))
        every_geojson.write(feature if first_every else "," + feature)
        every_csv.write(row)
        first_every = False
        if counts.HEADLINE.matches(
            camera.status, camera.operator_type, camera.brand_verified, camera.brand
        ):
            headline_geojson.write(feature if first_headline else "," + feature)
            headline_csv.write(row)
            first_headline = False
    every_geojson.write("]}")
    headline_geojson.write("]}")


def remove_unlisted(folder: Path, keep: list[Manifest | None]) -> None:
    """Delete export files no manifest in `keep` names, and what crashed builds left."""
    kept = {MANIFEST}
    for manifest in keep:
        if manifest is not None:
            for name in manifest.files.values():
                kept.update((name, f"{name}.gz"))
    stems = {name.partition(".")[0] + "." for name in FILES}
    for path in folder.iterdir():
        name = path.name
        if not path.is_file() or name in kept or name.startswith(".build"):
            continue
        leftover = name.endswith((".partial", ".partial.gz")) or name.startswith(f".{MANIFEST}.")
        if leftover or name.startswith(tuple(stems)):
            path.unlink(missing_ok=True)
