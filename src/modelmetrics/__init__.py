"""modelmetrics: fast, exact performance metrics for trained models."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("modelmetrics")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
