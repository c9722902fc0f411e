"""Read a storage's configuration from environment variables (passed in as a mapping)."""

from collections.abc import Mapping

from .config import LocalConfig, S3Config
from .dsn import StorageDSNError, explicit_endpoint, parse_storage_dsn, s3_config
from .endpoints import endpoint_for_region

# The platform's newer, discrete variables, after the prefix (DEFAULT_STORAGE_BUCKET, ...).
DISCRETE_SUFFIXES = ("BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION", "CUSTOM_DOMAIN", "ENDPOINT_URL")


def storage_from_environ(
    environ: Mapping[str, str],
    prefix: str,
    *,
    default: LocalConfig,
    region: str | None = None,
    private: bool = False,
) -> S3Config | LocalConfig:
    """The storage that ``PREFIX_DSN`` (or the discrete ``PREFIX_BUCKET``, ... variables) describe.

    ``region`` is the region the project was generated for: it applies when the variables name none.
    """
    dsn = environ.get(f"{prefix}_DSN", "").strip()
    if dsn:
        return parse_storage_dsn(dsn, variable=f"{prefix}_DSN", default_region=region, private=private)
    values = {suffix: environ.get(f"{prefix}_{suffix}", "").strip() for suffix in DISCRETE_SUFFIXES}
    if not any(values.values()):
        return default
    variable = f"{prefix}_BUCKET"
    if not values["BUCKET"]:
        raise StorageDSNError(variable, f"{prefix}_* variables are set but {variable} is not")
    if values["ENDPOINT_URL"]:
        endpoint = explicit_endpoint(f"{prefix}_ENDPOINT_URL", values["ENDPOINT_URL"])
    elif values["REGION"] or region:
        endpoint = endpoint_for_region(values["REGION"] or region)
    else:
        raise StorageDSNError(variable, f"set {prefix}_REGION or {prefix}_ENDPOINT_URL as well")
    params = {"region_name": values["REGION"], "domain": values["CUSTOM_DOMAIN"]}
    return s3_config(
        variable,
        bucket=values["BUCKET"],
        endpoint=endpoint,
        access_key=values["ACCESS_KEY_ID"] or None,
        secret_key=values["SECRET_ACCESS_KEY"] or None,
        location="",
        params={name: value for name, value in params.items() if value},
        private=private,
    )
