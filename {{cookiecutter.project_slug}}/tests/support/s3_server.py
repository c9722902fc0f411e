"""A real S3 server for the tests: moto in server mode, in its own process, on loopback."""

import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import boto3
import pytest
from botocore.config import Config

from .processes import free_port, stop_process

FAULTY_SERVER = Path(__file__).with_name("faulty_s3_server.py")

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
# For a server that checks credentials: moto lets this many requests through unsigned (to create the user).
SETUP_REQUESTS = 3
# The tests' own client sends what the project's clients send to an endpoint other than AWS.
CLIENT_CONFIG = Config(request_checksum_calculation="when_required", response_checksum_validation="when_required")


class S3Server:
    MEDIA_BUCKET = "media"
{%- if cookiecutter.private_media %}
    PRIVATE_BUCKET = "private"
{%- endif %}
    stash_key = pytest.StashKey["S3Server"]()

    def __init__(self, process: subprocess.Popen, url: str, log_path: str, ca_bundle: str | None = None):
        self.process = process
        self.url = url
        self.log_path = log_path
        self.credentials = CREDENTIALS
        self.ca_bundle = ca_bundle  # the certificate to trust when the server speaks HTTPS

    @classmethod
    def start(
        cls, timeout: float = 30, check_credentials: bool = False, tls: tuple[str, str] | None = None
    ) -> "S3Server":
        """Start a server; with check_credentials, it refuses any key but the one it made.

        tls: (certificate file, key file) to serve HTTPS with; the certificate is also the CA to trust.
        """
        port = free_port()
        environ = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_REQUESTS)} if check_credentials else None
        log = tempfile.NamedTemporaryFile(prefix="moto-server-", suffix=".log", delete=False)  # noqa: SIM115
        command = cls.command(port) + (["--cert", tls[0], "--key", tls[1]] if tls else [])
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environ,
        )
        log.close()  # the server process has its own handle
        scheme = "https" if tls else "http"
        server = cls(process, f"{scheme}://127.0.0.1:{port}", log.name, tls[0] if tls else None)
        deadline = time.monotonic() + timeout
        while not server.is_up():
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop(keep_log=True)
                raise RuntimeError(f"the moto S3 server did not start; its log is {log.name}")
            time.sleep(0.1)
        if check_credentials:
            server.credentials = server.create_user()
        server.create_buckets()
        return server

    def create_user(self) -> dict:
        """An IAM user allowed everything on S3, and its access key."""
        iam = boto3.client("iam", endpoint_url=self.url, **CREDENTIALS)
        iam.create_user(UserName="site")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="site", PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="site")["AccessKey"]
        return {
            **CREDENTIALS,
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }

    @classmethod
    def command(cls, port: int) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]

    def is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1, context=self.ssl_context()):
                return True
        except OSError:
            return False

    def ssl_context(self) -> ssl.SSLContext | None:
        return ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else None

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.url, config=CLIENT_CONFIG, verify=self.ca_bundle, **self.credentials
        )

    def create_buckets(self) -> None:
        client = self.client()
{%- if cookiecutter.private_media %}
        for bucket in (self.MEDIA_BUCKET, self.PRIVATE_BUCKET):
            client.create_bucket(Bucket=bucket)
{%- else %}
        client.create_bucket(Bucket=self.MEDIA_BUCKET)
{%- endif %}

    def reset(self) -> None:
        """Forget every object and bucket, then create the empty buckets again."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10, context=self.ssl_context()).close()
        self.create_buckets()

    def object_names(self, bucket: str = MEDIA_BUCKET) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def dsn(self, bucket: str, key: str | None = None, secret: str | None = None, **params: str) -> str:
        """A DSN for a bucket on this server, with its credentials unless others are given."""
        key = quote(key or self.credentials["aws_access_key_id"], safe="")
        secret = quote(secret or self.credentials["aws_secret_access_key"], safe="")
        query = urlencode({"endpoint_url": self.url, **params})
        return f"s3://{key}:{secret}@{bucket}/?{query}"

    def stop(self, keep_log: bool = False) -> None:
        stop_process(self.process)
        if not keep_log:
            Path(self.log_path).unlink(missing_ok=True)


class FaultyS3Server(S3Server):
    """The same S3 server behind a fault injector (tests/support/faulty_s3_server.py): errors, delays, a crash.

    It is strict as some S3-compatible services are: it refuses checksum headers and aws-chunked
    bodies (except on DeleteObjects), which boto3 sends by default. It checks signed URLs made with
    the test credentials as AWS does: a forged or expired one is refused, as is a SigV2 one.
    """

    @classmethod
    def command(cls, port: int) -> list[str]:
        signing_key = f"{CREDENTIALS['aws_access_key_id']}:{CREDENTIALS['aws_secret_access_key']}"
        return [sys.executable, str(FAULTY_SERVER), str(port), "--signing-key", signing_key]

    def reset(self) -> None:
        self._control("reset")
        super().reset()

    def fail(
        self,
        path: str,
        *,
        times: int | None = None,
        status: int = 500,
        code: str = "InternalError",
        message: str = "Injected by the test server.",
        method: str = "PUT",
    ) -> None:
        """Answer requests (PUTs unless told) whose path ("/bucket/key") matches the regex with an S3 error
        (the first `times` per path).

        Some S3-compatible services echo the access key in their error messages: `message` can do that too.
        """
        rule = {"method": method, "path": path, "times": times, "status": status, "code": code, "message": message}
        self._control("fail", rule)

    def slow_down(self, path: str, seconds: float, method: str = "PUT") -> None:
        self._control("slow", {"method": method, "path": path, "seconds": seconds})

    def limit_posts(self, size: int) -> None:
        """Refuse POST bodies over `size` bytes, as Exoscale SOS does over 16 MB (until reset)."""
        self._control("limit-post", {"bytes": size})

    def ignore_conditions(self) -> None:
        """Behave like a service without conditional writes: drop If-None-Match and If-Match."""
        self._control("ignore-conditions", {})

    def add_latency(self, seconds: float) -> None:
        """Hold every request this long before answering it, as a bucket some way off would (until reset)."""
        self._control("slow", {"path": "", "seconds": seconds})

    def die_after(self, count: int, path: str = "") -> None:
        """Exit while answering the `count`-th matching PUT (after moto stored it)."""
        self._control("die-after", {"method": "PUT", "path": path, "count": count})

    def outage_after(self, count: int, path: str = "") -> None:
        """Answer 503 to every request once the `count`-th matching PUT has succeeded, until recover()."""
        self._control("outage-after", {"method": "PUT", "path": path, "count": count})

    def recover(self) -> None:
        """End an outage (and forget every other rule); the objects stored are kept."""
        self._control("reset")

    def stats(self) -> dict:
        return self._control("stats", method="GET")

    def refused(self) -> list[str]:
        """Each request refused for a checksum header or an aws-chunked body: "METHOD PATH: HEADER"."""
        return self.stats()["refused"]

    def puts(self, path: str) -> list[int]:
        """The status of every PUT whose path matches the regex, in order."""
        return [status for method, put, status in self.stats()["requests"] if method == "PUT" and re.search(path, put)]

    def _control(self, command: str, rule: dict | None = None, method: str = "POST") -> dict:
        data = json.dumps(rule).encode() if rule is not None else None
        request = urllib.request.Request(f"{self.url}/fault-api/{command}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10, context=self.ssl_context()) as response:
            return json.loads(response.read())
