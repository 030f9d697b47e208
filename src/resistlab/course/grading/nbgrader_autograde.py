"""nbgrader's own ``autograde`` and ``validate`` under the course's configuration: no
student code unsandboxed.

``nbgrader autograde`` (and Formgrader's *Autograde* button, which runs the same app) executes
every cell of a submission in an ordinary kernel under the instructor's own uid, with the
course root (solutions, hidden tests, ``gradebook.db``) readable and writable: one added cell
had read the hidden tests and set another student's grades to 0. The course's
``nbgrader_config.py`` puts :class:`UnsandboxedAutograde` first in
``Autograde.autograde_preprocessors``: it stops each notebook before it is executed, with a
message that names ``resistlab grade`` (sandboxed, the same scores), unless the instructor
says the submissions are trusted (``--UnsandboxedAutograde.allowed=True``).

``nbgrader validate`` (and the *Validate* button of the live notebook Formgrader opens) runs a
notebook the same way: :class:`StudentWorkKernelManager`, the course's kernel manager for
nbgrader's ``Execute``, refuses to start a kernel to validate a notebook in the folders the
course names (``submitted/``, ``autograded/``, ``feedback/``, ``downloaded/`` and the
exchange: students' work) and names ``resistlab grade``; an instructor's own notebooks, and a
student's in their own folders, validate as before.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, List, Unicode

__all__ = ["StudentWorkKernelManager", "UnsandboxedAutograde", "UnsandboxedAutogradeRefused"]


class UnsandboxedAutogradeRefused(RuntimeError):
    """Raised by :class:`UnsandboxedAutograde` for a notebook it does not let run."""


class UnsandboxedAutograde(NbGraderPreprocessor):
    """Refuse to let nbgrader's ``Execute`` run a student's notebook without a sandbox.

    Examples
    --------
    >>> import nbformat
    >>> UnsandboxedAutograde(allowed=True).preprocess(nbformat.v4.new_notebook(), {})[1]
    {}
    """

    allowed = Bool(
        False,
        help="let nbgrader autograde run student code unsandboxed, as the instructor "
        "(only for submissions you trust)",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        if self.allowed:
            return nb, resources
        student = resources.get("nbgrader", {}).get("student", "this student")
        raise UnsandboxedAutogradeRefused(
            f"nbgrader autograde would run {student}'s code unsandboxed, as you: it could read "
            "the hidden tests and solutions and rewrite the gradebook. Grade with `resistlab "
            "grade ASSIGNMENT` (sandboxed, the same scores). For submissions you trust, add "
            "--UnsandboxedAutograde.allowed=True."
        )


class StudentWorkKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, refusing to start a kernel to *validate* a notebook inside
    one of ``refused_folders`` (nbgrader's ``Validator`` sets ``NBGRADER_EXECUTION=validate``
    and runs the kernel in the notebook's folder): the *Validate* button had run a student's
    notebook as the instructor. Autograding and a student's own validation are unchanged."""

    refused_folders = List(
        Unicode(), help="folders of students' work, never validated by running them here"
    ).tag(config=True)

    async def start_kernel(self, **kw):
        if os.environ.get("NBGRADER_EXECUTION") == "validate":
            folder = Path(kw.get("cwd") or os.getcwd()).resolve()
            for refused in self.refused_folders:
                if folder.is_relative_to(Path(refused).resolve()):
                    raise UnsandboxedAutogradeRefused(
                        f"nbgrader validate would run the notebook in {folder} unsandboxed, as "
                        "you: it is a student's work. Grade it with `resistlab grade "
                        "ASSIGNMENT` (sandboxed) and read the autograded notebook."
                    )
        return await super().start_kernel(**kw)
