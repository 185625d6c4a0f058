"""Default names and locations, importable without loading anything heavy."""

DEFAULT_CONFIG_NAME = "soxtrail.toml"
DEFAULT_STORE_URL = "sqlite:///.soxtrail/soxtrail.db"
DEFAULT_KEY_FILE = ".soxtrail/ledger.key"
