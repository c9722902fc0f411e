"""The signed, expiring tokens that carry a direct upload's state from one step to the next.

Nothing is kept on an instance: the browser holds the tokens, any instance checks them with the
site's SECRET_KEY (django.core.signing: HMAC, a timestamp, a salt per kind so that one kind of token
is never accepted as another). The browser can read a token but not change it.
"""

from dataclasses import asdict, dataclass

from django.core import signing

# What the form hands the browser: which field it may upload to, and the most it may upload.
TICKET_SALT = "mediakit.uploads.ticket"
# A multipart upload in progress: started, parts being sent.
UPLOAD_SALT = "mediakit.uploads.upload"
# A finished, checked upload, for the form's hidden input: the field takes it without a byte of the file.
RESULT_SALT = "mediakit.uploads.result"

TICKET_AGE = 24 * 60 * 60  # a form left open for a day still uploads
UPLOAD_AGE = 6 * 60 * 60  # an upload that takes longer is abandoned (media_cleanup aborts it)
RESULT_AGE = 24 * 60 * 60  # between the upload and the form's submission


class TokenRefused(Exception):
    """A token that was changed, has expired, or belongs to another field, storage or user."""


@dataclass(frozen=True)
class Ticket:
    field: str  # "app_label.Model.field"
    max_size: int


@dataclass(frozen=True)
class Upload:
    field: str
    storage: str  # the storage's identity (bucket and location): a token is good for that storage only
    user: str  # the pk of the user who started it
    name: str  # the name in the storage, which the server chose
    key: str  # its key in the bucket
    size: int  # the size the browser declared, which the parts must add up to
    part_size: int
    upload_id: str
    max_size: int


@dataclass(frozen=True)
class Result:
    field: str
    storage: str
    user: str
    name: str
    size: int
    width: int | None = None
    height: int | None = None
    transparent: bool = False
    taken: str | None = None
    etag: str = ""  # the object's ETag (S3's fingerprint of its content, given its part size)


def dumps(value, salt: str) -> str:
    return signing.dumps(asdict(value), salt=salt, compress=True)


def loads(kind: type, token: str, salt: str, max_age: int):
    """The token's content as `kind`; TokenRefused (one line, saying which) if it is not good."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenRefused("This upload has expired: choose the file again.") from None
    except signing.BadSignature:
        raise TokenRefused("This upload's token is not valid (changed, or from another site).") from None
    try:
        return kind(**data)
    except TypeError:
        raise TokenRefused("This upload's token is not valid (changed, or from another site).") from None


def ticket(field: str, max_size: int) -> str:
    return dumps(Ticket(field, max_size), TICKET_SALT)


def read_ticket(token: str) -> Ticket:
    return loads(Ticket, token, TICKET_SALT, TICKET_AGE)


def read_upload(token: str) -> Upload:
    return loads(Upload, token, UPLOAD_SALT, UPLOAD_AGE)


def read_result(token: str) -> Result:
    return loads(Result, token, RESULT_SALT, RESULT_AGE)
