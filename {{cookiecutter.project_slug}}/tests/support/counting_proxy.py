"""A load balancer for tests: requests to the site's instances in turn, counting the request-body bytes each
instance receives (what a direct upload must keep small).

Hand-written: a few lines of http.server and http.client; a real balancer (nginx, haproxy) would be one more
service to install and would not count per instance.
"""

import http.client
import http.server
import itertools
import threading
from collections import Counter
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
CHUNK = 64 * 1024


class CountingProxy:
    def __init__(self, backends: list[str]):
        self.backends = [urlsplit(url).netloc for url in backends]
        self.body_bytes = Counter({backend: 0 for backend in self.backends})
        self._turn = itertools.cycle(self.backends)
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "CountingProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_backend(self) -> str:
        with self._lock:
            return next(self._turn)

    def count(self, backend: str, size: int) -> None:
        with self._lock:
            self.body_bytes[backend] += size

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: the turn-taking stays simple

            def log_message(self, *args):
                pass

            def _forward(self):
                backend = proxy.next_backend()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.count(backend, length)
                headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
                connection = http.client.HTTPConnection(backend, timeout=600)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    self.send_response_only(response.status, response.reason)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.end_headers()
                    while chunk := response.read(CHUNK):
                        self.wfile.write(chunk)
                finally:
                    connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _forward

        return Handler
