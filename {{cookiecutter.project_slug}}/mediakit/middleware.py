"""A storage outage gets a clean 503 page and one log line, not a 500 with a traceback."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.shortcuts import render

from .storage.s3 import configured_secrets, mask_credentials

logger = logging.getLogger(__name__)


class StorageErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG or not isinstance(exception, BotoCoreError | ClientError):
            return None  # Django's own handling: the debug page, or a 500 for other errors
        # botocore's messages name the endpoint (masked: it may hold user:password@), bucket and key;
        # a service's own message may echo the access key.
        problem = mask_credentials(str(exception), configured_secrets())
        logger.error("Media storage failed during %s %s: %s", request.method, request.path, problem)
        return render(request, "503.html", status=503)
