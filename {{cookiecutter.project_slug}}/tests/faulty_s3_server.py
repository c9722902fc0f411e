"""A moto S3 server that misbehaves on request: the fault-injection tests run it as a separate process.

    python tests/faulty_s3_server.py PORT

Everything under /fault-api/ controls it (JSON bodies); every other request goes to moto:
- POST /fault-api/fail     {"method": "PUT", "path": REGEX, "status": 500, "code": "InternalError",
                            "message": TEXT, "times": N}  -- answer matching requests with an S3 error;
                            N per path (the first N attempts fail, then they pass), or every time if N is null
- POST /fault-api/slow     {"method": "PUT", "path": REGEX, "seconds": 0.2}  -- delay matching requests
- POST /fault-api/die-after {"method": "PUT", "path": REGEX, "count": N}  -- the process exits
                            while answering the Nth matching request (moto has already stored it)
- POST /fault-api/outage-after {"method": "PUT", "path": REGEX, "count": N}  -- after the Nth matching
                            request that succeeds, answer every request with 503 ServiceUnavailable, as a
                            server that went down (moto keeps its objects in memory: a real exit loses them)
- POST /fault-api/ignore-conditions {}  -- drop If-None-Match / If-Match from every request, like a
                            service without conditional writes
- POST /fault-api/reset    forget the rules and the counters (and end an outage)
- GET  /fault-api/stats    {"requests": [[method, path, status], ...], "max_in_flight": N}

Writes to one key are answered one at a time, as S3 makes a conditional write atomic: moto checks
If-None-Match and then stores, two steps another thread could come between.

Hand-written: moto has no fault injection, and a proxy (toxiproxy, mitmproxy) would be another
service to install for a few lines of WSGI middleware.
"""

import json
import os
import re
import sys
import threading
import time
from collections import defaultdict
from xml.sax.saxutils import escape

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

OUTAGE = {"status": 503, "code": "ServiceUnavailable", "message": "Injected: the server is down."}
ERROR_BODY = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'


class FaultInjector:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.key_locks = defaultdict(threading.Lock)  # path -> lock: one write at a time per key
        self.reset()

    def reset(self):
        with self.lock:
            self.failing, self.slow, self.dying, self.outages = [], [], [], []
            self.down = False
            self.ignoring_conditions = False
            self.failed = {}  # (rule index, path) -> failures so far
            self.requests = []
            self.in_flight = self.max_in_flight = 0

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if path.startswith("/fault-api/"):
            return self.control(method, path.removeprefix("/fault-api/"), environ, start_response)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            delay = max([rule["seconds"] for rule in self.slow if _matches(rule, method, path)], default=0)
            failure = OUTAGE if self.down else self._failure(method, path)
            key_lock = self.key_locks[path] if method in ("PUT", "POST", "DELETE") else None
            if self.ignoring_conditions:
                environ.pop("HTTP_IF_NONE_MATCH", None)
                environ.pop("HTTP_IF_MATCH", None)
        try:
            time.sleep(delay)
            if failure:
                return self.fail(failure, method, path, environ, start_response)
            status = []

            def recording_start_response(code, headers, *args):
                status.append(int(code.split()[0]))
                return start_response(code, headers, *args)

            if key_lock is None:
                body = self.app(environ, recording_start_response)
            else:
                with key_lock:
                    body = self.app(environ, recording_start_response)
            self._record(method, path, status[0] if status else 0)
            self._maybe_die(method, path)
            self._maybe_go_down(method, path, status[0] if status else 0)
            return body
        finally:
            with self.lock:
                self.in_flight -= 1

    def _failure(self, method, path):
        for index, rule in enumerate(self.failing):
            if _matches(rule, method, path):
                count = self.failed.get((index, path), 0)
                if rule.get("times") is None or count < rule["times"]:
                    self.failed[(index, path)] = count + 1
                    return rule
        return None

    def fail(self, rule, method, path, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            environ["wsgi.input"].read(length)  # read the body, so the client sees the answer, not a reset
        status = rule.get("status", 500)
        code, message = rule.get("code", "InternalError"), rule.get("message", "Injected by the test server.")
        body = ERROR_BODY.format(code=escape(code), message=escape(message))
        self._record(method, path, status)
        start_response(f"{status} Injected", [("Content-Type", "application/xml")])
        return [body.encode()]

    def _record(self, method, path, status):
        with self.lock:
            self.requests.append([method, path, status])

    def _maybe_die(self, method, path):
        with self.lock:
            for rule in self.dying:
                if _matches(rule, method, path):
                    rule["count"] -= 1
                    if rule["count"] <= 0:
                        os._exit(3)  # no answer: the client cannot tell whether this request took effect

    def _maybe_go_down(self, method, path, status):
        with self.lock:
            for rule in self.outages:
                if _matches(rule, method, path) and status < 300:
                    rule["count"] -= 1
                    self.down = self.down or rule["count"] <= 0

    def control(self, method, command, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        rule = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        answer = {}
        with self.lock:
            if command == "fail":
                self.failing.append(rule)
            elif command == "slow":
                self.slow.append(rule)
            elif command == "die-after":
                self.dying.append(rule)
            elif command == "outage-after":
                self.outages.append(rule)
            elif command == "ignore-conditions":
                self.ignoring_conditions = True
            elif command == "stats":
                answer = {"requests": list(self.requests), "max_in_flight": self.max_in_flight}
        if command == "reset":
            self.reset()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]


def _matches(rule, method, path):
    return rule.get("method", method) == method and re.search(rule.get("path", ""), path) is not None


def main():
    app = FaultInjector(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
