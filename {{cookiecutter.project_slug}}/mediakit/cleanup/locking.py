"""One collector at a time, across every instance: a lock held by the database the instances share.

PostgreSQL and MySQL have named locks of their own (an advisory lock, GET_LOCK), held by the session and let
go when it ends, even if the process dies; SQLite is one machine's file, so a lock on a file beside it does.
"""

import fcntl
import hashlib
import os
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

LOCK_NAME = "mediakit.media_cleanup"


class AlreadyRunning(Exception):
    """Another run holds the lock."""


class NoLock(Exception):
    """The database has no lock this module knows how to take."""


@contextmanager
def held(name: str = LOCK_NAME, using: str = DEFAULT_DB_ALIAS):
    """Hold the named lock while the block runs; AlreadyRunning at once if another process holds it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        lock = _postgres
    elif connection.vendor == "mysql":
        lock = _mysql
    elif connection.vendor == "sqlite":
        lock = _sqlite_file
    else:
        raise NoLock(f"no lock for a {connection.vendor} database: runs on PostgreSQL, MySQL or SQLite")
    with lock(connection, name):
        yield


@contextmanager
def _postgres(connection, name: str):
    key = zlib.crc32(name.encode())  # advisory locks are named by a number
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise AlreadyRunning
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _mysql(connection, name: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, 0)", [name])
        if cursor.fetchone()[0] != 1:
            raise AlreadyRunning
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])


@contextmanager
def _sqlite_file(connection, name: str):
    database = str(connection.settings_dict["NAME"])
    if os.path.isabs(database):
        path = Path(f"{database}.{name}.lock")
    else:  # an in-memory database: one process's own
        digest = hashlib.sha256(database.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"{name}.{os.getpid()}.{digest}.lock"
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning from None
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
