"""The C allocator's settings for a command's processes, made before anything else starts a thread.

glibc's malloc gives each thread that allocates its own arena (up to eight per core) and keeps the memory freed in
an arena there: polars' threads running Python functions (map_batches: validate's body keys and paragraph checks)
each held one. validate alone on the 1 GB output peaked at 1.12-1.19 GB with glibc's default and at 1.03-1.05 GB
with two arenas, in the same time. Only what no other module imports: importing polars starts threads.
"""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter number for the arena limit


def limit_arenas() -> None:
    """At most ARENAS glibc malloc arenas in this process (from now on: call it first) and in the processes it
    starts (MALLOC_ARENA_MAX, read as they start); a MALLOC_ARENA_MAX already set is kept. Nothing off glibc."""
    arenas = int(os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS)))
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform.startswith("linux") else None
    if mallopt is not None:
        mallopt(_M_ARENA_MAX, arenas)
