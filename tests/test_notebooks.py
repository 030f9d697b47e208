"""Every source notebook follows the course anatomy (CONTRIBUTING.md §2–3)."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from helpers import NOTEBOOK_PATHS, ROOT, assignment_params

from resistlab.course import strip_notebook

OBJECTIVE_VERBS = {
    "analyse", "analyze", "apply", "calculate", "call", "choose", "classify", "compare",
    "compute", "connect", "decide", "derive", "describe", "design", "distinguish", "estimate",
    "evaluate", "explain", "fit", "identify", "implement", "interpret", "predict", "quantify",
    "read", "recognise", "recognize", "relate", "simulate", "test", "use",
}  # fmt: skip
GRADE_ID = re.compile(r"^[a-z][a-z0-9_]{2,}$")
META_KEYS = {"grade", "grade_id", "locked", "schema_version", "solution", "task"}


def nb_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(params=assignment_params())
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_assignments_exist():
    """The course has its assignments, one notebook per NN-slug folder."""
    assert NOTEBOOK_PATHS, "no notebooks/NN-slug/NN-slug.ipynb found"
    for folder in (ROOT / "notebooks").iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            assert sorted(p.name for p in folder.glob("*.ipynb")) == [f"{folder.name}.ipynb"], (
                folder
            )


def test_header_has_objectives_time_and_sections(nb):
    """The first cell gives a title, 3–5 verb-led objectives, 45–75 min and review sections."""
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    text = first.source
    assert re.match(r"^#\s+\S", text), "the first line must be the title (# ...)"
    minutes = re.search(r"\*\*Estimated time:?\*\*:?\s*(\d+)\s*min", text)
    assert minutes, "state '**Estimated time:** NN min' in the first cell"
    assert 45 <= int(minutes.group(1)) <= 75
    assert re.search(r"\*\*Review sections?:?\*\*", text), "name the review sections covered"
    objectives = text.split("Learning objectives", 1)
    assert len(objectives) == 2, "the first cell needs a 'Learning objectives' heading"
    bullets = re.findall(r"^\s*(?:[-*]|\d+\.)\s+(\S+)", objectives[1], flags=re.M)
    assert 3 <= len(bullets) <= 5, f"3–5 objectives expected, found {len(bullets)}"
    for word in bullets:
        verb = re.sub(r"[^a-z]", "", word.lower())
        assert verb in OBJECTIVE_VERBS, f"objective should start with a verb, not {word!r}"


def test_sections_in_order(nb):
    """Setup, Background, exercises, Explore and Summary appear, in that order."""
    headings = [
        line
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]

    def first(pattern):
        for i, h in enumerate(headings):
            if re.search(pattern, h, flags=re.I):
                return i
        pytest.fail(f"no '## {pattern}' heading")

    order = [first("Background"), first(r"Exercise 1\b"), first("Explore"), first("Summary")]
    assert order == sorted(order), f"sections out of order: {headings}"
    assert headings[-1].lower().startswith("## summary"), "the notebook ends with its Summary"


def test_setup_imports_only_resistlab_and_the_stack(nb):
    """The setup cell imports resistlab and the scientific stack, nothing else, no paths."""
    allowed = {"resistlab", "numpy", "pandas", "matplotlib", "scipy", "math", "ipywidgets"}
    allowed |= {"sklearn"}  # scikit-learn, a package dependency (15: logistic regression, CV)
    setup = next(c for c in nb.cells if nb_meta(c).get("grade_id") == "setup")
    for node in ast.walk(ast.parse(setup.source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, f"setup imports {name}"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "http://" not in cell.source and "https://" not in cell.source
            assert "open(" not in cell.source, "data come from resistlab.datasets, not files"


def test_cell_metadata_and_grade_ids(nb):
    """Every cell has complete nbgrader metadata; grade ids are unique and descriptive."""
    seen = set()
    for cell in nb.cells:
        meta = nb_meta(cell)
        assert META_KEYS <= set(meta), f"cell without full nbgrader metadata: {cell.source[:60]!r}"
        assert meta["schema_version"] == 3
        gid = meta["grade_id"]
        assert GRADE_ID.match(gid), f"grade_id {gid!r} is not descriptive snake_case"
        assert gid not in seen, f"duplicate grade_id {gid!r}"
        seen.add(gid)
        if meta["solution"]:
            assert cell.cell_type == "code" and not meta["locked"] and not meta["grade"]
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        elif meta["grade"]:
            assert cell.cell_type == "code" and meta["locked"] and meta["points"] > 0
        else:
            assert meta["locked"], f"non-answer cell {gid!r} must be read-only"


def test_points_and_exercises(nb):
    """At least four graded test cells worth at least 10 points, each hiding tests."""
    tests = [c for c in nb.cells if nb_meta(c).get("grade")]
    assert len(tests) >= 4
    assert sum(nb_meta(c)["points"] for c in tests) >= 10
    for cell in tests:
        gid = nb_meta(cell)["grade_id"]
        assert gid.startswith("test_"), f"test cells are named test_*, not {gid!r}"
        src = cell.source
        assert "### BEGIN HIDDEN TESTS" in src and "### END HIDDEN TESTS" in src, gid
        visible = src.split("### BEGIN HIDDEN TESTS")[0]
        code = [
            ln for ln in visible.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
        ]
        assert len(code) >= 2, f"{gid}: a visible check must precede the hidden tests"
        hidden = src.split("### BEGIN HIDDEN TESTS")[1]
        asserts = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Assert)]
        assert asserts and "assert" in hidden, f"{gid}: hidden tests must assert something"
        for node in asserts:
            assert node.msg is not None, f"{gid} line {node.lineno}: every assert coaches"
        assert "resistlab" not in src, f"{gid}: never compare against resistlab"
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    exercises = [h for h in headings if re.search(r"^## Exercise \d+", h, flags=re.M)]
    assert len(exercises) >= 4


def test_each_answer_has_self_check_then_tests(nb):
    """An answer cell is followed by a read-only self-check and then its test cell(s)."""
    cells = nb.cells
    answers = [i for i, c in enumerate(cells) if nb_meta(c).get("solution")]
    assert len(answers) >= 4
    for i in answers:
        check, test = cells[i + 1], cells[i + 2]
        check_meta, test_meta = nb_meta(check), nb_meta(test)
        assert check.cell_type == "code" and check_meta["locked"] and not check_meta["grade"], (
            f"{nb_meta(cells[i])['grade_id']} must be followed by a read-only self-check cell"
        )
        assert check_meta["grade_id"].startswith("check_")
        assert test_meta.get("grade"), f"{check_meta['grade_id']} must be followed by tests"


def test_explorer_and_figure(nb):
    """One explorer call with guiding questions, and at least one resistlab figure."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    explorers = [c for c in code if re.search(r"\bexplore_\w+\(", c.source)]
    assert len(explorers) == 1, "exactly one explore_*() call"
    index = nb.cells.index(explorers[0])
    intro = nb.cells[index - 1]
    assert intro.cell_type == "markdown" and "?" in intro.source, "guiding question(s) above"
    assert any(re.search(r"\bplot_\w+\(", c.source) for c in code), "no resistlab plot_*()"


def test_summary_connects_to_clinic(nb):
    """The summary is the last cell and says something about patients or the clinic."""
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Summary")
    assert re.search(r"clinic|patient|trial|therapy|treatment", last.source, flags=re.I)


@pytest.mark.parametrize("path", assignment_params())
def test_committed_without_outputs(path):
    """The committed notebook is stripped (no outputs, counts or widget state)."""
    assert not strip_notebook(path, check=True), f"run `make strip` ({path.name} has outputs)"
