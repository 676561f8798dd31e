"""Built-in rule sets. Importing this package registers them."""

from . import cpc_2014, cpc_2026  # noqa: F401
