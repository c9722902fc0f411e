"""gunicorn's settings for the web process; gunicorn reads this file from the working directory."""

import os
import sys


def whole_number(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    if not value.isdigit() or int(value) == 0:
        sys.exit(f"Cannot start: {name} must be a positive whole number, e.g. {default} (it is {value!r})")
    return int(value)


# The platform says which port to listen on; every interface, since its router is another machine.
bind = [f"0.0.0.0:{whole_number('PORT', '8000')}"]
# Worker processes per instance; WEB_CONCURRENCY is the usual name (Heroku-style platforms set it).
# (gunicorn itself parses it as its default when it starts, before reading this file.)
workers = whole_number("WEB_CONCURRENCY", "2")
# Requests and errors to the standard streams, where the platform collects logs.
accesslog = "-"
# The platform manages the instances: no gunicornc control socket (and no home folder to put it in).
control_socket_disable = True
