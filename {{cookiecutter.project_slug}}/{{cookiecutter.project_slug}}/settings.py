"""Django settings for {{ cookiecutter.project_name }}.

Everything that differs between a laptop and the hosting platform comes from environment
variables, or from an untracked .env file beside manage.py: README.md has the table.
"""

import os
from pathlib import Path

from mediakit.storage.configuration import LocalConfig, cache_control_setting, storage_from_environ
{%- if cookiecutter.use_filer %}
from mediakit.storage.configuration.filer import filer_storages
{%- endif %}

from .env import Env

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

# The platform sets STAGE ("test", "live"); on a laptop it is unset, and DEBUG defaults to on.
DEBUG = env.bool("DEBUG", default=env.str("STAGE", default="local") == "local")
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
else:
    SECRET_KEY = env.str("SECRET_KEY")

DOMAINS = [*env.hosts("DOMAIN"), *env.hosts("DOMAIN_ALIASES")]
ALLOWED_HOSTS = env.hosts("ALLOWED_HOSTS", default=DOMAINS)
CSRF_TRUSTED_ORIGINS = [f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The template's media app (README: what is yours, what is the template's). Before easy_thumbnails, whose
    # thumbnail_cleanup wipes the index on a prefixed storage: the app's own replaces it.
    "mediakit",
    "easy_thumbnails",
{%- if cookiecutter.use_filer %}
    "filer",
{%- endif %}
    "{{ cookiecutter.project_slug }}",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mediakit.middleware.StorageErrorMiddleware",
]

ROOT_URLCONF = "{{ cookiecutter.project_slug }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.project_slug }}.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Cache-Control of stored files (S3; "public" is added, or "private" for files behind signed URLs).
# Originals never reuse a name: browsers and CDNs may keep them for a year. Thumbnails are made again
# under the same name (another crop, quality, focal point): kept an hour, then revalidated.
MEDIA_CACHE_CONTROL = cache_control_setting(os.environ, "MEDIA_CACHE_CONTROL", "max-age=31536000, immutable")
THUMBNAIL_CACHE_CONTROL = cache_control_setting(os.environ, "THUMBNAIL_CACHE_CONTROL", "max-age=3600, must-revalidate")

