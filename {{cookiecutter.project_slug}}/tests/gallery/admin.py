from django.contrib import admin
from django.utils.html import format_html
from easy_thumbnails.files import get_thumbnailer

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["title", "preview"]

    @admin.display(description="Preview")
    def preview(self, photo):
        thumbnail = get_thumbnailer(photo.image).get_thumbnail({"size": (120, 120)})
        return format_html(
            '<img class="preview" src="{}" width="{}" height="{}" alt="">',
            thumbnail.url,
            thumbnail.width,
            thumbnail.height,
        )
