"""Media that is no longer used goes away, safely.

- eager: a replaced or deleted file, and every thumbnail of it, deleted once the transaction commits;
- collector: `manage.py media_cleanup`, for what was left behind (orphans, abandoned multipart uploads).
Both keep any file a row still names, and any thumbnail of such a file.
"""
