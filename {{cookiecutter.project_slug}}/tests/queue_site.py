"""What a site process does in the queue tests: images saved as an upload saves them, so that the upload handler
queues their thumbnails. `manage.py shell -c "from tests.queue_site import run; run('upload', 'a.jpg')"`."""

{% if cookiecutter.use_filer -%}
from django.core.files.base import ContentFile
{% endif -%}
from easy_thumbnails.models import Source, Thumbnail
{%- if cookiecutter.use_filer %}
from filer.models import Image
{%- endif %}

from {{ cookiecutter.project_slug }}.tasks import make_upload_thumbnails

from .images import image_bytes
{%- if cookiecutter.use_filer %}

MODEL, FIELD = "filer.Image", "file"
{%- else %}
from .upload_helpers import photo_upload

MODEL, FIELD = "gallery.Photo", "image"
{%- endif %}


def upload(*names: str) -> None:
    """Save an image for each name (small pictures); print each one's stored name and id."""
    for name in names:
{%- if cookiecutter.use_filer %}
        image = Image.objects.create(file=ContentFile(image_bytes(size=(320, 240)), name=name), original_filename=name)
        print(image.file.name, image.pk)
{%- else %}
        photo = photo_upload(name, image_bytes(size=(320, 240)))
        print(photo.image.name, photo.pk)
{%- endif %}


def queue_again(pk: int, times: int) -> None:
    """The upload's task sent again, as a redelivery would bring it."""
    for _ in range(times):
        make_upload_thumbnails.delay(MODEL, pk, FIELD)


def count_rows() -> None:
    """easy-thumbnails' rows: sources, thumbnails (their names, sorted)."""
    print(Source.objects.count(), Thumbnail.objects.count())
    print(" ".join(sorted(Thumbnail.objects.values_list("name", flat=True))))


def run(command: str, *args) -> None:
    {"upload": upload, "queue-again": queue_again, "rows": count_rows}[command](*args)
