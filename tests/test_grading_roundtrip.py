"""The student copy of every assignment hides its tests and solutions.

For each assignment nbgrader generates the student copy, in a throwaway course folder; no
hidden test or solution survives in it. The graded round trip of every assignment (the
answers score full marks, the blank copy zero, every blanked answer costs points) is
checked under both graders, ``nbgrader autograde`` and ``resistlab grade``, in
``tests/course/grading/test_parity.py::test_every_assignment_scores_equal_nbgrader_through_sealed_tests``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import assignment_params

from resistlab.course import run_nbgrader

STUB = "raise NotImplementedError()"


def blank_answer(source: str) -> str:
    """Replace the solution region of an answer cell by nbgrader's stub, keeping indentation."""
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    assert not inside, "unterminated solution region"
    return "\n".join(out)


def hidden_lines(source_nb) -> set[str]:
    """Distinctive lines that appear only inside hidden-test regions."""
    hidden, visible = set(), set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if "### BEGIN HIDDEN TESTS" in text:
                inside = True
            elif "### END HIDDEN TESTS" in text:
                inside = False
            elif inside:
                hidden.add(text)
            else:
                visible.add(text)
    return {line for line in hidden - visible if len(line) >= 12}


@pytest.mark.parametrize("path", assignment_params())
def test_release_hides_the_tests_and_solutions(path, make_course):
    name = path.parent.name
    course = make_course(name)
    run_nbgrader(["generate_assignment", name, "--force"], root=course)
    release_text = (course / "release" / name / f"{name}.ipynb").read_text()
    source = nbformat.read(path, as_version=4)

    assert "BEGIN HIDDEN TESTS" not in release_text
    assert "BEGIN SOLUTION" not in release_text
    leaked = [line for line in hidden_lines(source) if line in release_text]
    assert not leaked, f"hidden test lines in the release copy: {leaked[:3]}"


def test_blank_answer_keeps_signature():
    """blank_answer() keeps the code around the solution region and indents the stub."""
    src = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert blank_answer(src) == "def f(x):\n    '''doc'''\n    raise NotImplementedError()"
    assert re.search("return x", blank_answer(src)) is None
