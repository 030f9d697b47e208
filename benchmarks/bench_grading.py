"""Grading throughput: plain nbgrader, resistlab grade (1 and 2 jobs) and bare execution.

A synthetic class of N students (default 40) is spread over the course's assignments: student
k submits assignment k mod A, as a full answer (the release copy with the solutions filled
in), a partial one (one answer left blank) or a blank one, in turn. The same submissions are
then, in one run and one after the other:

* executed without grading (nbclient, one kernel per notebook, serially): the floor;
* graded by ``nbgrader autograde`` (one command per assignment);
* graded by ``resistlab grade --jobs 1`` and ``--jobs 2`` (one command per assignment,
  sandbox on, as a lecturer would run them).

It prints submissions per second for each, the speed-up over nbgrader, the overhead over bare
execution, and checks that nbgrader and resistlab gave every student the same score.
Targets: ``--jobs 2`` at least 1.8x nbgrader on 2 cores; ``--jobs 1`` at most 30% slower
than bare execution.

    python benchmarks/bench_grading.py [--students 40] [--assignments 01 03] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from _util import print_table
from nbclient import NotebookClient

from resistlab.course import answered_release, nbgrader_env

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("full", "partial", "blank")


def _env() -> dict:
    """The environment of every run: the course's (venv first on PATH), inline figures for all."""
    env = nbgrader_env()
    env.pop("MPLBACKEND", None)
    return env


def build_class(course: Path, names: list[str], students: int) -> list[tuple[str, str, Path]]:
    """Release the assignments and write the synthetic submissions; return them."""
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for name in names:
        shutil.copytree(ROOT / "notebooks" / name, course / "notebooks" / name)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "generate_assignment",
                name,
                "--force",
                f"--CourseDirectory.root={course}",
            ],
            cwd=course,
            env=_env(),
            check=True,
            capture_output=True,
        )
    made = []
    for k in range(students):
        name = names[k % len(names)]
        kind = KINDS[(k // len(names)) % len(KINDS)]
        release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
        source = nbformat.read(course / "notebooks" / name / f"{name}.ipynb", as_version=4)
        nb = release if kind == "blank" else answered_release(release, source)
        if kind == "partial":
            first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
            first.source = "raise NotImplementedError()"
        student = f"s{k:03d}"
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        made.append((student, name, folder / f"{name}.ipynb"))
    return made


def run_bare(submissions, timeout: int) -> float:
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        for _, _, path in submissions:
            nb = nbformat.read(path, as_version=4)
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": cwd}},
            ).execute()
        return time.perf_counter() - start


def run_command(course: Path, names, command) -> float:
    start = time.perf_counter()
    for name in names:
        proc = subprocess.run(
            command(name), cwd=course, env=_env(), capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise SystemExit(
                f"{command(name)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
            )
    return time.perf_counter() - start


def scores(course: Path, names) -> dict:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for name in names:
            for sub in gb.assignment_submissions(name):
                found[(name, sub.student_id)] = round(float(sub.score), 6)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignments", nargs="*", help="NN prefixes (default: all)")
    parser.add_argument("--timeout", type=int, default=120, help="cell timeout (s)")
    parser.add_argument("--keep", action="store_true", help="keep the course folders")
    args = parser.parse_args()
    names = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*") if p.is_dir())
    if args.assignments:
        names = [n for n in names if any(n.startswith(a) for a in args.assignments)]
    if not names:
        raise SystemExit("no assignments found under notebooks/")
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    base = tmp / "base"
    submissions = build_class(base, names, args.students)
    courses = {label: tmp / label for label in ("nbgrader", "jobs1", "jobs2")}
    for course in courses.values():
        shutil.copytree(base, course)
    env_timeout = {"RESISTLAB_CELL_TIMEOUT": str(args.timeout)}
    os.environ.update(env_timeout)
    py = sys.executable
    cpus = os.cpu_count()
    print(
        f"{len(submissions)} submissions over {len(names)} assignment(s) "
        f"({', '.join(names)}); {cpus} CPU(s); cell timeout {args.timeout} s\n"
    )

    timings = {}
    timings["bare execution (nbclient, serial)"] = run_bare(submissions, args.timeout)
    timings["nbgrader autograde"] = run_command(
        courses["nbgrader"],
        names,
        lambda n: [
            py,
            "-m",
            "nbgrader",
            "autograde",
            n,
            f"--CourseDirectory.root={courses['nbgrader']}",
        ],
    )
    for jobs in (1, 2):
        course = courses[f"jobs{jobs}"]
        timings[f"resistlab grade --jobs {jobs}"] = run_command(
            course,
            names,
            lambda n, c=course, j=jobs: [
                py,
                "-m",
                "resistlab",
                "--course",
                str(c),
                "grade",
                n,
                "--jobs",
                str(j),
            ],
        )

    n = len(submissions)
    bare = timings["bare execution (nbclient, serial)"]
    nbg = timings["nbgrader autograde"]
    rows = []
    for label, seconds in timings.items():
        rows.append(
            (
                label,
                f"{seconds:.1f}",
                f"{n / seconds:.3f}",
                f"{nbg / seconds:.2f}x",
                f"{100 * (seconds - bare) / bare:+.0f}%",
            )
        )
    print_table(("method", "seconds", "submissions/s", "vs nbgrader", "vs bare"), rows)
    reference = scores(courses["nbgrader"], names)
    for jobs in (1, 2):
        got = scores(courses[f"jobs{jobs}"], names)
        same = got == reference
        print(
            f"\nscores of resistlab --jobs {jobs} identical to nbgrader's: "
            f"{'yes' if same else 'NO'} ({len(got)} submissions)"
        )
        if not same:
            for key in sorted(set(got) | set(reference)):
                if got.get(key) != reference.get(key):
                    print(f"  {key}: resistlab {got.get(key)} nbgrader {reference.get(key)}")
    speedup = nbg / timings["resistlab grade --jobs 2"]
    overhead = (timings["resistlab grade --jobs 1"] - bare) / bare
    print(
        f"\n--jobs 2 vs nbgrader: {speedup:.2f}x (target >= 1.8x on 2 cores); "
        f"--jobs 1 overhead over bare execution: {100 * overhead:+.0f}% (target <= 30%)"
    )
    if args.keep:
        print(f"course folders kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
