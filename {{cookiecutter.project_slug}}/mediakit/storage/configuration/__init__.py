"""Media storage configuration: storage DSNs in, STORAGES entries out (pure functions, no I/O)."""

from .cache_control import cache_control_setting
from .dsn import StorageDSNError, parse_storage_dsn
from .environment import storage_from_environ
from .storage_configs import LocalConfig, S3Config

__all__ = [
    "LocalConfig",
    "S3Config",
    "StorageDSNError",
    "cache_control_setting",
    "parse_storage_dsn",
    "storage_from_environ",
]
