from django.apps import AppConfig


class MediaKitConfig(AppConfig):
    """The template's media app: storage, staging, copy, thumbnails, uploads, clean-up (__init__.py has the map)."""

    name = "mediakit"
    verbose_name = "Media"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save, pre_save
        from easy_thumbnails.signals import saved_file

        from . import checks  # noqa: F401 -- registers the system checks
        from .cleanup.eager import connect as delete_files_no_longer_used
        from .uploads.signal_handlers import announce_direct_uploads

        # A replaced or deleted file, and its thumbnails, deleted once the transaction commits (cleanup/eager.py).
        delete_files_no_longer_used()
        # A direct upload, once saved, is announced as any upload is (uploads/signal_handlers.py).
        post_save.connect(announce_direct_uploads, dispatch_uid="announce_direct_uploads")
{%- if cookiecutter.private_media %}
        from .thumbnails.private import keep_private_thumbnails_private

        keep_private_thumbnails_private()
{%- endif %}

        # Every image saved through a model field gets its thumbnail aliases: from a worker once the upload is
        # committed when there is a broker (tasks.py), else at once, in the request.
        if settings.CELERY_BROKER_URL:
            from .tasks import queue_thumbnails_on_upload

            saved_file.connect(queue_thumbnails_on_upload, dispatch_uid="queue_thumbnails_on_upload")
        else:
            from .thumbnails.signal_handlers import keep_uploaded_content, make_thumbnails_on_upload

            pre_save.connect(keep_uploaded_content, dispatch_uid="keep_uploaded_content")
            saved_file.connect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
{%- if cookiecutter.use_filer %}
        self.connect_filer_images()
        self.send_filer_uploads_direct()

    def send_filer_uploads_direct(self):
        """filer's folder uploader on the direct path (uploads/filer_files.py), where its files are in a bucket."""
        from .uploads import filer_files, protocol

        if filer_files.enabled():
            protocol.BEFORE_START[filer_files.FIELD] = filer_files.refuse_by_filer_rules
            filer_files.send_folder_uploads_direct()

    def connect_filer_images(self):
        """filer's images (filer's own uploads included): EXIF from the upload in hand (thumbnails/filer.py);
        thumbnails that follow the focal point when an editor moves it (thumbnails/signal_handlers.py)."""
        from django.apps import apps
        from django.db.models.signals import post_init, post_save

        from .thumbnails.filer import read_exif_from_upload
        from .thumbnails.signal_handlers import follow_focal_point, remember_focal_point
        from .thumbnails.wanted import is_filer_image

        for model in apps.get_models():
            if is_filer_image(model):
                post_init.connect(read_exif_from_upload, sender=model, dispatch_uid=f"read_exif_from_upload_{model}")
                post_init.connect(remember_focal_point, sender=model, dispatch_uid=f"remember_focal_point_{model}")
                post_save.connect(follow_focal_point, sender=model, dispatch_uid=f"follow_focal_point_{model}")
{%- endif %}
