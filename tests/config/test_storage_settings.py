"""The file storage setting: the local disk by default, or a private, encrypted S3 bucket (ADR 0025)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import _file_storage

S3 = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "uploads"}
AWS_VARIABLES = [name for name in os.environ if name.startswith(("AWS_", "STORAGE_BACKEND"))]


@pytest.fixture(autouse=True)
def clean_environment() -> Iterator[None]:
    with mock.patch.dict(os.environ):
        for name in AWS_VARIABLES:
            del os.environ[name]
        yield


def test_storage_is_the_file_system_by_default() -> None:
    assert _file_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_storage_s3_is_private_encrypted_signed_briefly_and_never_overwrites() -> None:
    with mock.patch.dict(os.environ, S3):
        storage = _file_storage()

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "uploads"
    assert options["default_acl"] == "private"
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}
    assert (options["querystring_auth"], options["querystring_expire"]) == (True, 30)
    assert options["file_overwrite"] is False
    assert (options["access_key"], options["secret_key"], options["endpoint_url"]) == (None, None, None)


def test_storage_s3_with_a_kms_key() -> None:
    with mock.patch.dict(os.environ, {**S3, "AWS_S3_SSE": "aws:kms", "AWS_S3_SSE_KMS_KEY_ID": "key-1"}):
        options = _file_storage()["OPTIONS"]

    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key-1"}


def test_storage_s3_without_encryption_or_acl_when_set_empty() -> None:
    with mock.patch.dict(os.environ, {**S3, "AWS_S3_SSE": "", "AWS_DEFAULT_ACL": ""}):
        options = _file_storage()["OPTIONS"]

    assert (options["object_parameters"], options["default_acl"]) == ({}, None)


def test_storage_s3_needs_a_bucket() -> None:
    with mock.patch.dict(os.environ, {"STORAGE_BACKEND": "s3"}), pytest.raises(ImproperlyConfigured):
        _file_storage()


def test_storage_unknown_backend_is_refused() -> None:
    with (
        mock.patch.dict(os.environ, {"STORAGE_BACKEND": "ftp"}),
        pytest.raises(ImproperlyConfigured, match="choose 'filesystem' or 's3'"),
    ):
        _file_storage()
