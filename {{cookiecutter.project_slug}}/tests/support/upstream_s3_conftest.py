"""conftest.py for django-storages' own S3 tests (test_upstream_s3.py copies it beside them).

It runs their tests/test_s3.py with S3Storage replaced by the project's backend.
"""

import moto
from storages.backends import s3

from mediakit.storage.backends import S3MediaStorage

moto.mock_s3 = moto.mock_aws  # the tests import mock_s3, which moto 5 renamed mock_aws
s3.S3Storage = S3MediaStorage  # the tests build every storage as s3.S3Storage(...)


def pytest_terminal_summary(terminalreporter):
    # test_upstream_s3.py checks this line: the tests ran against the project's backend.
    terminalreporter.write_line(f"S3Storage is {s3.S3Storage.__module__}.{s3.S3Storage.__qualname__}")
