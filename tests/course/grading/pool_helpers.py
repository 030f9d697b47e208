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
