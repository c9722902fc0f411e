"""Read a storage's configuration from environment variables (passed in as a mapping)."""

from collections.abc import Mapping

from .dsn import StorageDSNError, bucket_problem, explicit_endpoint, not_utf8, parse_storage_dsn, s3_config
from .endpoints import endpoint_for_region
from .storage_configs import LocalConfig, S3Config

# The platform's newer, discrete variables, after the prefix (DEFAULT_STORAGE_BUCKET, ...).
DISCRETE_SUFFIXES = ("BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION", "CUSTOM_DOMAIN", "ENDPOINT_URL")


def storage_from_environ(
    environ: Mapping[str, str],
    prefix: str,
    *,
    default: LocalConfig,
    region: str | None = None,
{%- if cookiecutter.private_media %}
    private: bool = False,
{%- endif %}
) -> S3Config | LocalConfig:
    """The storage that ``PREFIX_DSN`` (or the discrete ``PREFIX_BUCKET``, ... variables) describe.

    ``region`` is the region the project was generated for: it applies when the variables name none.
    """
    dsn = environ.get(f"{prefix}_DSN", "").strip()
    if dsn:
{%- if cookiecutter.private_media %}
        return parse_storage_dsn(dsn, variable=f"{prefix}_DSN", default_region=region, private=private)
{%- else %}
        return parse_storage_dsn(dsn, variable=f"{prefix}_DSN", default_region=region)
{%- endif %}
    values = {suffix: environ.get(f"{prefix}_{suffix}", "").strip() for suffix in DISCRETE_SUFFIXES}
    if not any(values.values()):
        return default
    for suffix, value in values.items():
        if not_utf8(value):
            raise StorageDSNError(f"{prefix}_{suffix}", "the value holds bytes that are not UTF-8 text", expected=None)
    bucket_variable = f"{prefix}_BUCKET"
    if not values["BUCKET"]:
        set_ones = ", ".join(f"{prefix}_{suffix}" for suffix, value in values.items() if value)
        raise StorageDSNError(bucket_variable, f"not set, but {set_ones} is; set it too", expected=None)
    if bucket_problem(values["BUCKET"]):
        raise StorageDSNError(bucket_variable, bucket_problem(values["BUCKET"]), expected=None)
    if values["ENDPOINT_URL"]:
        endpoint = explicit_endpoint(f"{prefix}_ENDPOINT_URL", values["ENDPOINT_URL"], expected=None)
    elif values["REGION"] or region:
        endpoint = endpoint_for_region(values["REGION"] or region)
    else:
        raise StorageDSNError(bucket_variable, f"set {prefix}_REGION or {prefix}_ENDPOINT_URL as well", expected=None)
    params = {"region_name": values["REGION"], "domain": values["CUSTOM_DOMAIN"]}
    return s3_config(
        bucket_variable,
        bucket_name=values["BUCKET"],
        endpoint=endpoint,
        access_key=values["ACCESS_KEY_ID"] or None,
        secret_key=values["SECRET_ACCESS_KEY"] or None,
        location="",
        params={name: value for name, value in params.items() if value},
{%- if cookiecutter.private_media %}
        private=private,
{%- endif %}
        # Each mistake is reported under the variable that holds it, without DSN syntax the user never wrote.
        sources={
            "bucket_name": bucket_variable,
            "access_key": f"{prefix}_ACCESS_KEY_ID",
            "secret_key": f"{prefix}_SECRET_ACCESS_KEY",
            "region_name": f"{prefix}_REGION",
            "custom_domain": f"{prefix}_CUSTOM_DOMAIN",
        },
        expected=None,
    )
