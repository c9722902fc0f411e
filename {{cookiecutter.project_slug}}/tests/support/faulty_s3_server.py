"""A moto S3 server that misbehaves on request: the fault-injection tests run it as a separate process.

    python tests/support/faulty_s3_server.py PORT [--cert CERT --key KEY] [--signing-key KEY:SECRET]

It behaves as a strict S3-compatible provider (older MinIO and Ceph, R2, B2 for months after
boto3 1.36): a request carrying a checksum header (x-amz-checksum-*, x-amz-sdk-checksum-algorithm,
x-amz-trailer) or an aws-chunked body is refused with 400 InvalidArgument, except by the operations
for which S3 requires a checksum (DeleteObjects, PutObjectAcl, ...: botocore's S3 model says which).
With --cert and --key it serves HTTPS. With --signing-key it checks signed URLs as AWS does (moto
checks none): a SigV4 signature that does not match, or that has expired, is refused with 403; a
legacy SigV2 one with 400, as buckets made since June 2020 do.

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
- POST /fault-api/limit-post {"bytes": N}  -- refuse POST bodies over N bytes (400 EntityTooLarge), as
                            Exoscale SOS refuses POST uploads over 16 MB
- POST /fault-api/reset    forget the rules and the counters (and end an outage)
- GET  /fault-api/stats    {"requests": [[method, path, status], ...], "max_in_flight": N,
                            "refused": ["METHOD PATH: HEADER", ...]}  -- refused: what strictness refused

Writes to one key are answered one at a time, as S3 makes a conditional write atomic: moto checks
If-None-Match and then stores, two steps another thread could come between.

Hand-written: moto has no fault injection, and a proxy (toxiproxy, mitmproxy) would be another
service to install for a few lines of WSGI middleware.
"""

import argparse
import datetime
import hmac
import json
import os
import re
import threading
import time
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import get_session
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

# (method, query word) of the operations that S3 requires a checksum for: "POST /{Bucket}?delete", ...
S3_MODEL = get_session().get_service_model("s3")
CHECKSUM_REQUIRED = {
    (operation.http["method"], operation.http["requestUri"].partition("?")[2])
    for operation in map(S3_MODEL.operation_model, S3_MODEL.operation_names)
    if operation.http_checksum.get("requestChecksumRequired")
}
# What a strict provider refuses (WSGI names of the request headers).
CHECKSUM_HEADER = re.compile(r"^HTTP_X_AMZ_(CHECKSUM_|SDK_CHECKSUM_ALGORITHM$|TRAILER$)")
OUTAGE = {"status": 503, "code": "ServiceUnavailable", "message": "Injected: the server is down."}
ERROR_BODY = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'


class FaultInjector:
    def __init__(self, app, signing_keys: dict[str, str] | None = None):
        self.app = app
        self.signing_keys = signing_keys  # access key -> secret, to check signed URLs with
        self.lock = threading.Lock()
        self.key_locks = defaultdict(threading.Lock)  # path -> lock: one write at a time per key
        self.reset()

    def reset(self):
        with self.lock:
            self.failing, self.slow, self.dying, self.outages = [], [], [], []
            self.down = False
            self.ignoring_conditions = False
            self.post_limit = None
            self.failed = {}  # (rule index, path) -> failures so far
            self.requests = []
            self.refused = []
            self.in_flight = self.max_in_flight = 0

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if path.startswith("/fault-api/"):
            return self.control(method, path.removeprefix("/fault-api/"), environ, start_response)
        refusal = self.signing_keys is not None and _signature_refusal(environ, self.signing_keys)
        if refusal:
            return self.fail(refusal, method, path, environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if method == "POST" and self.post_limit is not None and length > self.post_limit:
            rule = {"status": 400, "code": "EntityTooLarge", "message": "Your proposed upload exceeds the maximum."}
            return self.fail(rule, method, path, environ, start_response)
        unsupported = _unsupported_checksum(environ)
        if unsupported:
            with self.lock:
                self.refused.append(f"{method} {path}: {unsupported}")
            rule = {"status": 400, "code": "InvalidArgument", "message": f"Unsupported header '{unsupported}'"}
            return self.fail(rule, method, path, environ, start_response)
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
            elif command == "limit-post":
                self.post_limit = rule["bytes"]
            elif command == "ignore-conditions":
                self.ignoring_conditions = True
            elif command == "stats":
                answer = {
                    "requests": list(self.requests),
                    "max_in_flight": self.max_in_flight,
                    "refused": list(self.refused),
                }
        if command == "reset":
            self.reset()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]


