"""Object-storage fixtures (imported by tests/conftest.py, so every test can use them).

- ``moto_server`` (session): the URL of an S3-compatible server (moto's server mode, its
  own process on loopback, reached over HTTP as the site reaches S3). Skipped when
  ``moto_server`` is not installed, a failure when ``CI=true``.
- ``s3_storage``: this test's site stores media and private files in a fresh bucket on
  that server (``STORAGE=s3``, presigned download redirects), as base.py would build it;
  answers an :class:`S3Site` with the bucket and a boto3 client to look inside.
"""

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.storage import storages

from tests.s3 import MISSING, create_bucket, start_moto_server, stop_moto_server, storage_settings


@pytest.fixture(scope="session")
def moto_server():
    server = start_moto_server()
    if server is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"S3 tests are required in CI: {MISSING}")
        pytest.skip(MISSING)
    url, process = server
    yield url
    stop_moto_server(process)


@dataclass
class S3Site:
    url: str
    client: Any  # boto3 S3 client
    media_bucket: str
    private_bucket: str


def use_s3(settings, url, *, separate_private_bucket=False):
    """Point ``settings`` (pytest-django's fixture) at fresh buckets on ``url``."""
    media_bucket = f"media-{uuid.uuid4().hex[:16]}"
    private_bucket = f"private-{uuid.uuid4().hex[:16]}" if separate_private_bucket else ""
    client = create_bucket(url, media_bucket)
    if private_bucket:
        create_bucket(url, private_bucket)
    for name, value in storage_settings(url, media_bucket, private_bucket).items():
        setattr(settings, name, value)
    # Django forgets its storage backends when STORAGES changes; say it outright, since
    # every later lookup of "default" and "private" must build the S3 ones.
    storages._storages = {}
    return S3Site(url, client, media_bucket, private_bucket or media_bucket)


@pytest.fixture
def s3_storage(settings, moto_server):
    site = use_s3(settings, moto_server)
    yield site
    # Built against this test's buckets: gone, so the restored settings build afresh.
    storages._storages = {}
