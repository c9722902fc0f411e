"""The template's media app: media in S3-compatible storage for a site that runs as several instances.

One folder per wing; each says what it holds in its own __init__.py:
- storage/: configuration (DSN text in, STORAGES out: pure), operations (inventory, probe, summary, cache
  headers), the S3 backend, and s3.py, the one door to S3 every other wing goes through;
- staging/: heavy file work in a local folder, published in one all-or-nothing step (staging_area);
- copy/: media copied between storages, buckets and regions (manage.py media_copy);
- thumbnails/: thumbnails made ahead, at upload and in bulk (manage.py warm_thumbnails);
- cleanup/: a replaced or deleted file and its thumbnails deleted after the commit, and what was left behind
  collected (manage.py media_cleanup);
- uploads/: large files from the browser straight to the bucket (presigned multipart, completed and checked by
  the site; manage.py upload_cors);
- checks.py (system checks), tasks.py (Celery), middleware.py and reporting.py (errors without secrets),
  management/commands/.

storage/ imports no wing; the wings do not import each other; nothing here imports the site package.
pyproject.toml's import contracts keep these rules (tests/site/test_import_contracts.py runs them).
"""
