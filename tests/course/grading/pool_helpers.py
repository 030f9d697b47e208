"""Task functions for the pool tests (importable by worker processes)."""

from __future__ import annotations

import os
import time

from resistlab.course.grading.worker import SubmissionResult


def die_or_grade(task, context):
    """Kill the worker for the student ``killer``; otherwise return a result after a moment."""
    if task.student == "killer":
        time.sleep(0.3)
        os._exit(1)
    time.sleep(0.2)
    return SubmissionResult(task.student, task.digest)


def stuck_or_grade(task, context):
    """For the student ``stuck``: never return, deaf to the worker's own alarms and SIGTERM
    (as one long C call in grader-side test code would be); otherwise a result."""
    import signal

    if task.student == "stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
        time.sleep(600)
    time.sleep(0.2)
    return SubmissionResult(task.student, task.digest)


def set_constants(settings):
    """Pool initializer: ``module.name = value`` in the worker for each ``(module, name,
    value)`` (bounds lowered for a test)."""
    import importlib

    for module, name, value in settings:
        setattr(importlib.import_module(module), name, value)


def _write_peak(path):
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    with open(path, "a") as out:
        out.write(f"{int(peak.split()[1]) * 1024}\n")


def set_constants_and_report_peak(settings, path):
    """Pool initializer: :func:`set_constants`, and when the worker exits, its peak resident
    memory (``VmHWM``, bytes) appended as a line to ``path``."""
    from multiprocessing import util

    set_constants(settings)
    util.Finalize(None, _write_peak, args=(path,), exitpriority=10)
