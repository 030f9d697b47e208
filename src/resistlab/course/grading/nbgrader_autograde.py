"""nbgrader's own ``autograde`` under the course's configuration: no student code unsandboxed.

``nbgrader autograde`` (and Formgrader's *Autograde* button, which runs the same app) executes
every cell of a submission in an ordinary kernel under the instructor's own uid, with the
course root (solutions, hidden tests, ``gradebook.db``) readable and writable: one added cell
had read the hidden tests and set another student's grades to 0. The course's
``nbgrader_config.py`` puts :class:`UnsandboxedAutograde` first in
``Autograde.autograde_preprocessors``: it stops each notebook before it is executed, with a
message that names ``resistlab grade`` (sandboxed, the same scores), unless the instructor
says the submissions are trusted (``--UnsandboxedAutograde.allowed=True``).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

__all__ = ["UnsandboxedAutograde", "UnsandboxedAutogradeRefused"]


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
