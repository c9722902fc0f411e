"""The direct upload steps; the site includes them: path("uploads/", include("mediakit.uploads.urls"))."""

from django.urls import path

from . import views

app_name = "uploads"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("sign/", views.sign, name="sign"),
    path("complete/", views.complete, name="complete"),
    path("abort/", views.abort, name="abort"),
{%- if cookiecutter.use_filer %}
    # django-filer's admin uploads (its folder page's uploader): the ticket, then the file's row.
    path("filer/ticket/", views.filer_ticket, name="filer_ticket"),
    path("filer/file/", views.filer_file, name="filer_file"),
{%- endif %}
]
