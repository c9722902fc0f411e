"""Direct uploads: large files from the browser straight to the bucket, the site signing and checking.

- protocol.py: the steps (start, sign, complete, abort) on the storage's own client, keys and write parameters.
- tokens.py: the signed, expiring tokens that carry an upload's state from one step (and instance) to the next.
- inspection.py: what a finished upload is, from one ranged read of its head (type, dimensions, pixel limit).
- views.py, urls.py: the steps as JSON views (the site includes them under /uploads/).
- widgets.py, fields.py, files.py: the form side: a widget and form fields for ModelForms and the admin, and the
  field value a checked upload becomes (saved as it is, never read again).
- signal_handlers.py: a saved direct upload announced to the thumbnails (easy-thumbnails' saved_file).
- cors.py: the bucket's CORS rule for the site's origins (manage.py upload_cors, storage_check).
{%- if cookiecutter.use_filer %}
- filer_files.py: django-filer's folder uploader on the same path.
{%- endif %}
The browser's side is static/mediakit/direct-upload.js.
"""
