from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}"
    verbose_name = "{{ cookiecutter.project_name }}"

    def ready(self):
        from django.db.models.signals import pre_save
        from easy_thumbnails.signals import saved_file

        from . import checks  # noqa: F401 -- registers the storage system checks
{%- if cookiecutter.private_media %}
        from .private_images import keep_private_thumbnails_private

        keep_private_thumbnails_private()
{%- endif %}
        from .thumbnails import keep_uploaded_content, make_thumbnails_on_upload

        # Every image saved through a model field{% if cookiecutter.use_filer %} or filer{% endif %} gets its thumbnail aliases at once.
        pre_save.connect(keep_uploaded_content, dispatch_uid="keep_uploaded_content")
        saved_file.connect(make_thumbnails_on_upload, dispatch_uid="make_thumbnails_on_upload")
