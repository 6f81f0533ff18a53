"""The photo store's contract (hikwatch/storage.py), the same tests for every backend: a
folder on this machine, and an S3 bucket on a local S3 server (moto in server mode).

Only how a backend is set up, and how a write is broken half-way, differ per backend:
the folder's disk fails before the rename; the bucket's connection drops after half the
body has been sent.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import BotoCoreError, ConnectionClosedError

from hikwatch import config
from hikwatch.storage import FileStore, FolderStore, open_store
from hikwatch.vocab import PhotoFolder

KEY = "display/ab/abababababababababababababababab.jpg"
ORIGINAL = "originals/cd/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.heic"
OUTSIDE_KEYS = [
    "../escape.jpg",
    "/etc/passwd",
    "display/../../escape.jpg",
    "display/ab/../../../escape.jpg",
    "display/./ab/x.jpg",
    "display//x.jpg",
    "display\\..\\..\\escape.jpg",
    "display/ab/x\x00.jpg",
    "elsewhere/ab/x.jpg",
    "display",
    "",
]


# What a broken write raises: the disk's error, or the S3 client's.
WRITE_FAILURES = (OSError, BotoCoreError)


@dataclass
class Backend:
    store: FileStore
    # Everything the backing storage holds, inside the store or not: {name: bytes}.
    everything: Callable[[], dict[str, bytes]]
    # Put a file with this key's name beside the store (outside its folder or prefix).
    plant_outside: Callable[[str, bytes], None]
    # While active, every write fails half-way.
    interrupted_writes: Callable[[], AbstractContextManager[None]]


def folder_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Backend:
    store = FolderStore(tmp_path / "uploads")

    def everything() -> dict[str, bytes]:
        return {
            path.relative_to(tmp_path).as_posix(): path.read_bytes()
            for path in tmp_path.rglob("*")
            if path.is_file()
        }

    def plant_outside(relative: str, data: bytes) -> None:
        path = tmp_path / "uploads-other" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    @contextmanager
    def interrupted_writes() -> Iterator[None]:
        def disk_full(_descriptor: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", disk_full)
            yield

    return Backend(store, everything, plant_outside, interrupted_writes)


def s3_backend(s3_server) -> Backend:
    bucket = s3_server.new_bucket()
    settings = {
        **config.defaults("instance"),
        **s3_server.store_config(bucket, "photos", PHOTO_URLS="presigned"),
    }
    store = open_store(settings)
    client = s3_server.client()

    def everything() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            for item in listed
        }

    def plant_outside(relative: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=f"photos-other/{relative}", Body=data)
        client.put_object(Bucket=bucket, Key=relative, Body=data)

    @contextmanager
    def interrupted_writes() -> Iterator[None]:
        """Send the request's head and half its body, then drop the connection, as a
        network failure would, on every attempt the client makes."""

        def drop_half_way(request, **_) -> None:
            body = request.body.read() if hasattr(request.body, "read") else request.body
            url = urlsplit(request.url)
            lines = [f"{request.method} {url.path}?{url.query} HTTP/1.1", f"Host: {url.netloc}"]
            for name, value in request.headers.items():
                if name.lower() != "expect":
                    text = value.decode() if isinstance(value, bytes) else value
                    lines.append(f"{name}: {text}")
            head = ("\r\n".join(lines) + "\r\n\r\n").encode()
            with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
                connection.sendall(head + body[: len(body) // 2])
            raise ConnectionClosedError(endpoint_url=request.url)

        events = store.client.meta.events  # type: ignore[attr-defined]
        events.register("before-send.s3.PutObject", drop_half_way)
        try:
            yield
        finally:
            events.unregister("before-send.s3.PutObject", drop_half_way)

    return Backend(store, everything, plant_outside, interrupted_writes)


@pytest.fixture(params=["folder", "s3"])
def backend(request, tmp_path, monkeypatch) -> Backend:
    if request.param == "folder":
        return folder_backend(tmp_path, monkeypatch)
    return s3_backend(request.getfixturevalue("s3_server"))


def photo(size: int, fill: int) -> bytes:
    return bytes([fill]) * size


def test_a_written_file_reads_back_and_is_listed(backend: Backend, tmp_path: Path):
    store = backend.store
    store.write(KEY, b"a display image")
    assert store.read(KEY) == b"a display image"
    assert store.exists(KEY)
    assert list(store.walk()) == [KEY]
    assert store.modified_at(KEY) is not None
    store.copy_to(KEY, tmp_path / "copy.jpg")
    assert (tmp_path / "copy.jpg").read_bytes() == b"a display image"


def test_a_missing_file_is_not_found(backend: Backend, tmp_path: Path):
    store = backend.store
    with pytest.raises(FileNotFoundError):
        store.read(KEY)
    with pytest.raises(FileNotFoundError):
        store.copy_to(KEY, tmp_path / "copy.jpg")
    assert not (tmp_path / "copy.jpg").exists()
    assert not store.exists(KEY)
    assert store.modified_at(KEY) is None
    assert list(store.walk()) == []


def test_new_names_are_fresh_keys_in_their_folder(backend: Backend):
    names = {backend.store.new_name(PhotoFolder.THUMBS, "jpg") for _ in range(50)}
    assert len(names) == 50
    for name in names:
        folder, shard, file_name = name.split("/")
        assert folder == "thumbs" and file_name.startswith(shard) and file_name.endswith(".jpg")
    with pytest.raises(ValueError):
        backend.store.new_name("../elsewhere", "jpg")  # type: ignore[arg-type]


def test_a_write_replaces_the_whole_file(backend: Backend):
    store = backend.store
    store.write(KEY, photo(50_000, 1))
    store.write(KEY, b"short")
    assert store.read(KEY) == b"short"
    assert list(store.walk()) == [KEY]


def test_readers_see_the_old_file_or_the_new_never_a_mixture(backend: Backend):
    store = backend.store
    versions = [photo(200_000, 0xAA), photo(150_000, 0x55)]
    store.write(KEY, versions[0])
    seen: list[bytes] = []
    writing = threading.Event()

    def replace_repeatedly() -> None:
        writing.set()
        for round_number in range(30):
            store.write(KEY, versions[round_number % 2])

    writer = threading.Thread(target=replace_repeatedly)
    writer.start()
    writing.wait(timeout=10)
    while writer.is_alive() and len(seen) < 200:
        seen.append(store.read(KEY))
    writer.join(timeout=60)
    assert seen, "the reader never ran while the writer did"
    assert all(data in versions for data in seen), "a reader saw a partly replaced file"


def test_an_interrupted_write_leaves_no_file(backend: Backend):
    store = backend.store
    with backend.interrupted_writes(), pytest.raises(WRITE_FAILURES):
        store.write(KEY, photo(100_000, 7))
    assert not store.exists(KEY)
    assert KEY not in set(store.walk())
    with pytest.raises(FileNotFoundError):
        store.read(KEY)


def test_an_interrupted_replacement_keeps_the_old_file(backend: Backend):
    store = backend.store
    store.write(KEY, photo(80_000, 1))
    with backend.interrupted_writes(), pytest.raises(WRITE_FAILURES):
        store.write(KEY, photo(100_000, 2))
    assert store.read(KEY) == photo(80_000, 1)


@pytest.mark.parametrize("key", OUTSIDE_KEYS)
def test_keys_outside_the_store_are_refused(backend: Backend, key: str):
    store = backend.store
    before = backend.everything()
    with pytest.raises(ValueError):
        store.write(key, b"should not be written")
    with pytest.raises(ValueError):
        store.read(key)
    assert not store.exists(key)
    store.delete(key)
    assert backend.everything() == before


def test_files_beside_the_store_are_out_of_its_reach(backend: Backend):
    """Another folder or prefix that starts with the same letters, or the bucket's root."""
    store = backend.store
    backend.plant_outside(KEY, b"someone else's file")
    before = backend.everything()
    assert not store.exists(KEY)
    assert list(store.walk()) == []
    store.delete(KEY)
    assert backend.everything() == before


def test_delete_removes_only_the_named_files_and_ignores_missing_ones(backend: Backend):
    store = backend.store
    kept = "thumbs/ef/efefefefefefefefefefefefefefefef.jpg"
    store.write(KEY, b"display")
    store.write(kept, b"thumbnail")
    store.delete(KEY, "display/00/gone.jpg", "../escape.jpg")
    assert list(store.walk()) == [kept]
    store.delete()
    assert store.read(kept) == b"thumbnail"


def test_originals_never_get_a_public_url(backend: Backend):
    """A URL, when the store gives one, serves exactly the public derivative's bytes."""
    store = backend.store
    store.write(KEY, b"a public display image")
    store.write(ORIGINAL, b"an original with GPS in it")
    assert store.public_url(ORIGINAL) is None
    url = store.public_url(KEY)
    if url is not None:
        assert urlsplit(url).hostname == "127.0.0.1"  # the local S3 server, never the internet
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == b"a public display image"
        assert store.url_origin is not None and url.startswith(store.url_origin + "/")
