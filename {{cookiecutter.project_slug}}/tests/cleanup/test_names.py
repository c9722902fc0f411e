"""A thumbnail belongs to its source by name: easy-thumbnails' and django-filer's namings, read back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediakit.cleanup.names import is_thumbnail_of, sources_of

FILER = "filer_public_thumbnails"


@pytest.mark.parametrize(
    ("name", "sources"),
    [
        ("photos/a.jpg.160x160_q85_crop.jpg", ["photos/a.jpg"]),
        ("photos/a.jpg.1000x1000_q85.jpg", ["photos/a.jpg"]),
        ("photos/a.png.160x160_q85_crop@2x.png", ["photos/a.png"]),
        (
            f"{FILER}/filer_public/ab/cd/a.jpg__160x160_q85_crop_ALIAS-small_subsampling-2.jpg",
            ["filer_public/ab/cd/a.jpg"],
        ),
        ("photos/a.jpg", []),  # an original
        ("photos/.160x160_q85.jpg", []),  # no file name of its own before the options
        ("photos/a.jpg.small.jpg", []),  # options that do not start with a size
        ("160x160/a.jpg", []),
    ],
)
def test_sources_by_name(name, sources):
    found = sources_of(name, (FILER,))
    assert [source for source in found if not source.startswith(FILER)] == sources


def test_a_name_that_could_come_from_two_sources_names_both_longest_first():
    assert sources_of("a.jpg.10x10_q85.jpg.160x160_q85.jpg") == ["a.jpg.10x10_q85.jpg", "a.jpg"]


def test_a_thumbnail_of_a_similar_name_is_not_this_sources():
    assert not is_thumbnail_of("photos/a.jpg.png.160x160_q85.png", "photos/a.jpg")
    assert is_thumbnail_of("photos/a.jpg.png.160x160_q85.png", "photos/a.jpg.png")
    assert not is_thumbnail_of(f"{FILER}/b.jpg__16x16_q85.jpg", "a.jpg", FILER)


segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12).filter(
    lambda text: text not in (".", "..")
)


@given(
    folders=st.lists(segment, max_size=3),
    stem=segment,
    extension=st.sampled_from(["jpg", "png", "webp", "gif"]),
    size=st.tuples(st.integers(0, 4000), st.integers(0, 4000)),
    options=st.sampled_from(["", "_q85", "_q85_crop", "_q85_crop_ALIAS-small_subsampling-2", "_crop-smart@2x"]),
    filer=st.booleans(),
)
def test_every_thumbnail_name_leads_back_to_its_source(folders, stem, extension, size, options, filer):
    source = "/".join([*folders, f"{stem}.{extension}"])
    tail = f"{size[0]}x{size[1]}{options}.jpg"
    name = f"{FILER}/{source}__{tail}" if filer else f"{source}.{tail}"
    assert is_thumbnail_of(name, source, FILER if filer else "")
    assert source not in sources_of(source, (FILER,))  # an original is nobody's thumbnail of itself
