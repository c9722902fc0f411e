from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}"
    verbose_name = "{{ cookiecutter.project_name }}"

    def ready(self):
        from . import checks  # noqa: F401 -- registers the storage system checks
{%- if cookiecutter.private_media %}
        from .private_images import keep_private_thumbnails_private

        keep_private_thumbnails_private()
{%- endif %}
