from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]

# Serves media/ in DEBUG; does nothing when media comes from object storage (an absolute MEDIA_URL).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
