"""The grading pool (``resistlab.course.grading.pool``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from helpers import ROOT

#: Workers that die while the call queue's pipe is full (1 MiB a task, 64 KiB a pipe).
DYING = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, sys.argv[1])
    from resistlab.course.grading.pool import start_pool

    def die(payload):
        time.sleep(0.5)
        os._exit(1)

    if __name__ == "__main__":
        pool = start_pool(2)
        futures = [pool.submit(die, b"x" * (1 << 20)) for _ in range(4)]
        for future in futures:
            try:
                future.result(timeout=60)
            except Exception as err:
                print(type(err).__name__)
        pool.shutdown(wait=True, cancel_futures=True)
        print("shut down")
""")


@pytest.mark.parametrize("python", [sys.executable, "/usr/bin/python3"])
def test_a_broken_pool_with_a_full_call_queue_shuts_down(python, tmp_path):
    """Review 45 A#1: workers that died while the call queue's pipe was full left its feeder
    thread writing to a pipe no one reads, and shutting the broken pool down hung the run
    for good on older Python 3.11 releases (Debian 12's 3.11.2, the hub's Python; CPython
    gh-94777). The pool closes the parent's end of the queue when it breaks, on every
    Python. The pool module imports only the standard library, so any Python runs it."""
    if shutil.which(python) is None:
        pytest.skip(f"{python} is not installed")
    script = tmp_path / "dying.py"
    script.write_text(DYING)
    done = subprocess.run(
        [python, str(script), str(ROOT / "src")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["BrokenProcessPool"] * 4 + ["shut", "down"], done.stdout
