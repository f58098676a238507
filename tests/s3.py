"""An S3-compatible server for tests: moto's server mode, over HTTP, on loopback.

Plain functions, no pytest, so anything that needs object storage can start one (the
storage fixtures in tests/storage_fixtures.py, a deploy test with two app instances).
"""

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105  (moto accepts any key)


MISSING = "moto_server not found: pip install -r requirements-test.txt (moto[server])"


def moto_server_binary():
    """The ``moto_server`` beside this Python (the venv's), else on ``PATH``, else None."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.exists():
        return str(beside)
    return shutil.which("moto_server")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto_server(timeout=30.0):
    """Start ``moto_server`` on a free loopback port; answers ``(url, process)`` once it
    answers HTTP, or None when moto_server is not installed (:data:`MISSING` says how to
    install it). Stop it with :func:`stop_moto_server`."""
    binary = moto_server_binary()
    if binary is None:
        return None
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603  (our own venv's binary, fixed arguments)
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with status {process.returncode} before answering on {url}")
        try:
            requests.get(url + "/moto-api/", timeout=1)
            return url, process
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                stop_moto_server(process)
                raise RuntimeError(f"moto_server did not answer on {url} within {timeout} s") from None
            time.sleep(0.1)


def stop_moto_server(process):
    """Stop a server from :func:`start_moto_server` (terminate, then kill)."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def s3_client(url):
    """A boto3 S3 client for the server at ``url``."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def public_media_policy(bucket):
    """The bucket policy of README "Object storage", read from the README itself (so the
    tests apply what operators are told to): anyone may read Wagtail images and their
    renditions under ``media/``; nothing else (private files, documents)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("### Object storage") :]
    policy = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    json.loads(policy)  # the README's policy must be valid JSON
    return policy.replace("BUCKET", bucket)


def create_bucket(url, bucket):
    """Create ``bucket`` (if new) with the public-images policy; answers the client."""
    client = s3_client(url)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=public_media_policy(bucket))
    return client


def storage_settings(url, media_bucket, private_bucket=""):
    """The settings a site needs to use the server at ``url``: ``STORAGE``, the
    buckets, ``STORAGES`` (built as base.py builds it) and ``PRIVATE_DOWNLOADS``."""
    from site_config.storage import build_storages

    return {
        "STORAGE": "s3",
        "S3_MEDIA_BUCKET": media_bucket,
        "S3_PRIVATE_BUCKET": private_bucket,
        "STORAGES": build_storages(
            "s3",
            media_bucket=media_bucket,
            private_bucket=private_bucket,
            endpoint_url=url,
            region=REGION,
            addressing_style="path",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        ),
        "PRIVATE_DOWNLOADS": "redirect",
    }
