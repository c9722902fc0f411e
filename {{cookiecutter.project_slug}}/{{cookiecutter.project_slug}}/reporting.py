"""Error reports (the DEBUG page, error e-mails) that hide storage DSNs and credentials in URLs."""

import re

from django.views import debug

from .mediastorage.masking import mask_credentials


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    """Django's filter hides names with KEY, SECRET, TOKEN, PASS, ...; a DSN holds a secret too.

    The same pattern covers request.META, which on runserver holds the whole process environment
    (DEFAULT_STORAGE_DSN, DATABASE_URL, ...). Any other value with ``user:password@`` in a URL is
    masked as well.
    """

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|AUTH|DSN|DATABASE_URL|CACHE_URL|EMAIL_URL", flags=re.IGNORECASE
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask_credentials(cleansed) if isinstance(cleansed, str) else cleansed
