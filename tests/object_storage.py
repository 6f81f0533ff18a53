"""A local S3 server for the tests (moto in server mode, on a free loopback port), and a
fresh bucket for each test that asks for one.

The server is started once per session, only when a test needs it. While it runs, the
AWS_* variables point boto3 at throwaway credentials and away from any AWS configuration
of the machine's user, so no test can ever reach a real bucket.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config

REGION = "eu-west-2"
TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "hikwatch-tests",
    "AWS_SECRET_ACCESS_KEY": "hikwatch-tests-secret",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


@dataclass
class S3Server:
    endpoint_url: str

    def client(self):
        options = Config(s3={"addressing_style": "path"})
        return boto3.client("s3", endpoint_url=self.endpoint_url, config=options)

    def new_bucket(self) -> str:
        name = f"hikwatch-{secrets.token_hex(6)}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def store_config(self, bucket: str, prefix: str = "photos", **settings) -> dict:
        """The app settings that keep photos in this bucket under this prefix."""
        return {
            "PHOTO_STORE": f"s3://{bucket}/{prefix}",
            "PHOTO_STORE_ENDPOINT_URL": self.endpoint_url,
            **settings,
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in (*TEST_ENVIRONMENT, *CLEARED)}
    os.environ.update(TEST_ENVIRONMENT)
    for name in CLEARED:
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_photo_store(s3_server: S3Server) -> dict:
    """App settings for photos in a new, empty bucket of this test's own."""
    return s3_server.store_config(s3_server.new_bucket())


# Runs a test twice: photos in the app's folder, then in a bucket on the local S3 server.
BOTH_STORES = pytest.mark.parametrize("photo_store", ["folder", "s3"], indirect=True)
