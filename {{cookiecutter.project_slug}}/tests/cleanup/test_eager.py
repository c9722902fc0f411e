"""A replaced or deleted file and every thumbnail of it go once the transaction commits, never before, against a
real S3 server; a rollback keeps everything; a file another row names is kept; one transaction's deletes are
batched."""

import logging

import pytest
{%- if not cookiecutter.use_filer %}
from django.core.files.base import ContentFile
from django.core.files.storage import storages
{%- endif %}
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from easy_thumbnails.models import Source
{%- if cookiecutter.use_filer %}
from filer import settings as filer_settings
from filer.models import Image
{%- else %}

from tests.gallery.models import Photo
{%- endif %}

from ..support.images import JPEG, PNG_TRANSPARENT
from ..support.s3_requests import s3_requests

pytestmark = pytest.mark.django_db(transaction=True)  # real commits and rollbacks: on_commit runs as in a site


class Rollback(Exception):
    pass


def objects(s3_server, start: str) -> list[str]:
    return sorted(key for key in s3_server.object_names() if key.startswith(start))
{%- if cookiecutter.use_filer %}


def upload(name: str, data: bytes = JPEG) -> Image:
    """A filer image saved as filer's admin saves one: its thumbnails made at upload (with rows)."""
    return Image.objects.create(file=SimpleUploadedFile(name, data, "image/jpeg"), original_filename=name)


def thumbnails_of(s3_server, image: Image) -> list[str]:
    return objects(s3_server, f"filer_public_thumbnails/{image.file.name}__")


def stored_name(image: Image) -> str:
    return image.file.name


def put(s3_server, key: str, data: bytes = b"x") -> None:
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=key, Body=data)


def test_a_deleted_image_and_every_thumbnail_go_after_the_commit_not_before(s3_server):
    image, other = upload("harbour.jpg"), upload("harbour-2.jpg")
    original = image.file.name
    unrecorded = f"filer_public_thumbnails/{original}__77x77_q85.jpg"  # made by name, no row of easy-thumbnails
    put(s3_server, unrecorded)
    made = thumbnails_of(s3_server, image)
    assert unrecorded in made and len(made) > 5
    kept = [other.file.name, *thumbnails_of(s3_server, other)]

    with transaction.atomic():
        Image.objects.get(pk=image.pk).delete()  # filer's File.delete(): it deleted the files here, in the request
        assert original in s3_server.object_names()
        assert set(made) <= set(s3_server.object_names())

    assert original not in s3_server.object_names()
    assert thumbnails_of(s3_server, image) == []
    assert set(kept) <= set(s3_server.object_names())
    assert not Source.objects.filter(name=original).exists()
    assert Source.objects.filter(name=other.file.name).exists()


def test_a_rollback_keeps_the_file_and_its_thumbnails(s3_server):
    image = upload("quay.jpg")
    made = [image.file.name, *thumbnails_of(s3_server, image)]

    with pytest.raises(Rollback), transaction.atomic():
        Image.objects.get(pk=image.pk).delete()
        raise Rollback

    assert Image.objects.filter(pk=image.pk).exists()
    assert set(made) <= set(s3_server.object_names())  # filer alone lost them here (FACTS: measured)
    assert Source.objects.filter(name=image.file.name).exists()


def test_a_replaced_file_goes_with_its_thumbnails_and_the_new_one_stays(s3_server):
    image = upload("boat.jpg")
    old, old_thumbnails = image.file.name, thumbnails_of(s3_server, image)

    with transaction.atomic():
        image = Image.objects.get(pk=image.pk)
        image.file = SimpleUploadedFile("boat-new.png", PNG_TRANSPARENT, "image/png")
        image.save()
        assert old in s3_server.object_names()

    image.refresh_from_db()
    assert old not in s3_server.object_names()
    assert not set(old_thumbnails) & set(s3_server.object_names())
    assert image.file.name in s3_server.object_names()
    assert thumbnails_of(s3_server, image)  # the new file's, made at upload


def test_a_file_another_row_still_names_is_kept(s3_server):
    image = upload("shared.jpg")
    twin = Image.objects.create(file=image.file.name, original_filename="shared.jpg")
    made = [image.file.name, *thumbnails_of(s3_server, image)]

    Image.objects.get(pk=image.pk).delete()

    assert set(made) <= set(s3_server.object_names())
    twin.delete()
    assert not set(made) & set(s3_server.object_names())


def test_one_transactions_deletes_are_batched(s3_server):
    images = [upload(f"batch-{number}.jpg") for number in range(12)]
    storages = [filer_settings.FILER_PUBLICMEDIA_STORAGE, filer_settings.FILER_PUBLICMEDIA_THUMBNAIL_STORAGE]

    with s3_requests(*storages) as sent, transaction.atomic():
        for image in images:
            Image.objects.get(pk=image.pk).delete()
        assert [request for request in sent if not request.startswith("GET ")] == []  # nothing deleted yet

    deletes = [request for request in sent if request.startswith("POST ")]
    assert len(deletes) == 1  # one DeleteObjects for 12 originals and all their thumbnails
    assert objects(s3_server, "filer_public/") == []
    assert objects(s3_server, "filer_public_thumbnails/") == []


