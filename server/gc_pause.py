"""Pausing Python's cyclic garbage collector while a request allocates many short-lived objects."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused():
    """Run the block (or decorated function) with the cyclic collector off; turn it back on after, whatever happens.

    Reading and checking a large workbook makes a few containers per row and keeps them all until
    the lines are stored: each automatic collection walks every one of them again, about a tenth of
    an ingest's time, and frees nothing (rows hold no cycles; reference counting frees them). Only
    the cycle detector pauses; memory is freed as usual. Collection is process-wide: when it is
    already off (another thread's block, or the host's own choice) it is left as found.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
