"""The S3 storage backend: django-storages' S3Storage, with reads that cost one request."""

import io
import shutil
import tempfile

from botocore.exceptions import ClientError
from s3transfer.utils import S3_RETRYABLE_DOWNLOAD_ERRORS
from storages.backends.s3 import S3File, S3Storage, _filter_download_params
from storages.utils import clean_name, setting

from .s3 import is_not_found, key

CHUNK_SIZE = 1024 * 1024  # bytes copied from the response at a time


class S3MediaStorage(S3Storage):
    """S3Storage whose open() for reading sends one GET.

    S3Storage.open() sends a HEAD (to fail early), then s3transfer a second HEAD (for the size),
    then the GET: three requests for every read, e.g. every thumbnail source. No setting of
    django-storages changes that, hence this override; writes, URLs and the rest are S3Storage's.
    """

    def _open(self, name, mode="rb"):
        if "w" in mode or "r" not in mode:
            return super()._open(name, mode)
        file = S3MediaFile(key(self, clean_name(name)), mode, self)
        file.storage_name = name
        try:
            file.get()
        except ClientError as error:
            if is_not_found(error):
                raise FileNotFoundError(f"File does not exist: {name}") from None
            raise
        return file


class S3MediaFile(S3File):
    """django-storages' S3File, each read of which costs one GET instead of HEAD, HEAD, GET.

    The rest is S3File's: the content is spooled (in memory up to the storage's max_memory_size,
    then in a temporary file), gzip-encoded objects are decoded, and a file that was closed
    reopens by reading the object again from the bucket (easy-thumbnails does that for each size).
    """

    def __init__(self, name, mode, storage, buffer_size=None):
        # S3File's constructor checks that the object exists with a HEAD, except for writing;
        # the GET in get() does that check here, so construct as for writing, then set the mode.
        super().__init__(name, "w", storage, buffer_size)
        self.storage_name = name  # the name in the storage (S3File's own name is the key, with the location)
        self._mode = mode
        self._response = None

    @property
    def easy_thumbnails_thumbnailer(self):
        """What get_thumbnailer(storage.open(name), ...) uses (easy-thumbnails' hook for file-like sources).

        easy-thumbnails would otherwise take the file's content alone, as if it came from the default
        storage, and save its thumbnails with the public ones: here they are the file's storage's own,
        read by name and cached like any other.
        """
        from easy_thumbnails.files import get_thumbnailer

        return get_thumbnailer(self._storage, self.storage_name)

    def get(self):
        """Send the GET: its headers stand in for the HEAD, its body is the first read's content."""
        params = _filter_download_params(self._storage.get_object_parameters(self.name))
        response = self.obj.get(**params)
        self.obj.meta.data = {key: value for key, value in response.items() if key != "Body"}  # as load() sets it
        self._response = response

    def _get_file(self):
        if self._file is None and "r" in self._mode:
            if self._response is None:
                self.get()  # a reopen: read the object again
            body, self._response = self._response["Body"], None
            if self._spool(body):
                return self._file
        # Writing, or a response cut short: S3File's own way (s3transfer's download retries).
        return super()._get_file()

    file = property(_get_file, S3File._set_file)

    def close(self):
        if self._response is not None:  # opened, never read: give the connection back
            self._response["Body"].close()
            self._response = None
        super().close()

    def _spool(self, body) -> bool:
        """Copy the GET's body into S3File's spool; False if the connection broke on the way."""
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 -- closed by S3File.close()
            max_size=self._storage.max_memory_size, suffix=".S3File", dir=setting("FILE_UPLOAD_TEMP_DIR")
        )
        try:
            with body:
                shutil.copyfileobj(body, spool, CHUNK_SIZE)
        except S3_RETRYABLE_DOWNLOAD_ERRORS:
            spool.close()
            return False
        spool.seek(0)
        self._file = self._decoded(spool)
        self._closed = False
        return True

    def _decoded(self, spool):
        """The spool as S3File returns it: gzip decoded if the storage gzips, text for mode "r"."""
        if self._storage.gzip and self.obj.content_encoding == "gzip":
            return self._decompress_file(mode=self._mode, file=spool)
        if "b" not in self._mode:
            return io.TextIOWrapper(spool, encoding="utf-8")
        return spool
