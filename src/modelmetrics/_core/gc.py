"""Pausing Python's cyclic garbage collector around allocation-heavy work.

Loading a COCO file creates hundreds of thousands of dicts and lists, and every
collection the allocations trigger walks all of them: decoding a 40 MB results file
runs about 2.5 times faster with the collector paused. Our own objects form no
reference cycles, so nothing waits longer to be freed; the collector is switched back
on afterwards only if it was on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the duration of the block."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
