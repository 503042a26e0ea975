"""One writer at a time per index, across processes and machines.

Lance commits every write atomically, but a sync is a plan (which documents changed) followed by several
commits: two syncs planned on the same version would both append the same new document. So every write
(`ChunkIndex.sync`, a rebuild) holds the index's writer lock, and a second writer waits for it up to
`[index] lock_timeout_s`, then fails with who holds it:

- a local folder: `fcntl.flock` on `<index>/.ragtune-writer.lock` (the kernel releases it when its process
  dies, so a killed ingest never leaves it behind);
- `s3://`: a lease object `<prefix>/.ragtune-writer.lock` created with a conditional PUT (`If-None-Match: *`,
  which S3 and S3-compatible servers answer 412 when it exists), renewed by its holder every `ttl / 3`
  seconds with `If-Match` on its ETag, and taken over with `If-Match` once it has expired (a killed writer's
  lease lapses after `ttl`);
- other object stores (gs://, az://): no lock yet; the write goes ahead with a warning (docs/scale.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Iterator, Mapping

from ragtune.errors import IndexLockedError

LOCK_NAME = ".ragtune-writer.lock"
LEASE_TTL_S = 60.0
log = logging.getLogger("ragtune.index")


def holder() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}


_held = threading.local()  # the locations this thread holds: a writer may nest (read the folder, then sync)


@contextlib.contextmanager
def writer_lock(location: str, storage_options: Mapping[str, str] | None = None,
                timeout_s: float = 600.0) -> Iterator[None]:
    """Hold the writer lock of the index at `location` for the `with` block; a thread that already holds it
    (an ingest reading its folder under the lock, then syncing) goes on, another thread waits like another
    process."""
    held: set[str] = getattr(_held, "locations", None) or set()
    _held.locations = held
    if location in held:
        yield
        return
    if location.startswith("s3://"):
        lock = _s3_lease(location, dict(storage_options or {}), timeout_s)
    elif "://" in location:
        log.warning("no writer lock for %s: run one writer at a time (docs/scale.md)", location)
        lock = contextlib.nullcontext()
    else:
        lock = _file_lock(Path(location), timeout_s)
    with lock:
        held.add(location)
        try:
            yield
        finally:
            held.discard(location)


def _locked_message(location: str, found: dict, waited: float) -> str:
    who = f"{found.get('host', '?')} (pid {found.get('pid', '?')}, since {found.get('since', '?')})"
    return (f"the index at {location} is being written by {who}; waited {waited:.0f} s ([index] lock_timeout_s). "
            "Wait for that ingest to finish and run this again; a killed writer's lock is released by itself.")


@contextlib.contextmanager
def _file_lock(folder: Path, timeout_s: float) -> Iterator[None]:
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(folder / LOCK_NAME, "a+", encoding="utf-8") as f:
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - start >= timeout_s:
                    f.seek(0)
                    raise IndexLockedError(_locked_message(str(folder), _json(f.read()), timeout_s)) from None
                time.sleep(0.2)
        f.seek(0)
        f.truncate()
        f.write(json.dumps(holder()))
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _dead_here(lease: dict) -> bool:
    """The lease's holder ran on this machine and its process is gone (a killed ingest: no need to wait)."""
    if lease.get("host") != socket.gethostname() or not isinstance(lease.get("pid"), int):
        return False
    try:
        os.kill(lease["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _json(text: str | bytes) -> dict:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def s3_client(options: Mapping[str, str]):
    """A boto3 client for the storage options LanceDB takes (endpoint, region, allow_http); credentials from
    the environment, as boto3 and LanceDB read them."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as e:
        raise IndexLockedError("writing an index on s3:// needs boto3 for its writer lock: "
                               "`pip install ragtune[scale]`.") from e
    get = lambda *keys: next((options[k] for k in keys if options.get(k)), None)  # noqa: E731
    return boto3.client("s3", endpoint_url=get("aws_endpoint", "endpoint", "aws_endpoint_url"),
                        region_name=get("aws_region", "region"), config=Config(retries={"max_attempts": 3}))


@contextlib.contextmanager
def _s3_lease(location: str, options: dict, timeout_s: float) -> Iterator[None]:
    from botocore.exceptions import ClientError

    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    key = f"{prefix.rstrip('/')}/{LOCK_NAME}".lstrip("/")
    client, start = s3_client(options), time.monotonic()
    etag = None
    while etag is None:
        body = json.dumps(holder() | {"expires": time.time() + LEASE_TTL_S}).encode()
        try:
            etag = client.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*")["ETag"]
            break
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
        found = client.get_object(Bucket=bucket, Key=key)
        lease = _json(found["Body"].read())
        if float(lease.get("expires", 0)) < time.time() or _dead_here(lease):  # its holder is gone: take it over
            with contextlib.suppress(ClientError):
                etag = client.put_object(Bucket=bucket, Key=key, Body=body, IfMatch=found["ETag"])["ETag"]
            continue
        if time.monotonic() - start >= timeout_s:
            raise IndexLockedError(_locked_message(location, lease, timeout_s))
        time.sleep(0.5)
    renewal = _Renewal(client, bucket, key, etag)
    try:
        yield
    finally:
        renewal.stop()
        with contextlib.suppress(ClientError):
            client.delete_object(Bucket=bucket, Key=key, IfMatch=renewal.etag)


class _Renewal:
    """Renews the lease every `LEASE_TTL_S / 3` seconds while its writer works."""

    def __init__(self, client, bucket: str, key: str, etag: str):
        self.client, self.bucket, self.key, self.etag = client, bucket, key, etag
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ragtune-lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(LEASE_TTL_S / 3):
            body = json.dumps(holder() | {"expires": time.time() + LEASE_TTL_S}).encode()
            try:
                self.etag = self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body,
                                                   IfMatch=self.etag)["ETag"]
            except Exception:  # noqa: BLE001 - logged; the write itself goes on, Lance's commits stay atomic
                log.exception("could not renew the writer lease of s3://%s/%s", self.bucket, self.key)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
