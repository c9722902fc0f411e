"""Error reports (the DEBUG page, error e-mails) that hide storage DSNs and credentials.

Django's extension points for both: DEFAULT_EXCEPTION_REPORTER_FILTER cleans settings, request
data and each frame's variables; DEFAULT_EXCEPTION_REPORTER shows the exception's own text.
"""

import re
from pprint import pformat

from django.views import debug

from .storage.s3 import configured_secrets, mask_credentials


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    """Django's filter hides names with KEY, SECRET, TOKEN, PASS, ...; a DSN holds a secret too.

    The same pattern covers request.META, which on runserver holds the whole process environment
    (DEFAULT_STORAGE_DSN, DATABASE_URL, ...). Any other value with ``user:password@`` in a URL, a
    signed request's credentials (botocore's request headers in a frame's variables) or a storage's
    key or secret is masked as well.
    """

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|AUTH|DSN|DATABASE_URL|CACHE_URL|EMAIL_URL", flags=re.IGNORECASE
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask_credentials(cleansed, configured_secrets()) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = configured_secrets()
        return [
            (name, _masked(value, secrets)) for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class Shown:
    """A value as the report shows it (its repr), with the credentials masked."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _masked(value, secrets):
    try:
        text = pformat(value)
    except Exception:  # Django shows "Error in formatting" for it: nothing of the value
        return value
    masked = mask_credentials(text, secrets)
    return value if masked == text else Shown(masked)


class ExceptionReporter(debug.ExceptionReporter):
    """Django's reporter, with the exception's text masked: a service's message may echo the access key."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        secrets = configured_secrets()
        for name in ("exception_value", "exception_notes", "unicode_hint"):
            if data.get(name):
                data[name] = mask_credentials(data[name], secrets)
        for frame in data["frames"]:
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = mask_credentials(str(frame["exc_cause"]), secrets)
        return data
