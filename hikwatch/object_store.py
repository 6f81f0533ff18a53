"""Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, R2…), so that several app
servers share one set of photos: PHOTO_STORE=s3://bucket/prefix.

Credentials and region come from boto3's usual sources (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, an instance role…); PHOTO_STORE_ENDPOINT_URL
names a server other than AWS, which is then addressed path-style (bucket in the path),
as most such servers expect.

Each write is one PUT with the body's MD5: S3 stores an object whole or not at all and
refuses a body that does not match its digest, so there is nothing like the folder's
temporary files to clean up. Keys are checked exactly as the folder checks them and
always start with the prefix, so no key reaches outside it.

The bucket stays private. With PHOTO_URLS=presigned the app redirects a public
derivative's URL to a short-lived signed one; with PHOTO_URLS=public, to
PHOTO_PUBLIC_BASE_URL, for which the operator makes display/ and thumbs/ (never
originals/) readable. Originals are never given a URL.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from hikwatch.storage import FileStore, check_key, is_public_derivative
from hikwatch.vocab import PhotoFolder, PhotoUrlMode

MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


def parse_location(location: str) -> tuple[str, str]:
    """('bucket', 'prefix/') from 's3://bucket/prefix'; the prefix may be empty."""
    parts = urlsplit(location)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"PHOTO_STORE must look like s3://bucket/prefix, not {location!r}")
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ValueError(f"PHOTO_STORE's prefix must be a plain path: {location!r}")
    return parts.netloc, f"{prefix}/" if prefix else ""


def is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in MISSING_CODES


class S3Store(FileStore):
    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        urls: str = PhotoUrlMode.APP,
        public_base_url: str = "",
        url_seconds: int = 300,
    ) -> None:
        if urls == PhotoUrlMode.PUBLIC and not public_base_url:
            raise ValueError("PHOTO_URLS=public needs PHOTO_PUBLIC_BASE_URL.")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.urls = urls
        self.public_base_url = public_base_url.rstrip("/")
        self.url_seconds = url_seconds

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Store:
        bucket, prefix = parse_location(config["PHOTO_STORE"].strip())
        endpoint = config.get("PHOTO_STORE_ENDPOINT_URL") or None
        options = Config(
            s3={"addressing_style": "path"} if endpoint else {},
            retries={"mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        )
        # A client of its own session: clients are thread-safe, sessions are not.
        client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=options)
        return cls(
            client,
            bucket,
            prefix,
            urls=config.get("PHOTO_URLS") or PhotoUrlMode.APP,
            public_base_url=config.get("PHOTO_PUBLIC_BASE_URL") or "",
            url_seconds=int(config.get("PHOTO_URL_SECONDS") or 300),
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, relative: str) -> str:
        return self.prefix + check_key(relative)

    def write(self, relative: str, data: bytes) -> None:
        digest = base64.b64encode(hashlib.md5(data).digest()).decode()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(relative),
            Body=data,
            ContentMD5=digest,
            ContentType=content_type,
        )

    def read(self, relative: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(relative))
        except ClientError as error:
            if is_missing(error):
                raise FileNotFoundError(relative) from None
            raise
        with answer["Body"] as body:
            return body.read()

    def head(self, relative: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(relative))
        except ClientError as error:
            if is_missing(error):
                return None
            raise

    def exists(self, relative: str) -> bool:
        try:
            return self.head(relative) is not None
        except ValueError:
            return False

    def delete(self, *relatives: str) -> None:
        keys = []
        for relative in relatives:
            try:
                keys.append(self.key(relative))
            except ValueError:
                continue
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def walk(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2")
        for kind in PhotoFolder:
            for page in pages.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}{kind}/"):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix) :]

    def modified_at(self, relative: str) -> float | None:
        found = self.head(relative)
        return None if found is None else found["LastModified"].timestamp()

    def copy_to(self, relative: str, destination: Path) -> None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(relative))
        except ClientError as error:
            if is_missing(error):
                raise FileNotFoundError(relative) from None
            raise
        with answer["Body"] as body, open(destination, "wb") as handle:
            shutil.copyfileobj(body, handle)

    def public_url(self, relative: str) -> str | None:
        if not is_public_derivative(check_key(relative)):
            return None
        if self.urls == PhotoUrlMode.PRESIGNED:
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.key(relative)},
                ExpiresIn=self.url_seconds,
            )
        if self.urls == PhotoUrlMode.PUBLIC:
            return f"{self.public_base_url}/{quote(relative)}"
        return None

    @property
    def url_origin(self) -> str | None:
        # Signing happens on this machine: no request is made to learn the URL's origin.
        sample = self.public_url(f"{PhotoFolder.DISPLAY}/00/sample.jpg")
        if sample is None:
            return None
        parts = urlsplit(sample)
        return f"{parts.scheme}://{parts.netloc}"
