"""Direct uploads: the browser sends a file's parts straight to the bucket; the server does the rest.

1. start: the server checks the ticket (field, limit), the user's permission and the declared size,
   chooses the name (the field's upload_to, the storage's free-name rule) and starts a multipart
   upload with the storage's own write parameters (ACL, content type, Cache-Control, encryption).
   It answers with a signed upload token and the part plan.
2. sign: URLs for some parts, each presigned (SigV4) for that upload, part number and exact length:
   S3 refuses a part of another length, or any other operation, with them.
3. the browser PUTs the parts (only these presigned URLs; no credential, no checksum header).
4. complete: the server lists the parts (it does not trust the browser's word), checks their number
   and sizes against the plan, completes the upload, and reads the object's head (inspection.py);
   a refused object is deleted at once. It answers with a signed result for the form.
5. abort: cancel; the upload and its parts are removed.

Every step after the first carries the upload token, so any instance can answer it.
"""

import math
import posixpath
from collections.abc import Callable

from botocore.exceptions import ClientError
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models

from ..storage import s3
from . import tokens
from .inspection import Facts, Refused, examine, read_head

PART_SIZE = 8 * 1024 * 1024  # s3transfer's default; S3 wants at least 5 MiB for every part but the last
MAX_PARTS = 10_000  # S3's limit
URL_AGE = 60 * 60  # a presigned part URL is good this long (the browser asks for more as it goes)
SIGN_BATCH = 20  # the most part URLs one request asks for
DEFAULT_MAX_SIZE = 5 * 1024**3  # a field's limit unless its widget says otherwise
# What a field also refuses by name before anything is started: field label -> check(filename, user), raising
# Refused (django-filer's own rules, filer_files.py).
BEFORE_START: dict[str, Callable] = {}


class Denied(Exception):
    """The user may not upload here (anonymous, no permission, another user's upload)."""


def field_label(field: models.FileField) -> str:
    return f"{field.model._meta.label}.{field.name}"


def resolve_field(label: str) -> models.FileField:
    app_model, _, name = label.rpartition(".")
    try:
        field = apps.get_model(app_model)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        raise Refused(f"No file field {label!r} on this site.") from None
    if not isinstance(field, models.FileField):
        raise Refused(f"{label!r} is not a file field.")
    return field


def supports(field: models.FileField) -> bool:
    """Whether the field's files can go straight to their storage (an S3 bucket; not a local folder)."""
    return s3.is_s3(field.storage)


def storage_identity(storage) -> str:
    return f"{storage.bucket_name}/{storage.location}"


def may_upload(user, field: models.FileField) -> bool:
    """Who may have anything signed: an active user allowed to add or change the field's model."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    opts = field.model._meta
    return user.has_perm(f"{opts.app_label}.add_{opts.model_name}") or user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    )


def plan(size: int, part_size: int = PART_SIZE) -> list[int]:
    """The parts' sizes: equal parts and a shorter last one (part size grown to keep within MAX_PARTS)."""
    part_size = max(part_size, math.ceil(size / MAX_PARTS))
    count = max(1, math.ceil(size / part_size))
    return [part_size] * (count - 1) + [size - part_size * (count - 1)]


def static_folder(field: models.FileField) -> str:
    """The folder every name of the field starts with, as far as upload_to fixes it ("" for a callable)."""
    if callable(field.upload_to):
        return ""
    return str(field.upload_to).partition("%")[0]


def start(ticket_token: str, user, filename: str, size: int) -> dict:
    ticket = tokens.read_ticket(ticket_token)
    field = resolve_field(ticket.field)
    if not may_upload(user, field):
        raise Denied("Log in as a user allowed to change this content to upload files.")
    if not supports(field):
        raise Refused("This field's storage is not an S3 bucket: send the file with the form.")
    filename = posixpath.basename(str(filename).replace("\\", "/")).strip()
    if not filename:
        raise Refused("The file has no name.")
    if size <= 0:
        raise Refused(f"{filename} is empty.")
    if size > ticket.max_size:
        raise Refused(f"{filename} is {size:,} bytes; this field takes at most {ticket.max_size:,}.")
    if ticket.field in BEFORE_START:
        BEFORE_START[ticket.field](filename, user)
    storage = field.storage
    try:
        name = field.generate_filename(field.model(), filename)
    except (AttributeError, TypeError, ValueError, ObjectDoesNotExist):
        # A callable upload_to that reads the object being saved, which does not exist yet.
        why = "This field names its files after the object being saved, which direct uploads cannot know."
        raise Refused(why) from None
    name = storage.get_available_name(name, max_length=field.max_length)
    key = s3.key(storage, name)
    parts = plan(size)
    response = s3.client(storage).create_multipart_upload(
        Bucket=storage.bucket_name, Key=key, **s3.write_parameters(storage, key)
    )
    upload = tokens.Upload(
        field=ticket.field,
        storage=storage_identity(storage),
        user=str(user.pk),
        name=name,
        key=key,
        size=size,
        part_size=parts[0],
        upload_id=response["UploadId"],
        max_size=ticket.max_size,
    )
    return {
        "token": tokens.dumps(upload, tokens.UPLOAD_SALT),
        "name": name,
        "part_size": parts[0],
        "parts": len(parts),
    }


