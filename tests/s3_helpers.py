"""A real S3-compatible server on 127.0.0.1 for the object-storage tests: moto's server mode (`ragtune[scale]`),
started once per session in its own process, with a bucket; credentials only in the environment, as a user's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

BUCKET = "ragtune-test"


@dataclass(frozen=True)
class S3Server:
    url: str
    bucket: str = BUCKET
    env: dict = field(default_factory=dict)

    @property
    def options(self) -> dict[str, str]:
        """LanceDB's storage options for it (no credentials: those are in the environment)."""
        return {"aws_endpoint": self.url, "allow_http": "true", "aws_region": "us-east-1"}

    def prefix(self) -> str:
        """A fresh location in the bucket, so tests never see each other's tables."""
        return f"s3://{self.bucket}/{uuid.uuid4().hex[:12]}"

    def index_toml(self) -> str:
        """An `[index]` section of ragtune.toml putting a project's index at a fresh location here."""
        options = ", ".join(f'{k} = "{v}"' for k, v in self.options.items())
        return f'[index]\nuri = "{self.prefix()}"\nstorage_options = {{ {options} }}\n'


def start_s3() -> tuple[S3Server, subprocess.Popen]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update(env)  # child processes (the crash tests' writers) inherit them
    server = S3Server(f"http://127.0.0.1:{port}", env=env)
    import boto3

    client = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            return server, proc
        except Exception:  # noqa: BLE001 - not listening yet
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)


@dataclass(frozen=True)
class IndexStore:
    """Where a test's indexes live: a local folder, or a fresh prefix on the S3 server."""

    root: str
    options: dict = field(default_factory=dict)

    @property
    def remote(self) -> bool:
        return self.root.startswith("s3://")

    def location(self, name: str) -> str:
        return f"{self.root}/{name}"

    def open(self, name: str, embedder, **kwargs):
        from ragtune.index import ChunkIndex

        return ChunkIndex.open(self.location(name), embedder, storage_options=self.options or None, **kwargs)
