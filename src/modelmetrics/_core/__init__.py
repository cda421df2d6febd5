"""Shared core: the accumulator protocol, threads, argument and array checks, JSON-ready
values, and the Dask scale-out. Every other room may import from here; this room imports
from none of them."""
