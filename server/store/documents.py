"""Where the sealed waiver PDFs are kept: an S3 bucket (`SCC_DOCUMENTS_BUCKET`, the
stack's versioned, encrypted, private DocumentsBucket) or, under `make run`, a folder
under `var/`. A document's key names its content's SHA-256, so a key is written once
with one content and a second writer can only write the same bytes or another key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from server import call_log
from server.settings import Settings
from server.store.boundary import Repo


class Documents(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Keep `data` under `key`."""
        ...

    def get(self, key: str) -> bytes | None:
        """The bytes kept under `key`, or None."""
        ...


def waiver_key(waiver_id: str, sha256: str) -> str:
    """`waivers/<waiver id>/<its SHA-256>.pdf`: a rename moves the waiver to another
    event id, never to another waiver id, so the key outlives it."""
    return f"waivers/{waiver_id}/{sha256}.pdf"


class BucketDocuments(Repo):
    """Documents in S3; the client is made on first use (boto3's S3 model loads then)."""

    def __init__(self, bucket: str, region: str, call_log_path: Path | None = None) -> None:
        self.bucket = bucket
        self._region = region
        self._call_log = call_log_path
        self._s3: Any = None

    def _client(self) -> Any:
        if self._s3 is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2})
            self._s3 = boto3.session.Session().client("s3", region_name=self._region, config=config)
            if self._call_log is not None:
                call_log.record(self._s3, self._call_log)
        return self._s3

    def put(self, key: str, data: bytes) -> None:
        self._client().put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType="application/pdf",
            ServerSideEncryption="AES256",
        )

    def get(self, key: str) -> bytes | None:
        client = self._client()
        try:
            answer = client.get_object(Bucket=self.bucket, Key=key)
        except client.exceptions.NoSuchKey:
            return None
        return bytes(answer["Body"].read())


class FolderDocuments(Repo):
    """Documents as files under one folder (`make run`: var/documents)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        path = (self.folder / key).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise ValueError("a document key stays inside its folder")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or absent, never half a file

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None


def make_documents(settings: Settings) -> Documents:
    """The bucket SCC_DOCUMENTS_BUCKET names, else the local folder (var/documents)."""
    if settings.documents_bucket:
        bucket, region = settings.documents_bucket, settings.aws_region
        return BucketDocuments(bucket, region, settings.aws_call_log)
    return FolderDocuments(settings.local_data / "documents")
