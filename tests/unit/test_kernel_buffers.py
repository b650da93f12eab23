"""Buffers kept for reuse: one size, a cap, shared by threads, usable in a forked child."""

from __future__ import annotations

import os
import signal

from sunbid.kernel.buffers import BufferPool


def test_a_pool_keeps_up_to_its_cap_of_buffers_of_its_size_and_gives_them_again() -> None:
    pool = BufferPool(16, keep=2)
    first, second, third = pool.take(), pool.take(), pool.take()
    assert [len(b) for b in (first, second, third)] == [16, 16, 16]
    pool.give([first, bytearray(8), second, third])
    assert pool.kept == [first, second]  # the wrong size is dropped, and the third is over the cap
    assert pool.take() is second and pool.take() is first
    assert pool.take() is not third


def test_a_forked_child_can_take_a_buffer_while_another_thread_of_the_parent_holds_the_lock() -> None:
    pool = BufferPool(16, keep=2)
    with pool._lock:  # as if another thread were inside take() at the fork
        child = os.fork()
        if child == 0:
            signal.alarm(5)  # a child stuck on the parent's lock dies of the alarm
            os._exit(0 if len(pool.take()) == 16 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
