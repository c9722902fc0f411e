"""What the database still uses, over many mixes of files: exactly the files a row names, and the thumbnails of
those (easy-thumbnails' naming and django-filer's, with or without a row), whatever else lies around."""

import pytest
from django.db import transaction
from easy_thumbnails.models import Source, Thumbnail
{%- if cookiecutter.use_filer %}
from filer.models import File
{%- endif %}
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediakit.cleanup.references import in_use
{%- if not cookiecutter.use_filer %}
from tests.gallery.models import Photo
{%- endif %}

pytestmark = pytest.mark.django_db
BASE = "filer_public_thumbnails"
word = st.text(alphabet="abcdefghij-_", min_size=1, max_size=6)
extension = st.sampled_from(["jpg", "png"])
name = st.builds(lambda folder, stem, extension: f"{folder}/{stem}.{extension}", word, word, extension)


def name_in_a_row(stored: str) -> None:
{%- if cookiecutter.use_filer %}
    File.objects.create(file=stored, original_filename=stored.rsplit("/", 1)[-1])
{%- else %}
    Photo.objects.create(title="row", image=stored)
{%- endif %}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(name, st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=6))
def test_exactly_the_named_files_and_their_thumbnails_are_in_use(s3_server, files):
    """files: name -> (a row names it, easy-thumbnails has a row for one of its thumbnails)."""
    with transaction.atomic():
        keys, owner = {}, {}
        for stored, (named, recorded) in files.items():
            if named:
                name_in_a_row(stored)
            thumbnails = [f"{stored}.160x160_q85_crop.jpg", f"{BASE}/{stored}__64x64_q85.jpg", f"{stored}.thumb.jpg"]
            if recorded:  # a name no naming rule reads back: only the row ties it to its source
                source = Source.objects.create(name=stored, storage_hash="any")
                Thumbnail.objects.create(name=thumbnails[2], source=source, storage_hash="any")
            for key in [stored, *thumbnails]:
                keys[key], owner[key] = [key], stored
        keys["lost/orphan.jpg.10x10_q85.jpg"] = ["lost/orphan.jpg.10x10_q85.jpg"]  # a thumbnail of nothing named

        used = in_use(keys, (BASE,))

        expected = {
            key
            for key, stored in owner.items()
            if files[stored][0] and (not key.endswith(".thumb.jpg") or files[stored][1])
        }
        assert used == expected
        transaction.set_rollback(True)