def test_a_deleted_folder_takes_its_images_files_after_the_commit(s3_server):
    from filer.models import Folder

    folder = Folder.objects.create(name="trip")
    image = upload("trip.jpg")
    Image.objects.filter(pk=image.pk).update(folder=folder)
    made = [image.file.name, *thumbnails_of(s3_server, image)]

    folder.delete()  # a cascade: filer's File.delete() is not called, the signals are

    assert not set(made) & set(s3_server.object_names())
{%- else %}


def upload(name: str, data: bytes = JPEG) -> Photo:
    """A photo saved as a form saves one: its thumbnails made at upload (with rows)."""
    photo = Photo(title=name, image=SimpleUploadedFile(name, data, "image/jpeg"))
    photo.save()
    return photo


def thumbnails_of(s3_server, photo: Photo) -> list[str]:
    return objects(s3_server, f"{photo.image.name}.")


def stored_name(photo: Photo) -> str:
    return photo.image.name


def test_a_deleted_photo_and_every_thumbnail_go_after_the_commit_not_before(s3_server):
    photo, other = upload("harbour.jpg"), upload("harbour-2.jpg")
    original = photo.image.name
    unrecorded = f"{original}.77x77_q85.jpg"  # made by name, no row of easy-thumbnails
    storages["default"].save(unrecorded, ContentFile(b"x"))
    made = thumbnails_of(s3_server, photo)
    assert unrecorded in made and len(made) == 4
    kept = [other.image.name, *thumbnails_of(s3_server, other)]

    with transaction.atomic():
        Photo.objects.get(pk=photo.pk).delete()
        assert {original, *made} <= set(s3_server.object_names())

    assert original not in s3_server.object_names()
    assert thumbnails_of(s3_server, photo) == []
    assert set(kept) <= set(s3_server.object_names())
    assert not Source.objects.filter(name=original).exists()


def test_a_rollback_keeps_the_file_and_its_thumbnails(s3_server):
    photo = upload("quay.jpg")
    made = [photo.image.name, *thumbnails_of(s3_server, photo)]

    with pytest.raises(Rollback), transaction.atomic():
        Photo.objects.get(pk=photo.pk).delete()
        raise Rollback

    assert set(made) <= set(s3_server.object_names())
    assert Source.objects.filter(name=photo.image.name).exists()


def test_a_replaced_file_goes_with_its_thumbnails_and_the_new_one_stays(s3_server):
    photo = upload("boat.jpg")
    old, old_thumbnails = photo.image.name, thumbnails_of(s3_server, photo)

    with transaction.atomic():
        photo = Photo.objects.get(pk=photo.pk)
        photo.image = SimpleUploadedFile("boat-new.png", PNG_TRANSPARENT, "image/png")
        photo.save()
        assert old in s3_server.object_names()

    assert old not in s3_server.object_names()
    assert not set(old_thumbnails) & set(s3_server.object_names())
    assert photo.image.name in s3_server.object_names()
    assert thumbnails_of(s3_server, photo)


def test_a_save_that_leaves_the_file_alone_deletes_nothing(s3_server):
    photo = upload("still.jpg")
    made = [photo.image.name, *thumbnails_of(s3_server, photo)]

    photo = Photo.objects.get(pk=photo.pk)
    photo.title = "renamed"
    photo.save()
    Photo.objects.only("title").get(pk=photo.pk).save(update_fields=["title"])

    assert set(made) <= set(s3_server.object_names())


def test_a_file_another_row_still_names_is_kept(s3_server):
    photo = upload("shared.jpg")
    twin = Photo.objects.create(title="twin", image=photo.image.name)
    made = [photo.image.name, *thumbnails_of(s3_server, photo)]

    Photo.objects.get(pk=photo.pk).delete()

    assert set(made) <= set(s3_server.object_names())
    twin.delete()
    assert not set(made) & set(s3_server.object_names())


def test_one_transactions_deletes_are_batched(s3_server):
    photos = [upload(f"batch-{number}.jpg") for number in range(12)]

    with s3_requests(storages["default"], storages["easy_thumbnails"]) as sent, transaction.atomic():
        Photo.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
        assert sent == []

    assert len([request for request in sent if request.startswith("POST ")]) == 1  # one DeleteObjects
    assert objects(s3_server, "photos/") == []
{%- endif %}


def test_a_storage_that_refuses_the_delete_leaves_the_files_and_says_so_in_one_line(s3_server, caplog):
    item = upload("outage.jpg")
    made = [stored_name(item), *thumbnails_of(s3_server, item)]
    s3_server.fail(f"^/{s3_server.MEDIA_BUCKET}/?$", method="POST", status=503, code="SlowDown")  # DeleteObjects

    with caplog.at_level(logging.WARNING, logger="mediakit.cleanup.eager"):
        type(item).objects.get(pk=item.pk).delete()  # the delete itself stands

    assert not type(item).objects.filter(pk=item.pk).exists()
    assert set(made) <= set(s3_server.object_names())  # left for media_cleanup
    logged = [record for record in caplog.records if record.name == "mediakit.cleanup.eager"]
    assert len(logged) == 1 and logged[0].exc_info is None
    message = logged[0].getMessage()
    assert message.startswith(f"Could not delete {', '.join(sorted(made))} after the commit (media_cleanup will): ")
    assert "(SlowDown) when calling the DeleteObjects operation" in message and "\n" not in message
