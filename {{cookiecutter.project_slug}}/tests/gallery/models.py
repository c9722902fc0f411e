from django.db import models


class Photo(models.Model):
    """A test-only model: an image field on the media storage, for the browser test."""

    title = models.CharField(max_length=100)
    image = models.ImageField(upload_to="photos/")

    def __str__(self):
        return self.title