# Media lives in S3-compatible object storage when DEFAULT_STORAGE_DSN is set (every instance
# sees the same files), and in media/ beside manage.py otherwise.
{%- if cookiecutter.region != "other" %}
STORAGE_REGION = "{{ cookiecutter.region }}"  # the hosting region this project was generated for
media_storage = storage_from_environ(
    os.environ, "DEFAULT_STORAGE", region=STORAGE_REGION, default=LocalConfig(BASE_DIR / "media", "/media/")
)
{%- else %}
media_storage = storage_from_environ(os.environ, "DEFAULT_STORAGE", default=LocalConfig(BASE_DIR / "media", "/media/"))
{%- endif %}
{%- if cookiecutter.private_media %}
# Private files: signed URLs that expire, never a public one. Locally, private-media/ (not served).
private_storage = storage_from_environ(
    os.environ,
    "PRIVATE_STORAGE",
{%- if cookiecutter.region != "other" %}
    region=STORAGE_REGION,
{%- endif %}
    default=LocalConfig(BASE_DIR / "private-media", "/private-media/"),
    private=True,
)
{%- endif %}
media_storage = media_storage.with_cache_control(MEDIA_CACHE_CONTROL)
thumbnail_storage = media_storage.with_overwrite().with_cache_control(THUMBNAIL_CACHE_CONTROL)
{%- if cookiecutter.private_media %}
private_storage = private_storage.with_cache_control(MEDIA_CACHE_CONTROL)
private_thumbnail_storage = private_storage.with_overwrite().with_cache_control(THUMBNAIL_CACHE_CONTROL)
{%- endif %}
STORAGES = {
    "default": media_storage.storages_entry(),
{%- if cookiecutter.private_media %}
    "private": private_storage.storages_entry(),
{%- endif %}
    # easy-thumbnails saves thumbnails to this alias (it no longer reads THUMBNAIL_DEFAULT_STORAGE).
    "easy_thumbnails": thumbnail_storage.storages_entry(),
{%- if cookiecutter.private_media %}
    # Thumbnails of private files (mediakit/thumbnails/private.py sends them here): private too, signed URLs only.
    "private_thumbnails": private_thumbnail_storage.storages_entry(),
{%- endif %}
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = media_storage.media_url
MEDIA_ROOT = media_storage.media_root
{%- if cookiecutter.use_filer %}

# django-filer reads only STORAGES["default"]["BACKEND"]: its storages come from the same configuration.
{%- if cookiecutter.private_media %}
FILER_STORAGES = filer_storages(
    public=media_storage, private=private_storage, thumbnail_cache_control=THUMBNAIL_CACHE_CONTROL
)
{%- else %}
FILER_STORAGES = filer_storages(
    public=media_storage, private=media_storage.as_private(), thumbnail_cache_control=THUMBNAIL_CACHE_CONTROL
)
{%- endif %}
{%- endif %}

# Thumbnail sizes kept in the database: reading a thumbnail's width and height costs no request.
THUMBNAIL_CACHE_DIMENSIONS = True
# easy-thumbnails' PIL reader, logging why a thumbnail cannot be made (easy-thumbnails hides it).
THUMBNAIL_SOURCE_GENERATORS = ["mediakit.thumbnails.source_generators.pil_image"]
{%- if cookiecutter.use_filer %}
FILER_ENABLE_LOGGING = True  # filer logs the thumbnails it fails to make (needs "filer" in LOGGING)
{%- endif %}
# Named thumbnail sizes, in templates {% raw %}{% thumbnail photo.image "small" %}{% endraw %}. Every image gets all of them
# when it is uploaded, and `manage.py warm_thumbnails` makes them for existing images: pages never wait.
{%- if cookiecutter.use_filer %}
# Each alias names itself ("ALIAS"), as the thumbnail_url filter and get_thumbnailer(image)["small"] do: django-filer
# writes every option into a thumbnail's file name, so the tag and the filter then name the same file.
THUMBNAIL_ALIASES = {
    "": {
        "small": {"size": (160, 160), "crop": True, "ALIAS": "small"},  # lists and grids: a square
        "medium": {"size": (480, 480), "ALIAS": "medium"},  # within 480 x 480, proportions kept
        "large": {"size": (1000, 1000), "ALIAS": "large"},  # a page-wide picture
    },
}
# django-filer's focal point: crops keep the image's subject_location, in templates
# {% raw %}{% thumbnail image "small" subject_location=image.subject_location %}{% endraw %} (filer's processor in place of scale_and_crop).
THUMBNAIL_PROCESSORS = (
    "easy_thumbnails.processors.colorspace",
    "easy_thumbnails.processors.autocrop",
    "filer.thumbnail_processors.scale_and_crop_with_subject_location",
    "easy_thumbnails.processors.filters",
    "easy_thumbnails.processors.background",
)
{%- else %}
THUMBNAIL_ALIASES = {
    "": {
        "small": {"size": (160, 160), "crop": True},  # lists and grids: a square
        "medium": {"size": (480, 480)},  # within 480 x 480, proportions kept
        "large": {"size": (1000, 1000)},  # a page-wide picture
    },
}
{%- endif %}

# Celery (celery.py): with the platform's BROKER_URL (RabbitMQ) set, thumbnails are made by the workers
# (Procfile's worker:, CELERYD_CONCURRENCY processes each); without it, in the process that asks for them.
CELERY_BROKER_URL = env.broker_url("BROKER_URL")
CELERY_WORKER_CONCURRENCY = env.count("CELERYD_CONCURRENCY", default=2, maximum=64)  # more: run more workers
# As the platform's own Celery settings: acknowledged once done (a worker that dies, or its instance, leaves its
# task to another), one task at a time per process, JSON only. A pool process killed alone (out of memory on a
# huge image) fails its task once instead: redelivering it would kill the next process too.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Results only where a caller waits for them (warm_thumbnails' progress), sent back to it over the broker.
CELERY_RESULT_BACKEND = "rpc://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the workers log through LOGGING, as the site does
# Once a day, Celery beat (Procfile's beat:) has a worker run media_cleanup --delete: what no row uses and is
# older than two days goes (one run at a time, whichever instance takes it).
CELERY_BEAT_SCHEDULE = {"media-cleanup": {"task": "mediakit.tasks.collect_unused_media", "schedule": 24 * 60 * 60}}

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# HTTPS: the platform's proxy terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)

# Error pages and e-mails hide storage DSNs and credentials too, not only Django's KEY, SECRET, PASS, ... names.
DEFAULT_EXCEPTION_REPORTER_FILTER = "mediakit.reporting.SafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "mediakit.reporting.ExceptionReporter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.log_level("LOG_LEVEL", default="INFO")},
    # botocore logs request headers at DEBUG; keep it quiet whatever LOG_LEVEL says.
    "loggers": {
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
{%- if cookiecutter.use_filer %}
        "filer": {"level": "INFO"},
{%- endif %}
    },
}
