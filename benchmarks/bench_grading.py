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
execution, the peak resident memory of one grading worker and of one student kernel (sampled
from ``/proc`` while each command runs), and checks that nbgrader and resistlab gave every
student the same score. Targets: ``--jobs 2`` at least 1.8x nbgrader on 2 cores; ``--jobs 1``
at most 30% slower than bare execution.

From the measured seconds per submission and the parallel efficiency of the largest ``--jobs``
it then extrapolates how long a 2,000-student assignment takes on 2, 16 and 64 cores (one job
per core; an extrapolation, stated as such).

    python benchmarks/bench_grading.py [--students 40] [--assignments 01 03] [--jobs 1 2 4]
        [--skip-bare] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
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


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _kind(pid: int, inside_kernel: bool) -> str:
    if inside_kernel:
        return "kernel"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "worker"
    return (
        "kernel"
        if any(k in cmd for k in ("ipykernel", "kernel_template", "bwrap"))
        else ("worker")
    )


class PeakSampler(threading.Thread):
    """Sample the process tree of a command every 0.2 s: peak VmHWM per kind of process.

    Kinds: ``parent`` (the command itself), ``kernel`` (a student kernel, its template or its
    sandbox, and their children) and ``worker`` (every other descendant).
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_mib, self._halt = pid, {}, threading.Event()

    def run(self):
        while not self._halt.wait(0.2):
            stack = [(self.pid, "parent", False)]
            while stack:
                pid, kind, inside = stack.pop()
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    hwm = next(int(x.split()[1]) for x in status.splitlines()
                               if x.startswith("VmHWM")) / 1024  # fmt: skip
                except (OSError, StopIteration):
                    continue
                self.peak_mib[kind] = max(self.peak_mib.get(kind, 0.0), hwm)
                for child in _children(pid):
                    child_kind = _kind(child, inside)
                    stack.append((child, child_kind, child_kind == "kernel"))

    def stop(self):
        self._halt.set()
        self.join()


def run_command(course: Path, names, command, peaks: dict | None = None) -> float:
    start = time.perf_counter()
    for name in names:
        proc = subprocess.Popen(
            command(name), cwd=course, env=_env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        sampler = PeakSampler(proc.pid)
        sampler.start()
        out, err = proc.communicate()
        sampler.stop()
        if peaks is not None:
            for kind, mib in sampler.peak_mib.items():
                peaks[kind] = max(peaks.get(kind, 0.0), mib)
        if proc.returncode != 0:
            raise SystemExit(f"{command(name)} failed:\n{out[-2000:]}{err[-2000:]}")
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
    parser.add_argument(
        "--jobs", type=int, nargs="+", default=sorted({1, 2, os.cpu_count() or 1}),
        help="resistlab grade --jobs values to measure (default: 1, 2 and the CPU count)",
    )  # fmt: skip
    parser.add_argument(
        "--skip-bare", action="store_true", help="skip the bare-execution floor (saves time)"
    )
    args = parser.parse_args()
    names = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*") if p.is_dir())
    if args.assignments:
        names = [n for n in names if any(n.startswith(a) for a in args.assignments)]
    if not names:
        raise SystemExit("no assignments found under notebooks/")
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    base = tmp / "base"
    submissions = build_class(base, names, args.students)
    jobs_list = sorted(set(args.jobs) | {1, 2})
    courses = {label: tmp / label for label in ["nbgrader"] + [f"jobs{j}" for j in jobs_list]}
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

    timings, peaks = {}, {}
    if not args.skip_bare:
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
            "--UnsandboxedAutograde.allowed=True",  # the benchmark's own submissions
            f"--CourseDirectory.root={courses['nbgrader']}",
        ],
    )
    for jobs in jobs_list:
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
            peaks.setdefault(jobs, {}),
        )

    n = len(submissions)
    bare = timings.get("bare execution (nbclient, serial)")  # None with --skip-bare
    nbg = timings["nbgrader autograde"]
    rows = []
    for label, seconds in timings.items():
        rows.append(
            (
                label,
                f"{seconds:.1f}",
                f"{n / seconds:.3f}",
                f"{nbg / seconds:.2f}x",
                f"{100 * (seconds - bare) / bare:+.0f}%" if bare else "–",
            )
        )
    print_table(("method", "seconds", "submissions/s", "vs nbgrader", "vs bare"), rows)
    reference = scores(courses["nbgrader"], names)
    print()
    print_table(
        ("--jobs", "peak MiB: parent", "one worker", "one kernel"),
        [
            (j, *(f"{peaks[j].get(k, float('nan')):.0f}" for k in ("parent", "worker", "kernel")))
            for j in jobs_list
        ],
    )
    for jobs in jobs_list:
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
    if "resistlab grade --jobs 2" in timings:
        speedup = nbg / timings["resistlab grade --jobs 2"]
        print(f"\n--jobs 2 vs nbgrader: {speedup:.2f}x (target >= 1.8x on 2 cores)")
    if bare and "resistlab grade --jobs 1" in timings:
        overhead = (timings["resistlab grade --jobs 1"] - bare) / bare
        print(f"--jobs 1 overhead over bare execution: {100 * overhead:+.0f}% (target <= 30%)")
    print_extrapolation(n, timings, jobs_list, peaks)
    if args.keep:
        print(f"course folders kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def print_extrapolation(n: int, timings: dict, jobs_list: list[int], peaks: dict) -> None:
    """A 2,000-student assignment on 2, 16 and 64 cores, from this run's figures."""
    one = timings["resistlab grade --jobs 1"] / n  # seconds per submission, one job
    top = max(jobs_list)
    efficiency = (
        timings["resistlab grade --jobs 1"] / timings[f"resistlab grade --jobs {top}"]
    ) / top
    per_job_mib = peaks[top].get("worker", 0.0) + peaks[top].get("kernel", 0.0)
    print(
        f"\nExtrapolation (not measured): {one:.2f} s per submission with one job; parallel "
        f"efficiency {efficiency:.0%} at --jobs {top} on this machine, assumed to hold per core."
    )
    rows = []
    for cores in (2, 16, 64):
        minutes = 2000 * one / (cores * efficiency) / 60
        memory = cores * per_job_mib / 1024 + peaks[top].get("parent", 0.0) / 1024
        rows.append((cores, f"{minutes:.0f}", f"{memory:.1f}"))
    print_table(("cores (= --jobs)", "minutes for 2,000 students", "memory GiB"), rows)


if __name__ == "__main__":
    main()
