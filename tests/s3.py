"""An S3 server for the tests: moto's, in a thread on a free loopback port (no real S3 is reached).

The S3 storage (``STORAGE_BACKEND=s3``, ADR 0025) is tested against it; moto speaks S3's
HTTP API, so boto3 and django-storages run unchanged, but it is not S3 itself.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCESS_KEY = "moto-test-access-key"
SECRET_KEY = "moto-test-secret-key"  # moto accepts any key; this is no secret


@dataclass
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"clusterflow-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_settings(self, bucket: str) -> dict[str, Any]:
        """Return the STORAGES["default"] that config.settings builds from ``environment(bucket)``."""
        from config.settings import _file_storage

        with mock.patch.dict(os.environ, self.environment(bucket)):
            return _file_storage()

    def environment(self, bucket: str) -> dict[str, str]:
        """Return the environment variables that point a new process's settings at ``bucket``."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
        }

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def s3_server() -> Iterator[S3Server]:
    """Run moto's S3 server on 127.0.0.1 and a free port until the generator is closed."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in a failed test's output
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(endpoint=f"http://{host}:{port}")
    finally:
        server.stop()
