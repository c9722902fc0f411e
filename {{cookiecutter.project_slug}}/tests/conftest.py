"""Fixtures the staging tests share (the test modules that want local_dir for every test say so)."""

import tempfile
from pathlib import Path

import pytest

from .s3_server import FaultyS3Server


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
