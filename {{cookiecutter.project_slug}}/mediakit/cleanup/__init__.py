"""Media that is no longer used goes away, safely: nothing a row still names, nor a thumbnail of such a file.

- eager.py: a replaced or deleted file, and every thumbnail of it, deleted once the transaction commits (never
  before; a rollback keeps everything), in DeleteObjects batches; connected in the app's ready();
- collector.py: what was left behind (orphans, abandoned multipart uploads, easy-thumbnails' rows of files that
  are gone), reported or deleted a page at a time (manage.py media_cleanup);
- references.py: what the database still names, checked a page of names at a time;
- names.py: which source a thumbnail's name was made from (easy-thumbnails' and django-filer's naming);
- places.py: the project's storages as spaces of keys: listed in pages, listed again, deleted in batches;
- locking.py: one collector at a time across instances (a lock the shared database holds);
- durations.py: the grace period's text (48h, 30m, 0).
"""
