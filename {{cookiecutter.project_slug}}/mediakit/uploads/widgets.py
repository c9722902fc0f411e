"""The file input that sends large files straight to the bucket (static/mediakit/direct-upload.js).

Without JavaScript it is the plain file input it wraps, and the file comes with the form as usual.
With it, the script uploads the file as soon as it is chosen and puts the signed result in a hidden
input; the form then carries a token, not the file.
"""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.urls import reverse

from . import tokens
from .files import direct_file
from .tokens import TokenRefused

RESULT_SUFFIX = "__direct"  # the hidden input's name: the file input's, plus this


class InvalidUpload:
    """A hidden input whose token was refused: the form field says why."""

    def __init__(self, message: str):
        self.message = message


class DirectUploadWidget(forms.ClearableFileInput):
    template_name = "mediakit/uploads/widget.html"
    inner_template = forms.ClearableFileInput.template_name

    class Media:
        js = ["mediakit/direct-upload.js"]

    def __init__(self, field, max_size: int, attrs=None, user=None):
        """field: the model field (its files' storage and folder); max_size: the most one upload may carry;
        user: who the form is for, where the view knows (the admin): an upload of another user is then refused."""
        super().__init__(attrs)
        self.field = field
        self.max_size = max_size
        self.user = user

    @property
    def label(self) -> str:
        from .protocol import field_label

        return field_label(self.field)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            inner_template=self.inner_template,
            result_name=name + RESULT_SUFFIX,
            ticket=tokens.ticket(self.label, self.max_size),
            max_size=self.max_size,
            urls={step: reverse(f"uploads:{step}") for step in ("start", "sign", "complete", "abort")},
        )
        return context

    def value_from_datadict(self, data, files, name):
        token = data.get(name + RESULT_SUFFIX)
        if not token:
            return super().value_from_datadict(data, files, name)
        if self.clear_checkbox_name(name) in data:
            return forms.widgets.FILE_INPUT_CONTRADICTION
        try:
            result = tokens.read_result(token)
        except TokenRefused as error:
            return InvalidUpload(str(error))
        from .protocol import storage_identity

        if result.field != self.label or result.storage != storage_identity(self.field.storage):
            return InvalidUpload("This upload was made for another field: choose the file again.")
        if self.user is not None and result.user != str(self.user.pk):
            return InvalidUpload("This upload was made by another user: choose the file again.")
        return direct_file(self.field, result)

    def value_omitted_from_data(self, data, files, name):
        return name + RESULT_SUFFIX not in data and super().value_omitted_from_data(data, files, name)


class AdminDirectUploadWidget(DirectUploadWidget):
    """The same in the admin, around the admin's own file input (its "Currently:" link and clear box)."""

    inner_template = AdminFileWidget.template_name
