"""Buffers of one size kept for reuse between calls, shared by threads.

A buffer new for every use costs the kernel a page fault and a zeroed page every 4 KiB, and
unmapping it once other threads have run costs a TLB shootdown. The opening keeps its
plaintext buffers here and the blob store its extent buffers (bench/README.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable


class BufferPool:
    """At most ``keep`` buffers of ``size`` bytes, taken and given back by any thread; a forked
    child starts with a lock of its own (another thread may have held the parent's)."""

    def __init__(self, size: int, keep: int) -> None:
        self.size, self.keep = size, keep
        self.kept: list[bytearray] = []
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._after_fork)

    def take(self) -> bytearray:
        """A kept buffer, or a new one; its content is undefined."""
        with self._lock:
            if self.kept:
                return self.kept.pop()
        return bytearray(self.size)

    def give(self, buffers: Iterable[bytearray]) -> None:
        """Keep those of the pool's size, up to ``keep``; the others go."""
        with self._lock:
            for buffer in buffers:
                if len(buffer) == self.size and len(self.kept) < self.keep:
                    self.kept.append(buffer)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
