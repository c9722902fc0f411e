"""The browser's side of a direct upload (protocol.py): JSON in, JSON out, each step a POST.

CSRF-protected as any form post (the script sends the token in X-CSRFToken); an anonymous or
unprivileged user gets 403 and nothing signed; a refusal is 400 with one line the widget shows.
"""

import json
import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.http import JsonResponse
{%- if cookiecutter.use_filer %}
from django.views.decorators.http import require_GET, require_POST
{%- else %}
from django.views.decorators.http import require_POST
{%- endif %}

from ..storage import s3
from . import protocol
from .inspection import Refused
from .tokens import TokenRefused

logger = logging.getLogger(__name__)


def _step(handler):
    @require_POST
    def view(request):
        try:
            data = json.loads(request.body or b"{}")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"error": "The request is not a JSON object."}, status=400)
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Log in to upload files."}, status=403)
        try:
            return JsonResponse(handler(request, data))
        except protocol.Denied as error:
            return JsonResponse({"error": str(error)}, status=403)
        except (Refused, TokenRefused) as error:
            return JsonResponse({"error": str(error)}, status=400)
        except BadInput as error:
            return JsonResponse({"error": str(error)}, status=400)
        except (ClientError, BotoCoreError) as error:
            logger.warning("Direct upload step %s failed: %s", handler.__name__, s3.masked_reason(error))
            return JsonResponse({"error": "The storage did not answer as expected: try again later."}, status=502)

    view.__name__ = handler.__name__
    return view


class BadInput(Exception):
    """The request lacks a value, or has one of the wrong type."""


def _value(data: dict, name: str, kind: type):
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadInput(f"The request needs {name!r} ({kind.__name__}).")
    return value


@_step
def start(request, data):
    ticket, name, size = _value(data, "ticket", str), _value(data, "name", str), _value(data, "size", int)
    return protocol.start(ticket, request.user, name, size)


@_step
def sign(request, data):
    numbers = _value(data, "parts", list)
    if not all(isinstance(number, int) and not isinstance(number, bool) for number in numbers):
        raise BadInput("The request needs 'parts' (a list of part numbers).")
    return {"urls": protocol.sign(_value(data, "token", str), request.user, numbers)}


@_step
def complete(request, data):
    return protocol.complete(_value(data, "token", str), request.user)


@_step
def abort(request, data):
    protocol.abort(_value(data, "token", str), request.user)
    return {"aborted": True}
{%- if cookiecutter.use_filer %}


@require_GET
def filer_ticket(request):
    """What django-filer's admin pages need to send their uploads direct (direct-upload.js asks on those pages)."""
    from .filer_files import enabled, uploader_settings

    if not request.user.is_authenticated or not request.user.has_perm("filer.add_file"):
        return JsonResponse({"error": "You may not add files."}, status=403)
    if not enabled():
        return JsonResponse({"error": "filer's files are not on an S3 storage: its own upload is used."}, status=404)
    return JsonResponse(uploader_settings())


@_step
def filer_file(request, data):
    """The filer file of a finished upload, in a folder (None: filer's unsorted uploads)."""
    from .filer_files import add_file

    folder = data.get("folder")
    if folder is not None and (not isinstance(folder, int) or isinstance(folder, bool)):
        raise BadInput("The request's 'folder' is a folder id or null.")
    return add_file(_value(data, "result", str), folder, request)
{%- endif %}
