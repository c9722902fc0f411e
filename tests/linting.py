"""The static checks that the template's own code and every baked project must pass: ruff, and vulture."""

import re
import sys
from functools import cache
from importlib import util
from pathlib import Path

from .conftest import TEMPLATE, run

# What Django, pytest, gunicorn and the libraries call or read by name, out of vulture's sight. Kept
# short on purpose: a name here is never reported, in any file.
USED_BY_NAME = {
    # Django: a management command's class and hooks; an app config (the one in apps.py) and its
    # hooks; a migration's attributes; the middleware named in MIDDLEWARE, and its hook; what
    # SafeExceptionReporterFilter reads; asgi.py's and wsgi.py's entry point; the URLconf's patterns;
    # the argument of every system check; an admin's columns (a method named in list_display).
    "Command",
    "help",
    "add_arguments",
    "handle",
    "MediaKitConfig",
    "GalleryConfig",
    "verbose_name",
    "default_auto_field",
    "ready",
    "initial",
    "dependencies",
    "operations",
    "StorageErrorMiddleware",
    "process_exception",
    "hidden_settings",
    "application",
    "urlpatterns",
    "app_configs",
    "list_display",
    "preview",
    # The admin site's header and title (urls.py sets them; the admin's templates read them).
    "site_header",
    "site_title",
    # Django: a URLconf's namespace, a widget's or admin's Media (its js), a ModelForm's Meta and its
    # formfield_callback; a user's is_superuser (tests make one).
    "app_name",
    "Media",
    "js",
    "Meta",
    "formfield_callback",
    "is_superuser",
    # http.server: a request handler's protocol_version, log_message and do_<METHOD> (the tests' proxy).
    "protocol_version",
    "log_message",
    "do_*",
    # pytest: its hooks (pytest_configure, ...) and pytestmark.
    "pytest*",
    # Attributes the libraries read on objects the project sets them on: s3transfer (a subscriber's
    # on_done and on_queued, TransferConfig's max_concurrency, use_threads and preferred_transfer_client),
    # django-storages (S3File's _closed), Pillow (ImageFile.LOAD_TRUNCATED_IMAGES), easy-thumbnails
    # (a ThumbnailFile's _dimensions_cache, a Thumbnailer's alias_target, a file-like source's
    # easy_thumbnails_thumbnailer, which get_thumbnailer() takes), django-filer (a file's
    # is_public), moto (mock_s3, for django-storages' own tests).
    "on_done",
    "on_queued",
    "max_concurrency",
    "use_threads",
    "preferred_transfer_client",
    "_closed",
    "LOAD_TRUNCATED_IMAGES",
    "_dimensions_cache",
    "alias_target",
    "easy_thumbnails_thumbnailer",
    "is_public",
    "mock_s3",
    # django-filer reads these on a file it is given whole (a direct upload's row: uploads/filer_files.py).
    "_file_data_changed_hint",
    "_file_size",
    "_width",
    "_height",
    "_transparent",
    # The arguments of __exit__(self, *exc): the protocol passes them, used or not.
    "exc",
    "exc_info",
}
# System checks are registered by their decorator, and called by Django.
CALLED_BY_DECORATOR = ["@checks.register", "@admin.register"]
FILER_SETTING = re.compile(r"""settings, ["'](FILER_[A-Z_]+)""")


@cache
def known_settings() -> frozenset[str]:
    """Every setting name that Django, easy-thumbnails, django-filer, Celery or gunicorn reads.

    A setting the project defines is used when one of them reads it (by its name, out of vulture's
    sight), or when the project's own code does (which vulture sees). A setting that no one reads
    (a leftover of an option not chosen) is reported.
    """
    from celery.app.defaults import DEFAULTS as CELERY_DEFAULTS
    from django.conf import global_settings
    from easy_thumbnails.conf import Settings as ThumbnailSettings
    from gunicorn.config import KNOWN_SETTINGS

    filer_settings = Path(util.find_spec("filer").origin).with_name("settings.py").read_text()
    names = {name for name in [*dir(global_settings), *dir(ThumbnailSettings)] if name.isupper()}
    names |= {"ROOT_URLCONF"}  # required by Django, so global_settings has no default for it
    # Celery reads its settings from Django's under the CELERY_ namespace (celery.py): CELERY_TASK_ACKS_LATE, ...
    names |= {f"CELERY_{name.upper()}" for name in CELERY_DEFAULTS}
    return frozenset(names | set(FILER_SETTING.findall(filer_settings)) | {s.name for s in KNOWN_SETTINGS})


def ruff_problems(root: Path) -> str:
    """What ruff finds wrong with the code under root (lint rules and formatting); "" when it is clean."""
    ruff = [sys.executable, "-m", "ruff"]
    results = [
        run([*ruff, "check", "--no-cache", "."], root),
        run([*ruff, "format", "--check", "--no-cache", "."], root),
    ]
    return "".join(result.stdout + result.stderr for result in results if result.returncode != 0)


def dead_code(project: Path) -> list[str]:
    """vulture's findings in a baked project, one line each: "path:line: unused function 'name' (60% confidence)".

    The template's benchmarks are read too: they use the project's test S3 server (add_latency).
    """
    result = run(
        [
            sys.executable,
            "-m",
            "vulture",
            ".",
            str(TEMPLATE / "benchmarks"),
            "--ignore-names",
            ",".join(sorted(USED_BY_NAME | known_settings())),
            "--ignore-decorators",
            ",".join(CALLED_BY_DECORATOR),
        ],
        project,
    )
    if result.returncode not in (0, 3):  # 3: dead code found; anything else: vulture itself failed
        raise RuntimeError(f"vulture failed: {result.stderr}")
    return result.stdout.splitlines()
