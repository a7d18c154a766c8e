"""The cyclic garbage collector paused around bulk work: an import of a hundred thousand gifts, or a year's proof
trees over a million, makes many small objects and no reference cycles, and each collection on the way would walk
the growing heap again and again (a fifth to a third of the time). Reference counting still frees everything; the
collector runs again when the work is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
