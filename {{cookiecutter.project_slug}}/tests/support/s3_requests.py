"""Count the requests storages send to S3, with botocore's event hooks."""

from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from storages.backends.s3 import S3Storage


@contextmanager
def s3_requests(*storages):
    """Record "METHOD key" for every request the storages' clients send while the block runs."""
    sent = []

    def record(request, **kwargs):
        path = unquote(urlsplit(request.url).path)
        sent.append(f"{request.method} {path.split('/', 2)[-1]}")

    clients = {
        id(client): client for client in (s.connection.meta.client for s in storages if isinstance(s, S3Storage))
    }
    for client in clients.values():
        client.meta.events.register("before-send.s3", record)
    try:
        yield sent
    finally:
        for client in clients.values():
            client.meta.events.unregister("before-send.s3", record)
