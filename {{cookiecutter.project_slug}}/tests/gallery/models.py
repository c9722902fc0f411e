{% if cookiecutter.private_media -%}
from django.core.files.storage import storages
{% endif -%}
from django.db import models


class Photo(models.Model):
    """A test-only model: an image field on the media storage, for the browser test."""

    title = models.CharField(max_length=100)
    image = models.ImageField(upload_to="photos/")

    def __str__(self):
        return self.title


class Poster(models.Model):
    """Direct uploads of images: dimensions kept in fields of their own, folders by year."""

    title = models.CharField(max_length=100)
    image = models.ImageField(upload_to="posters/%Y/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)

    def __str__(self):
        return self.title
{%- if cookiecutter.private_media %}


def private_storage():
    return storages["private"]
{%- endif %}


class Document(models.Model):
    """Direct uploads of any file (a video, an archive)."""

    title = models.CharField(max_length=100)
    file = models.FileField(upload_to="documents/")
{%- if cookiecutter.private_media %}
    private_file = models.FileField(upload_to="documents/", storage=private_storage, blank=True)
{%- endif %}

    def __str__(self):
        return self.title
