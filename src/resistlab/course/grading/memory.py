"""Bound the grader's own memory while it reads or receives what a submission made.

Counts and caps come first (the notebook's objects, a message part's size, output per cell):
:func:`memory_bound` is the bound for what no count foresaw. It lowers this process's soft
``RLIMIT_AS`` for the length of a block, so an allocation past it fails (Python raises
:class:`MemoryError`, ZeroMQ drops the message it could not hold) instead of taking the
machine's memory. Processes the grader starts inside a block get the limit it had before
(:func:`unbounded_child`, a ``preexec_fn``).
"""

from __future__ import annotations

import contextlib
import resource

__all__ = ["memory_bound", "unbounded_child"]

#: The limits before the outermost bound now in force (``None`` outside any bound).
_OUTSIDE: tuple[int, int] | None = None


def _mapped_bytes() -> int:
    """The address space this process maps now (``VmSize``; Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def memory_bound(extra_bytes: int):
    """While the block runs, this process may map at most ``extra_bytes`` more than it maps
    when the block starts (the soft ``RLIMIT_AS``, lowered and then restored): an allocation
    past it raises :class:`MemoryError` inside the block instead of taking the machine's
    memory. Where the address space cannot be read (not Linux), nothing is bounded.

    A process started inside the block inherits the bound unless it is started with
    ``preexec_fn=unbounded_child``.

    Examples
    --------
    >>> with memory_bound(64 * 2**20):
    ...     try:
    ...         _ = bytearray(256 * 2**20)
    ...     except MemoryError:
    ...         print("refused")
    refused
    >>> len(bytearray(256 * 2**20))  # the bound is gone after the block
    268435456
    """
    global _OUTSIDE

    try:
        limit = _mapped_bytes() + extra_bytes
    except (OSError, ValueError):
        limit = None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and limit is not None:
        limit = min(limit, hard)
    if limit is None or (soft != resource.RLIM_INFINITY and soft <= limit):
        yield  # unknown, or already bounded more tightly
        return
    outermost = _OUTSIDE is None
    if outermost:
        _OUTSIDE = (soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if outermost:
            _OUTSIDE = None


def unbounded_child() -> None:
    """In a child process just forked (a ``preexec_fn``): give it back the address-space
    limit its parent had before any :func:`memory_bound`. A kernel or template started while
    the grader receives a kernel's messages must not inherit the grader's own bound.

    Examples
    --------
    >>> import subprocess, sys
    >>> code = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    >>> with memory_bound(2**30):
    ...     out = subprocess.run([sys.executable, "-c", code], capture_output=True,
    ...                          text=True, preexec_fn=unbounded_child).stdout
    >>> int(out) == resource.getrlimit(resource.RLIMIT_AS)[0]
    True
    """
    if _OUTSIDE is not None:
        resource.setrlimit(resource.RLIMIT_AS, _OUTSIDE)
