"""The grader's own messages never reach a test cell (kernel.py).

A parity run lost an honest student 2 points: nbclient's kernel watch, which it cancels only
when a reply arrives, outlived its kernel client and failed with an ``AssertionError``; asyncio
printed "Task exception was never retrieved" to ``sys.stderr`` when the task was collected,
which happened during a sealed test, whose stderr goes into the test cell, and nbgrader scores
a test cell with stderr output 0.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from resistlab.course.grading.kernel import GradingExecute


def test_a_kernel_watch_ends_quietly_when_its_session_is_over():
    """The watch of a kernel whose session ended (no client any more, or another one) ends
    without an exception instead of failing on the missing client."""

    async def watch(replacement):
        ex = GradingExecute()
        ex.kc = object()  # the session's client (never called before the first tick)
        task = asyncio.ensure_future(ex._async_poll_kernel_alive())
        await asyncio.sleep(0)
        ex.kc = replacement
        await asyncio.wait_for(task, timeout=5)
        return task.exception()

    assert asyncio.run(watch(None)) is None
    assert asyncio.run(watch(object())) is None


def test_asyncio_messages_of_the_grader_never_reach_a_redirected_stderr():
    """In a fresh interpreter (pytest installs log handlers of its own): once the grader's
    executor exists, what asyncio logs goes to the process's stderr, not to ``sys.stderr``
    redirected into a sealed test's cell."""
    code = textwrap.dedent(
        """
        import contextlib, io, logging
        from resistlab.course.grading.kernel import GradingExecute
        GradingExecute()
        cell = io.StringIO()
        with contextlib.redirect_stderr(cell):
            logging.getLogger("asyncio").error("Task exception was never retrieved")
        print(repr(cell.getvalue()))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "''", done
    assert "Task exception was never retrieved" in done.stderr
