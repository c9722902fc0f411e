"""django-environ's typed readers, strict about what a platform's environment holds.

Two changes to ``environ.Env``, both so that a wrong variable stops start-up with one line that
names it (manage.py prints it) and never shows its value, which may be a secret:
- values are literal: django-environ reads a value starting with ``$`` as a reference to another
  variable, but Django's own generated secret keys can start with ``$``;
- a value that cannot be read (``SECURE_HSTS_SECONDS=abc``, ``LOG_LEVEL=LOUD``, a database URL of
  an unknown kind) raises ImproperlyConfigured naming the variable and what it should be.
"""

import logging
import re
import warnings
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
EXPECTED = {int: "a whole number", float: "a number", bool: "true or false"}
# What ALLOWED_HOSTS takes: a host name (".example.com" for it and its subdomains), an IP address, or "*".
LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
HOST = re.compile(rf"\*|\.?{LABEL}(\.{LABEL})*\.?|\[[0-9a-f:.]+\]", re.IGNORECASE)
BROKER_SCHEMES = ("amqp", "amqps", "pyamqp")  # RabbitMQ, the platform's broker, as kombu names it
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class Env(environ.Env):
    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        value = self.ENVIRON.get(var)
        if isinstance(value, str) and value.startswith("$"):
            # Read literally rather than as a reference to the variable named after the $.
            if cast is None and self.smart_cast and default not in (None, self.NOTSET):
                cast = type(default)
            return self._parse(var, value, cast)
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError):
            raise self._unreadable(var, cast) from None

    def _parse(self, var, value, cast):
        try:
            return self.parse_value(value, cast)
        except (ValueError, TypeError):
            raise self._unreadable(var, cast) from None

    @staticmethod
    def _unreadable(var, cast) -> ImproperlyConfigured:
        expected = EXPECTED.get(cast, f"a {getattr(cast, '__name__', 'valid')} value")
        return ImproperlyConfigured(f"{var}: cannot be read; it must be {expected}.")

    def db_url(self, var=environ.Env.DEFAULT_DATABASE_ENV, default=environ.Env.NOTSET, engine=None):
        if splits_credentials(self.ENVIRON.get(var, "")):
            raise _unencoded(var)
        with warnings.catch_warnings():
            # django-environ warns about an unknown scheme with the whole URL, password included.
            warnings.simplefilter("ignore")
            try:
                config = super().db_url(var, default=default, engine=engine)
            except (ValueError, TypeError, KeyError):
                config = {}
        if "." not in config.get("ENGINE", ""):  # a dotted backend path, e.g. django.db.backends.postgresql
            raise ImproperlyConfigured(
                f"{var}: not a database URL django-environ knows; use e.g. postgres://USER:PASSWORD@HOST:5432/NAME"
            )
        return config

    def hosts(self, var, default=()) -> list[str]:
        """A comma-separated list of host names, each one checked: they end up in ALLOWED_HOSTS and URLs."""
        hosts = [host.strip() for host in self.list(var, default=list(default)) if host.strip()]
        bad = next((host for host in hosts if not HOST.fullmatch(host)), None)
        if bad is not None:
            raise ImproperlyConfigured(
                f"{var}: {bad[:60]!r} is not a host name; give names such as www.example.com (no scheme, "
                "port or path), comma-separated."
            )
        return hosts

    def log_level(self, var, default="INFO") -> str:
        level = self.str(var, default=default).strip().upper()
        if level not in LOG_LEVELS or not isinstance(logging.getLevelName(level), int):
            raise ImproperlyConfigured(f"{var}: not a log level; use one of {', '.join(LOG_LEVELS)}.")
        return level

    def broker_url(self, var) -> str:
        """A Celery broker URL (RabbitMQ, AMQP), or "" when unset: checked here, since kombu reads it only when it
        first connects (a task queued at upload would then fail on every request)."""
        url = self.str(var, default="").strip()
        if not url:
            return ""
        try:
            parts = urlsplit(url)
            port = parts.port  # a port that is not a number raises here
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme.lower() not in BROKER_SCHEMES or not parts.hostname or port == 0:
            raise ImproperlyConfigured(
                f"{var}: not a broker URL; use amqp://USER:PASSWORD@HOST:5672/VHOST (or amqps://), "
                "as the platform sets it."
            )
        if splits_credentials(url):
            raise _unencoded(var)
        return url

    def count(self, var, default: int, maximum: int) -> int:
        """A whole number from 1 to maximum (processes, workers)."""
        value = self.int(var, default=default)
        if not 1 <= value <= maximum:
            raise ImproperlyConfigured(f"{var}: must be a whole number from 1 to {maximum}.")
        return value


def splits_credentials(url: str) -> bool:
    """Whether a user or password holds a character that ends its part of the URL early (/ ? # or @, unencoded),
    a stray %, or a control character: the rest would be read as host, port and path, and shown in logs."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return False
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, _host = authority.rpartition("@")
    return (
        "@" in rest[len(authority) :]
        or "@" in userinfo
        or bool(at and BAD_PERCENT.search(userinfo))
        or bool(CONTROL_CHARACTERS.search(url))
    )


def _unencoded(var: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{var}: the user or password holds a character that splits the URL (/ ? # @ or a stray %); "
        "percent-encode it (/ as %2F, @ as %40, % as %25)."
    )
