"""The S3 storage backend: django-storages' S3Storage, with reads that cost one request."""

import io
import shutil
import tempfile

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import File
from s3transfer.constants import ALLOWED_DOWNLOAD_ARGS
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class S3MediaStorage(S3Storage):
    """S3Storage whose open() for reading sends one GET.

    S3Storage.open() sends a HEAD (to fail early), then s3transfer a second HEAD (for the size),
    then the GET: three requests for every read, e.g. every thumbnail source. No setting of
    django-storages changes that, hence this override; writes, URLs and the rest are S3Storage's.
    """

    def _open(self, name, mode="rb"):
        if mode not in ("r", "rb"):
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        parameters = self.get_object_parameters(name)
        extra = {key: value for key, value in parameters.items() if key in ALLOWED_DOWNLOAD_ARGS}
        try:
            body = self.bucket.Object(key).get(**extra)["Body"]
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        # Spool like S3File does: in memory up to max_memory_size (0: no limit), then on disk.
        local = tempfile.SpooledTemporaryFile(  # noqa: SIM115 -- the returned File owns it
            max_size=self.max_memory_size, suffix=".S3File", dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        with body:
            shutil.copyfileobj(body, local)
        local.seek(0)
        return File(local if mode == "rb" else io.TextIOWrapper(local, encoding="utf-8"), name)
