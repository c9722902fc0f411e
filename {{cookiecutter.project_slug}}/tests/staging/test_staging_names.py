"""The names the staging utility accepts, as pure functions: what each becomes, and each refusal's whole message."""

import os
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import SuspiciousFileOperation

from mediakit.staging.names import (
    MAX_NAME_BYTES,
    clean_prefix,
    join,
    relative_name,
    shown,
    storage_name,
)


@pytest.mark.parametrize(
    ("prefix", "cleaned"),
    [
        ("", ""),
        ("/", None),
        ("reports", "reports"),
        ("reports/", "reports"),
        ("reports/2026/", "reports/2026"),
        (PurePosixPath("reports/2026"), "reports/2026"),
        ("résumé/café", "résumé/café"),
    ],
)
def test_a_prefix_is_a_folder_name_with_or_without_its_trailing_slash(prefix, cleaned):
    if cleaned is None:
        with pytest.raises(SuspiciousFileOperation):
            clean_prefix(prefix)
    else:
        assert clean_prefix(prefix) == cleaned


def test_join_puts_the_prefix_in_front_unless_there_is_none():
    assert join("", "a/b.txt") == "a/b.txt"
    assert join("reports/2026", "a/b.txt") == "reports/2026/a/b.txt"


def test_names_are_kept_exactly():
    assert storage_name("photos/cat.jpg") == "photos/cat.jpg"
    assert storage_name("X-rays/XX.jpg") == "X-rays/XX.jpg"
    assert storage_name(PurePosixPath("photos/naïve café.jpg")) == "photos/naïve café.jpg"
    assert storage_name("x" * MAX_NAME_BYTES) == "x" * MAX_NAME_BYTES  # the longest S3 takes


def test_relative_names_are_posix_paths_under_the_root(tmp_path):
    assert relative_name(tmp_path / "a" / "b.txt", tmp_path) == "a/b.txt"


LONG = "é" * (MAX_NAME_BYTES // 2) + "x"  # 1025 bytes in UTF-8, 513 characters

# (function, argument) -> the whole message
REFUSALS = [
    (
        clean_prefix,
        "/reports",
        "The prefix '/reports' is absolute: give a folder inside the storage, such as 'reports/2026'.",
    ),
    (clean_prefix, "a//b", "The prefix 'a//b' has an empty or '.' part: write it like 'folder/file.txt'."),
    (clean_prefix, "a/./b", "The prefix 'a/./b' has an empty or '.' part: write it like 'folder/file.txt'."),
    (
        clean_prefix,
        "../up",
        "The prefix '../up' leaves its folder: '..' is not allowed, names must stay inside the prefix.",
    ),
    (storage_name, "", "An empty name was given: name a file of the storage, such as 'photos/cat.jpg'."),
    (
        storage_name,
        "/etc/passwd",
        "The name '/etc/passwd' is absolute: give it relative to the storage, such as 'photos/cat.jpg'.",
    ),
    (
        storage_name,
        "a\\b.txt",
        "The name 'a\\\\b.txt' contains a backslash: storages would read it as a folder separator; "
        "use '/' between folders and rename the file.",
    ),
    (
        storage_name,
        "a\nb\x7f\nc.txt",
        "The name 'a\\nb\\x7f\\nc.txt' contains a control character (\\n, \\x7f): "
        "S3 refuses such names, or cannot remove them again in one batch; rename the file.",
    ),
    (
        storage_name,
        "a\ufffe.txt",
        "The name 'a\\ufffe.txt' contains a control character (\\ufffe): "
        "S3 refuses such names, or cannot remove them again in one batch; rename the file.",
    ),
    (
        storage_name,
        "x" * (MAX_NAME_BYTES + 1),
        f"The name '{'x' * 60}...' is longer than S3's 1024 bytes: shorten it.",
    ),
    (storage_name, LONG, f"The name '{'é' * 60}...' is longer than S3's 1024 bytes: shorten it."),
    (storage_name, "a/", "The name 'a/' has an empty or '.' part: write it like 'folder/file.txt'."),
    (
        storage_name,
        "a/../../b",
        "The name 'a/../../b' leaves its folder: '..' is not allowed, names must stay inside the prefix.",
    ),
]


@pytest.mark.parametrize(("check", "text", "message"), REFUSALS)
def test_each_refusal_says_the_whole_message(check, text, message):
    with pytest.raises(SuspiciousFileOperation) as caught:
        check(text)
    assert str(caught.value) == message


def test_a_file_name_that_is_not_utf8_is_refused_readably(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes on disk: Python keeps them as a surrogate
    with pytest.raises(SuspiciousFileOperation) as caught:
        relative_name(tmp_path / name, tmp_path)
    assert str(caught.value) == "The file 'caf\ufffd.txt' is not valid UTF-8: rename it."


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("plain café.txt", "plain café.txt"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("c1\x85", "c1\\x85"),
    ],
)
def test_shown_escapes_what_cannot_be_printed_and_keeps_the_rest(name, text):
    assert shown(name) == text


def test_the_length_limit_counts_utf8_bytes_not_characters():
    fits = "é" * (MAX_NAME_BYTES // 2)  # 1024 bytes
    assert storage_name(fits) == fits
    with pytest.raises(SuspiciousFileOperation):
        storage_name(fits + "x")
