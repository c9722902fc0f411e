"""Conditional writes: what keeps two publishes from replacing or removing each other's objects.

A write sends ``If-None-Match: *`` (the name must still be free) or ``If-Match: ETAG`` (it must still
hold the object that was checked); an undo deletes with ``If-Match`` (only the object this publish
wrote). AWS S3, MinIO, R2 and moto honour them; a service that ignores them is found by one probe per
process and bucket, and the staging utility then says so in the log and falls back to checking first.
"""

import logging
import threading
import uuid
from dataclasses import dataclass

from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

# Answers that mean "someone else's object is there now" (409: another conditional write is in flight).
CONFLICTS = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
# Answers of a service that does not know the header at all.
NOT_SUPPORTED = {400, 501}
PROBES = ".staging-probe"


@dataclass(frozen=True)
class Support:
    writes: bool  # If-None-Match / If-Match on PutObject
    multipart_writes: bool  # ... and on CompleteMultipartUpload (files above the multipart threshold)
    deletes: bool  # If-Match on DeleteObject


def is_conflict(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in CONFLICTS


_known: dict[tuple[str, str], Support] = {}
_probing = threading.Lock()


def support(client, bucket: str, probe_key: str) -> Support:
    """What this service honours, probed once per process, endpoint and bucket (8 small requests).

    ``probe_key`` is a name the probe may write and delete (under the storage's location, so that a
    key limited to it may write there). A service that ignores a condition is logged as a warning.
    """
    where = (client.meta.endpoint_url, bucket)
    with _probing:
        if where not in _known:
            _known[where] = found = _probe(client, bucket, probe_key)
            _warn_if_weaker(found, bucket)
        return _known[where]


def _probe(client, bucket: str, key: str) -> Support:
    client.put_object(Bucket=bucket, Key=key, Body=b"")
    try:
        writes = _refused(lambda: client.put_object(Bucket=bucket, Key=key, Body=b"", IfNoneMatch="*"))
        multipart_writes = _refused(lambda: _complete_one_part(client, bucket, key, IfNoneMatch="*"))
        deletes = _refused(lambda: client.delete_object(Bucket=bucket, Key=key, IfMatch='"not-its-etag"'))
    finally:
        client.delete_object(Bucket=bucket, Key=key)
    return Support(writes=writes, multipart_writes=writes and multipart_writes, deletes=deletes)


def _complete_one_part(client, bucket: str, key: str, **condition) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    try:
        part = client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"probe")
        parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
        client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload=parts, **condition)
    except ClientError:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise


def _refused(conditional_request) -> bool:
    """True if the service refused a request whose condition was false (it honours the condition)."""
    try:
        conditional_request()
    except ClientError as error:
        if is_conflict(error):
            return True
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in NOT_SUPPORTED:
            return False
        raise
    return False


def _warn_if_weaker(found: Support, bucket: str) -> None:
    if not found.writes:
        logger.warning(
            "The S3 service of bucket %r ignores conditional writes (If-None-Match): staging_area() falls back to "
            "checking names before writing, and two publishes racing for the same names can replace each "
            "other's files. See 'Staging guarantees' in the README.",
            bucket,
        )
    elif not found.multipart_writes:
        logger.warning(
            "The S3 service of bucket %r ignores conditional writes on multipart uploads: files above the "
            "multipart threshold are checked before writing only. See 'Staging guarantees' in the README.",
            bucket,
        )
    if not found.deletes:
        logger.warning(
            "The S3 service of bucket %r ignores conditional deletes (If-Match): undoing a failed publish "
            "compares each object's ETag just before removing it, a smaller window than none.",
            bucket,
        )


class FinalWrites:
    """botocore event handlers, for one upload: conditions on the request that makes each object visible.

    s3transfer's extra_args cannot carry If-None-Match / If-Match (they are not in its
    ALLOWED_UPLOAD_ARGS, and CreateMultipartUpload would refuse them), so they are added here to
    PutObject, or to CompleteMultipartUpload for a multipart upload, through botocore's documented
    event hooks; the ETag each one answers is noted, to tell this publish's own objects later.
    """

    OPERATIONS = ("PutObject", "CompleteMultipartUpload")

    def __init__(self, client, bucket: str, conditions: dict[str, dict[str, str]], *, multipart: bool = True):
        self.events = client.meta.events
        self.bucket = bucket
        self.conditions = conditions  # key -> {"IfNoneMatch": "*"} or {"IfMatch": etag} or {}
        self.multipart = multipart  # False: the service does not honour them on CompleteMultipartUpload
        self.etags: dict[str, str] = {}
        self._id = f"staging-{uuid.uuid4().hex}"

    def _hooks(self):
        for operation in self.OPERATIONS:  # a unique_id is unique across all events: one per hook
            yield f"before-parameter-build.s3.{operation}", self._add, f"{self._id}-add-{operation}"
            yield f"after-call.s3.{operation}", self._note, f"{self._id}-note-{operation}"

    def __enter__(self):
        for event, handler, unique_id in self._hooks():
            self.events.register(event, handler, unique_id=unique_id)
        return self

    def __exit__(self, *exc):
        for event, _, unique_id in self._hooks():
            self.events.unregister(event, unique_id=unique_id)

    def _add(self, params, model, context, **kwargs):
        key = params.get("Key")
        if params.get("Bucket") == self.bucket and key in self.conditions:
            if self.multipart or model.name == "PutObject":
                params.update(self.conditions[key])
            context[self._id] = key  # the same dict reaches after-call: it tells which object answered

    def _note(self, http_response, parsed, context, **kwargs):
        key = context.get(self._id)
        if key is not None and http_response.status_code < 300 and parsed.get("ETag"):
            self.etags[key] = parsed["ETag"]
