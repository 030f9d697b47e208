"""How long `resistlab report` takes for a large class (target: 500 students in seconds).

A few kinds of student are graded for real on one assignment (nbgrader autograde): the full
answer, the blank release copy and one copy per blanked answer, the knock-outs of the grading
round trip. The class is then grown to N students by copying those graded submissions
(gradebook rows and autograded notebooks, figures included), N/10 of the roster handing in
nothing. The report (HTML, then CSV) is built for a class of N/10 and of N side by side, so
the ratio shows how it scales.

    python benchmarks/bench_report.py [--students 500] [--assignment 01-dose-response]
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from _util import print_table

from resistlab.course import Course, answered_release, run_nbgrader

ROOT = Path(__file__).resolve().parents[1]


def graded_templates(course: Path, name: str) -> list[str]:
    """Grade the round trip's kinds of student for real; return their ids."""
    run_nbgrader(["generate_assignment", name, "--force"], root=course)
    source = nbformat.read(course / "notebooks" / name / f"{name}.ipynb", as_version=4)
    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    full = answered_release(copy.deepcopy(release), source)
    kinds = {"full": full, "blank": release}
    for cell in release.cells:  # one answer left as released (nbgrader's stub)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            variant = answered_release(copy.deepcopy(release), source)
            for c in variant.cells:
                if c.metadata.get("nbgrader", {}).get("grade_id") == meta["grade_id"]:
                    c.source = cell.source
            kinds[f"without_{meta['grade_id']}"] = variant
    for student, nb in kinds.items():
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    # the benchmark's own submissions: trusted, so nbgrader may run them unsandboxed
    run_nbgrader(["autograde", name, "--UnsandboxedAutograde.allowed=True"], root=course)
    return list(kinds)


def grow_class(course: Path, name: str, templates: list[str], n: int) -> None:
    """Copy the graded templates into a class of n students (n/10 of them hand in nothing)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {
            t: {g.name: g.auto_score for g in gb.find_submission(name, t).notebooks[0].grades}
            for t in templates
        }
        for i in range(n):
            student = f"s{i:05d}"
            gb.update_or_create_student(student)
            if i % 10 == 9:
                continue  # on the roster, no submission
            template = templates[i % len(templates)]
            shutil.copytree(
                course / "autograded" / template / name, course / "autograded" / student / name
            )
            sub = gb.add_submission(name, student)
            for grade in sub.notebooks[0].grades:
                grade.auto_score = scores[template][grade.name]
        gb.db.commit()


def build(course: Path, name: str) -> tuple[float, float]:
    from resistlab.course.grading.classreport import write_report

    started = time.perf_counter()
    write_report(Course(course), name, out=course / "out-html")
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    write_report(Course(course), name, fmt="csv", out=course / "out-csv")
    return html_s, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--assignment", default="01-dose-response")
    args = parser.parse_args()
    # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; they are harmless here.
    warnings.filterwarnings("ignore", module="nbgrader.api")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    name = args.assignment
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        (base / "notebooks").mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", base)
        shutil.copytree(ROOT / "notebooks" / name, base / "notebooks" / name)
        print(f"grading the round trip's kinds of student on {name} ...", flush=True)
        templates = graded_templates(base, name)
        for n in (max(10, args.students // 10), args.students):
            course = Path(tmp) / f"class{n}"
            shutil.copytree(base, course)
            shutil.rmtree(course / "submitted")
            grow_class(course, name, templates, n)
            if not rows:
                build(course, name)  # warm-up: imports (matplotlib, nbgrader) are not timed
            html_s, csv_s = build(course, name)
            rows.append((n, f"{html_s:.2f}", f"{csv_s:.2f}", f"{html_s / n * 1e3:.1f}"))
    print()
    print_table(("students", "html s", "csv s", "ms per student (html)"), rows)
    small, large = float(rows[0][1]), float(rows[1][1])
    print(
        f"\n{args.students} students: HTML report in {large:.2f} s "
        f"({large / small:.1f}x the time of {rows[0][0]} for {args.students / rows[0][0]:.0f}x "
        "the students)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
