"""Form fields that take a direct upload (a checked object in the bucket) or, without JavaScript, the file.

For a ModelForm: `class Meta: formfield_callback = direct_uploads`; in the admin: DirectUploadAdmin.
"""

from django import forms
from django.contrib import admin
from django.db import models

from .files import DirectUpload
from .protocol import DEFAULT_MAX_SIZE, supports
from .widgets import AdminDirectUploadWidget, DirectUploadWidget, InvalidUpload


class DirectUploadMixin:
    def to_python(self, data):
        if isinstance(data, InvalidUpload):
            raise forms.ValidationError(data.message, code="invalid")
        if isinstance(data, DirectUpload):
            return data  # checked when it was uploaded (inspection.py); the name is the server's own
        return super().to_python(data)


class DirectFileField(DirectUploadMixin, forms.FileField):
    pass


class DirectImageField(DirectUploadMixin, forms.ImageField):
    pass


def direct_upload_formfield(
    db_field, *, max_size: int = DEFAULT_MAX_SIZE, widget=DirectUploadWidget, user=None, **kwargs
):
    """The form field for a model's FileField or ImageField, uploading straight to its bucket (user: who the form is
    for, when the view knows; an upload of another user is then refused)."""
    form_class = DirectImageField if isinstance(db_field, models.ImageField) else DirectFileField
    return db_field.formfield(form_class=form_class, widget=widget(db_field, max_size, user=user), **kwargs)


def direct_uploads(db_field, **kwargs):
    """A ModelForm's formfield_callback: its file fields on S3 storages upload directly."""
    if isinstance(db_field, models.FileField) and supports(db_field):
        kwargs.pop("widget", None)
        return direct_upload_formfield(db_field, **kwargs)
    return db_field.formfield(**kwargs)


class DirectUploadAdmin(admin.ModelAdmin):
    """A ModelAdmin whose file fields on S3 storages upload straight to the bucket."""

    direct_upload_max_size = DEFAULT_MAX_SIZE

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField) and supports(db_field):
            return direct_upload_formfield(
                db_field,
                max_size=self.direct_upload_max_size,
                widget=AdminDirectUploadWidget,
                user=request.user,
                **kwargs,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