def _matches(rule, method, path):
    return rule.get("method", method) == method and re.search(rule.get("path", ""), path) is not None


def _unsupported_checksum(environ) -> str | None:
    """The checksum header (or aws-chunked body) a strict provider refuses in this request, if any."""
    query = [part.partition("=")[0] for part in environ.get("QUERY_STRING", "").split("&")]
    if any((environ["REQUEST_METHOD"], word) in CHECKSUM_REQUIRED for word in query):
        return None  # DeleteObjects, PutObjectAcl, ...: S3 requires a checksum (Content-MD5 or x-amz-checksum-*)
    for name in environ:
        if CHECKSUM_HEADER.match(name):
            return name.removeprefix("HTTP_").replace("_", "-").lower()
    if "aws-chunked" in environ.get("HTTP_CONTENT_ENCODING", ""):
        return "content-encoding: aws-chunked"
    if environ.get("HTTP_X_AMZ_CONTENT_SHA256", "").startswith("STREAMING-"):
        return "x-amz-content-sha256: STREAMING"
    return None


def _signature_refusal(environ, signing_keys: dict[str, str]) -> dict | None:
    """Why S3 would refuse this request's signed URL (an S3 error rule), or None."""
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    params = dict(query)
    if "AWSAccessKeyId" in params:
        message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
        return {"status": 400, "code": "InvalidRequest", "message": message}
    if "X-Amz-Signature" not in params or environ["REQUEST_METHOD"] == "OPTIONS":
        return None  # a browser's CORS preflight is never signed: S3 answers it from the bucket's CORS rules
    denied = {"status": 403, "code": "SignatureDoesNotMatch", "message": "The request signature does not match."}
    try:
        key, _, region, service, _ = params["X-Amz-Credential"].split("/")
        signed_at = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        expires = int(params["X-Amz-Expires"])
    except (KeyError, ValueError):
        return {**denied, "code": "AuthorizationQueryParametersError"}
    if key not in signing_keys:
        return {**denied, "code": "InvalidAccessKeyId"}
    # The URL as the client sent it (its encoding signed), less the signature; botocore's signer computes it again.
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    raw = urlsplit(environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ["PATH_INFO"])
    unsigned = "&".join(part for part in raw.query.split("&") if not part.startswith("X-Amz-Signature="))
    url = urlunsplit((scheme, environ["HTTP_HOST"], raw.path, unsigned, ""))
    # The headers the URL was signed with (host, and content-length for a part of a direct upload), as sent.
    signed = params.get("X-Amz-SignedHeaders", "host").split(";")
    headers = {name: _header(environ, name) for name in signed if name != "host"}
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers)
    request.context["timestamp"] = params["X-Amz-Date"]
    signer = S3SigV4QueryAuth(Credentials(key, signing_keys[key]), service, region, expires=expires)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        return denied
    if datetime.datetime.now(datetime.UTC) > signed_at + datetime.timedelta(seconds=expires):
        return {"status": 403, "code": "AccessDenied", "message": "Request has expired"}
    return None


def _header(environ, name: str) -> str:
    """A request header as the client sent it (WSGI keeps Content-Length and Content-Type apart)."""
    wsgi = name.upper().replace("-", "_")
    return environ.get(wsgi if wsgi in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{wsgi}", "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--signing-key", help="KEY:SECRET: check signed URLs made with this key")
    arguments = parser.parse_args()
    signing_keys = dict([arguments.signing_key.split(":", 1)]) if arguments.signing_key else None
    app = FaultInjector(DomainDispatcherApplication(create_backend_app), signing_keys)
    tls = (arguments.cert, arguments.key) if arguments.cert else None
    run_simple("127.0.0.1", arguments.port, app, threaded=True, request_handler=MotoRequestHandler, ssl_context=tls)


if __name__ == "__main__":
    main()
