"""The worker processes of a grading run, started early and cheaply.

Workers are forked from a *fork server* that imported the grading code once (nbgrader,
nbclient and their dependencies take seconds to import), so N workers cost one import, not N.
The fork server is a fresh interpreter: no worker inherits the parent's threads, database
connection or event loop. Where there is no fork server (Windows), workers are spawned.

This module imports only the standard library, so the command line can start the workers
before it imports anything heavy itself; they get ready while the parent loads.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["start_pool"]

#: What the fork server imports once for every worker: the grading code, and what every
#: notebook's setup imports, which the workers' sealed tests import in the grader too.
PRELOAD = [
    "resistlab.course.grading.worker",
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "resistlab.plotting",
    "resistlab.widgets",
]


def _mp_context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _warm() -> int:
    """First task of every worker: make sure the grading code is loaded."""
    import gc

    import resistlab.course.grading.worker  # noqa: F401

    gc.freeze()  # the loaded code: the worker's collections never walk it again
    return os.getpid()


def _close_reader_when_broken() -> None:
    """When a pool breaks, close the parent's end of its call queue first (CPython's fix of
    gh-94777, missing from older 3.11 releases such as Debian 12's 3.11.2; 3.11.7 has it).

    Without it, workers that died while the call queue's pipe was full left the queue's
    feeder thread writing to a pipe no one reads, and joining the broken pool hung the run
    for good (a review's unprivileged grader, on the hub's Python). Closing an already
    closed end does nothing, so where the fix exists this changes nothing.
    """
    from concurrent.futures import process

    manager = process._ExecutorManagerThread
    if getattr(manager.terminate_broken, "_resistlab_closes_reader", False):
        return
    original = manager.terminate_broken

    def terminate_broken(self, cause):
        try:
            self.call_queue._reader.close()
        except Exception:  # internals of another Python: leave them to it
            pass
        return original(self, cause)

    terminate_broken._resistlab_closes_reader = True
    manager.terminate_broken = terminate_broken


def _start_worker(parent: int, own_ids: bool) -> None:
    """Initializer of every worker.

    ``own_ids``: its kernels run sandboxed under a grader that is not root, so the worker
    becomes root of its own user namespace, whose other ids are the account's subordinate
    ids, and its kernels get a uid of their own (where the machine has none, nothing
    changes: the kernels share the grader's uid). Then it ends whenever ``parent``, the
    process that started the pool, ends, however it ends (:func:`_end_with`).
    """
    if own_ids:
        from .sandbox import enter_own_user_namespace

        enter_own_user_namespace()  # (while the worker has one thread)
    _end_with(parent)


def _end_with(parent: int) -> None:
    """Kill this process as soon as process ``parent`` ends (a thread waits on its pidfd,
    or, without pidfds, looks every second). Its kernel templates and sandboxes die with
    it. A parent stopped by a signal it does not handle (``SIGKILL``, the OOM killer's) had
    left the workers idle for good, with their templates and a kernel still running a
    student's code (review 49)."""
    try:
        watched = os.pidfd_open(parent)
    except (AttributeError, OSError):  # (no pidfd: Linux before 5.3, not Linux)
        watched = None
    if watched is None and not _alive(parent):
        os.kill(os.getpid(), signal.SIGKILL)

    def wait() -> None:
        if watched is not None:
            select.select([watched], [], [])
        else:
            while _alive(parent):
                time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait, name="resistlab-end-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (another user's: alive)
        return True
    return True


def start_pool(jobs: int, own_ids: bool = False) -> ProcessPoolExecutor:
    """A pool of ``jobs`` workers whose start-up runs in the background.

    ``own_ids``: under a grader that is not root, each worker first becomes root of its own
    user namespace mapped to the account's subordinate ids (:func:`_start_worker`). Each
    worker ends when the calling process ends, however it ends (:func:`_end_with`).

    Examples
    --------
    >>> pool = start_pool(1)
    >>> pool.submit(_warm).result() > 0
    True
    >>> pool.shutdown()
    """
    _close_reader_when_broken()
    own_ids = own_ids and os.getuid() != 0 and sys.platform.startswith("linux")
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_mp_context(),
        initializer=_start_worker,
        initargs=(os.getpid(), own_ids),
    )

    def warm():
        for _ in range(jobs):
            try:
                executor.submit(_warm)
            except RuntimeError:  # shut down first (nothing to grade): no worker is needed
                return

    threading.Thread(target=warm, name="resistlab-grading-warmup", daemon=True).start()
    return executor
