from django.contrib import admin
from django.utils.html import format_html
from easy_thumbnails.files import get_thumbnailer

from mediakit.uploads.fields import DirectUploadAdmin

from .models import Document, Photo, Poster


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


@admin.register(Poster)
class PosterAdmin(DirectUploadAdmin):
    list_display = ["title", "width", "height"]
    direct_upload_max_size = 20 * 1000 * 1000  # a limit for the browser test to cross


@admin.register(Document)
class DocumentAdmin(DirectUploadAdmin):
    list_display = ["title"]
