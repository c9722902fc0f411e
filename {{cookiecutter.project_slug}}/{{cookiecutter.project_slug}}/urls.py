from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = admin.site.site_title = "{{ cookiecutter.project_name }}"

urlpatterns = [
    path("admin/", admin.site.urls),
{%- if cookiecutter.use_filer %}
    path("filer/", include("filer.urls")),
{%- endif %}
]

# Direct uploads: the browser sends large files straight to the bucket; these views sign and check.
urlpatterns += [path("uploads/", include("mediakit.uploads.urls"))]

# Serves media/ in DEBUG; does nothing when media comes from object storage (an absolute MEDIA_URL).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
