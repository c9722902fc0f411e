"""django-filer's admin uploads (its folder's upload button and drop zones) on the direct path.

The file goes to the bucket as any direct upload of filer's `File.file` field (filer's own naming: a random
folder per upload); then, in place of filer's ajax_upload view, the file's row is made from what the upload's
checks found: size, type, an image's dimensions, transparency and EXIF date, without reading the file again.
filer's checksum (sha1, which it uses to spot duplicates) would mean reading the whole file: it starts as the
object's ETag (S3's own fingerprint: the same file uploaded the same way has the same one), and a worker
replaces it with the SHA-1 where there is a broker. It is never left empty: filer reads the whole file again
to compute an empty checksum each time it loads the row.
SVG files keep filer's own path: its validators read and sanitise them.
"""

import mimetypes
import posixpath

from celery import current_app
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse, reverse_lazy
from filer import settings as filer_settings
from filer.models import File, Folder, Image
from filer.utils.loader import load_model
from filer.validation import validate_upload

from . import protocol, tokens
from .files import direct_file
from .inspection import Refused

FIELD = "filer.File.file"
SVG = "image/svg+xml"
SCRIPT = "mediakit/direct-upload.js"
CHECKSUM_TASK = "mediakit.tasks.filer_checksum"


def enabled() -> bool:
    """Whether filer's uploads can go direct: its public files on an S3 storage (where its uploads go by default)."""
    return filer_settings.FILER_IS_PUBLIC_DEFAULT and protocol.supports(File._meta.get_field("file"))


def uploader_settings() -> dict:
    """What filer's uploader needs for direct uploads (direct-upload.js asks for it on filer's folder pages)."""
    steps = ("start", "sign", "complete", "abort", "filer_file")
    return {
        "ticket": tokens.ticket(FIELD, protocol.DEFAULT_MAX_SIZE),
        "max_size": protocol.DEFAULT_MAX_SIZE,
        "urls": {step: reverse(f"uploads:{step}") for step in steps},
    }


def mime_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def refuse_by_filer_rules(filename: str, user) -> None:
    """filer's validators for the file's type, before a byte moves (its `deny` and `deny_html` need only the name)."""
    kind = mime_type(filename)
    if kind == SVG:
        raise Refused(f"{filename}: SVG files go through filer's own upload, which checks and cleans them.")
    try:
        validate_upload(filename, None, user, kind)
    except ValidationError as error:
        raise Refused("; ".join(error.messages)) from None  # filer's messages name the file


def add_file(result_token: str, folder_id, request) -> dict:
    """The filer file (or image) for a finished upload, in the folder: filer's ajax_upload answer."""
    user = request.user
    if not user.has_perm("filer.add_file"):
        raise protocol.Denied("You may not add files.")
    result = tokens.read_result(result_token)
    field = File._meta.get_field("file")
    if result.field != FIELD or result.storage != protocol.storage_identity(field.storage):
        raise Refused("This upload was made for another field: upload the file again.")
    if result.user != str(user.pk):
        raise protocol.Denied("This upload was made by another user.")
    folder = None
    if folder_id is not None:
        folder = Folder.objects.filter(pk=folder_id).first()
        if folder is None:
            raise Refused("That folder does not exist (any more).")
        if not folder.has_add_children_permission(request):
            raise protocol.Denied("You may not add files to that folder.")
    filename = posixpath.basename(result.name)
    kind = mime_type(filename)
    model = next(
        model
        for model in map(load_model, filer_settings.FILER_FILE_MODELS)
        if model.matches_file_type(filename, None, kind)
    )
    file = model(
        original_filename=filename, owner=user, folder=folder, is_public=filer_settings.FILER_IS_PUBLIC_DEFAULT
    )
    file._file_data_changed_hint = False  # filer would read the whole file for its size, checksum and dimensions
    file.file = direct_file(field, result)
    file._file_size, file.mime_type = result.size, kind
    file.sha1 = result.etag[: File._meta.get_field("sha1").max_length]
    if isinstance(file, Image):
        file._width, file._height, file._transparent = result.width, result.height, result.transparent
        file.__dict__["exif"] = {"DateTimeOriginal": result.taken} if result.taken else {}
    with transaction.atomic():
        file.save()
        if settings.CELERY_BROKER_URL:
            pk = file.pk
            transaction.on_commit(lambda: current_app.send_task(CHECKSUM_TASK, args=[pk]))
    return _answer(file)


def _answer(file) -> dict:
    """What filer's own upload view answers, for its uploader's page."""
    data = {"thumbnail": None, "alt_text": "", "label": str(file), "file_id": file.pk}
    try:
        data["change_url"] = file.get_admin_change_url()
    except NoReverseMatch:
        data["change_url"] = ""
    if isinstance(file, Image):
        icon = f"admin:filer_{file._meta.model_name}_fileicon"
        data["thumbnail_180"] = reverse(icon, args=(file.pk, filer_settings.FILER_THUMBNAIL_ICON_SIZE))
        data["original_image"] = file.url
    return data


def send_folder_uploads_direct(site=None) -> None:
    """Put direct-upload.js on filer's folder pages (its admin renders the admin's media there), with the URL of
    the ticket its uploader needs: filer's FolderAdmin registered again, as a subclass of whatever is registered."""
    from django.contrib import admin

    site = site or admin.site
    registered = type(site._registry[Folder])

    class DirectUploadFolderAdmin(registered):
        @property
        def media(self):
            script = forms.Script(SCRIPT, **{"data-filer-ticket-url": reverse_lazy("uploads:filer_ticket")})
            return super().media + forms.Media(js=[script])

    site.unregister(Folder)
    site.register(Folder, DirectUploadFolderAdmin)