def open_upload(token: str, user) -> tuple[tokens.Upload, models.FileField]:
    """The upload a token names, checked against the field, the storage, the user and the field's folder."""
    upload = tokens.read_upload(token)
    field = resolve_field(upload.field)
    if not may_upload(user, field) or str(user.pk) != upload.user:
        raise Denied("This upload was started by another user.")
    if not supports(field) or storage_identity(field.storage) != upload.storage:
        raise Refused("This upload belongs to another storage.")
    folder = static_folder(field)
    if not upload.name.startswith(folder) or s3.key(field.storage, upload.name) != upload.key:
        raise Refused("This upload's file is outside the field's folder.")
    return upload, field


def sign(token: str, user, numbers: list[int]) -> dict[int, str]:
    """Presigned URLs for these part numbers, each for its exact length."""
    upload, field = open_upload(token, user)
    sizes = plan(upload.size, upload.part_size)
    if not numbers or len(numbers) > SIGN_BATCH or any(not 1 <= number <= len(sizes) for number in numbers):
        raise Refused(f"Ask for 1 to {SIGN_BATCH} parts, numbered 1 to {len(sizes)}.")
    client = s3.client(field.storage)
    return {
        number: client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": field.storage.bucket_name,
                "Key": upload.key,
                "UploadId": upload.upload_id,
                "PartNumber": number,
                "ContentLength": sizes[number - 1],
            },
            ExpiresIn=URL_AGE,
            HttpMethod="PUT",
        )
        for number in sorted(set(numbers))
    }


def complete(token: str, user) -> dict:
    """Check the parts, complete the upload, examine the object: the signed result for the form."""
    upload, field = open_upload(token, user)
    storage = field.storage
    client = s3.client(storage)
    where = {"Bucket": storage.bucket_name, "Key": upload.key}
    parts = _listed_parts(client, where, upload.upload_id)
    sizes = plan(upload.size, upload.part_size)
    expected = list(enumerate(sizes, start=1))
    found = [(part["PartNumber"], part["Size"]) for part in parts]
    if found != expected:
        _abort(client, where, upload.upload_id)
        total = sum(size for _, size in found)
        raise Refused(
            f"The parts received ({len(found)}, {total:,} bytes) are not the file announced "
            f"({len(sizes)}, {upload.size:,} bytes): upload it again."
        )
    completed = client.complete_multipart_upload(
        **where,
        UploadId=upload.upload_id,
        MultipartUpload={"Parts": [{"PartNumber": part["PartNumber"], "ETag": part["ETag"]} for part in parts]},
    )
    try:
        facts = inspect(client, where, upload, field)
    except Refused:
        client.delete_object(**where)
        raise
    result = tokens.Result(
        field=upload.field,
        storage=upload.storage,
        user=upload.user,
        name=upload.name,
        size=facts.size,
        width=facts.width,
        height=facts.height,
        transparent=facts.transparent,
        taken=facts.taken,
        etag=completed.get("ETag", "").strip('"'),
    )
    return {"result": tokens.dumps(result, tokens.RESULT_SALT), "name": upload.name, "size": facts.size}


def inspect(client, where: dict, upload: tokens.Upload, field: models.FileField) -> Facts:
    head, size = read_head(client, where["Bucket"], where["Key"])
    if size != upload.size or size > upload.max_size:
        raise Refused(f"The stored file has {size:,} bytes, not the {upload.size:,} announced: it was not kept.")
    return examine(head, size, upload.name, image=isinstance(field, models.ImageField))


def abort(token: str, user) -> None:
    upload, field = open_upload(token, user)
    where = {"Bucket": field.storage.bucket_name, "Key": upload.key}
    _abort(s3.client(field.storage), where, upload.upload_id)


def _abort(client, where: dict, upload_id: str) -> None:
    try:
        client.abort_multipart_upload(**where, UploadId=upload_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchUpload":  # already completed or aborted
            raise


def _listed_parts(client, where: dict, upload_id: str) -> list[dict]:
    pages = client.get_paginator("list_parts").paginate(**where, UploadId=upload_id)
    try:
        return [part for page in pages for part in page.get("Parts", ())]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchUpload":
            raise Refused("This upload was cancelled or has already been completed.") from None
        raise
