"""What a site process does in the queue tests: images saved as an upload saves them, so that the upload handler
queues their thumbnails. `manage.py shell -c "from tests.support.queue_site import run; run('upload', 'a.jpg')"`."""

{% if cookiecutter.use_filer -%}
from django.core.files.base import ContentFile
{% endif -%}
from django.template import Context, Template
from easy_thumbnails.models import Source, Thumbnail
{%- if cookiecutter.use_filer %}
from filer.models import Image
{%- endif %}

from mediakit.tasks import make_upload_thumbnails

{% if cookiecutter.use_filer -%}
from .images import image_bytes

MODEL, FIELD = "filer.Image", "file"
{% else -%}
from ..gallery.models import Photo
from .images import image_bytes
from .upload_helpers import photo_upload

MODEL, FIELD = "gallery.Photo", "image"
{% endif %}

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


def show(pk: int) -> None:
    """What a page showing the image's small thumbnail puts in its src (made on demand if need be)."""
{%- if cookiecutter.use_filer %}
    page = Template('{% raw %}{% load thumbnail %}{% thumbnail image "small" %}{% endraw %}')
    print(page.render(Context({"image": Image.objects.get(pk=pk)})))
{%- else %}
    page = Template('{% raw %}{% load thumbnail %}{% thumbnail photo.image "small" %}{% endraw %}')
    print(page.render(Context({"photo": Photo.objects.get(pk=pk)})))
{%- endif %}


def run(command: str, *args) -> None:
    {"upload": upload, "queue-again": queue_again, "rows": count_rows, "show": show}[command](*args)
