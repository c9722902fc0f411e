"""The protocol's pure parts over classes of inputs (hypothesis): tokens refuse every change, and the part plan keeps
within S3's limits for every size."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediakit.uploads import protocol, tokens

MIB = 1024 * 1024
UPLOAD = tokens.Upload(
    field="gallery.Document.file",
    storage="media/",
    user="1",
    name="documents/film.mp4",
    key="documents/film.mp4",
    size=17 * MIB,
    part_size=8 * MIB,
    upload_id="an-upload-id",
    max_size=5 * 1024 * MIB,
)
TOKEN = tokens.dumps(UPLOAD, tokens.UPLOAD_SALT)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:."


def test_a_token_reads_back_as_it_was_signed():
    assert tokens.read_upload(TOKEN) == UPLOAD


@given(position=st.integers(0, len(TOKEN) - 1), character=st.sampled_from(ALPHABET))
def test_any_changed_character_is_refused(position, character):
    changed = TOKEN[:position] + character + TOKEN[position + 1 :]
    if changed == TOKEN:
        return
    with pytest.raises(tokens.TokenRefused, match="not valid"):
        tokens.read_upload(changed)


@given(cut=st.integers(1, len(TOKEN) - 1))
def test_a_cut_token_is_refused(cut):
    with pytest.raises(tokens.TokenRefused):
        tokens.read_upload(TOKEN[:cut])


def test_a_token_of_one_kind_is_never_taken_for_another():
    with pytest.raises(tokens.TokenRefused):
        tokens.read_result(TOKEN)
    with pytest.raises(tokens.TokenRefused):
        tokens.read_ticket(TOKEN)


@given(size=st.integers(1, 5 * 1024**4))  # S3's largest object: 5 TiB
def test_the_part_plan_adds_up_within_s3s_limits(size):
    parts = protocol.plan(size)
    assert sum(parts) == size
    assert 1 <= len(parts) <= protocol.MAX_PARTS
    assert all(part == parts[0] >= 5 * MIB for part in parts[:-1])
    assert 0 < parts[-1] <= parts[0]
